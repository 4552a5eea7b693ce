from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from directory import version
from directory.models import WALES_CODE, Service, WaitingTimeReport
from gaps import selectors
from gaps.layers import Layer
from tests.factories import ClosedServiceFactory, PausedServiceFactory, ServiceFactory, WaitingTimeReportFactory

pytestmark = pytest.mark.django_db

CARDIFF, NEWPORT, GWYNEDD = "W06000015", "W06000022", "W06000002"


def test_a_service_covering_wales_covers_all_22_local_authorities(wales_areas):
    ServiceFactory(coverage=[wales_areas[WALES_CODE]])
    (row,) = selectors.service_rows_build()
    assert len(row.la_codes) == 22


def test_a_service_covering_a_health_board_covers_its_local_authorities(wales_areas):
    # Cardiff and Vale University Health Board: Cardiff and the Vale of Glamorgan.
    ServiceFactory(coverage=[wales_areas["W11000029"]])
    (row,) = selectors.service_rows_build()
    assert row.la_codes == {"W06000015", "W06000014"}


def test_a_service_covering_a_safeguarding_board_covers_its_local_authorities(wales_areas):
    ServiceFactory(coverage=[wales_areas["north-wales"]])
    (row,) = selectors.service_rows_build()
    assert len(row.la_codes) == 6
    assert GWYNEDD in row.la_codes


def test_a_row_holds_the_service_as_the_model_does(wales_areas):
    # The rows are read without Django's converters (SQLite gives booleans as 0/1, ids as hex).
    service = ServiceFactory(
        coverage=[wales_areas[CARDIFF]], name="Cardiff group", supports_child=False, supports_sibling=True,
        disclosure_required=True, pre_trial_therapy=False, age_min=4, age_max=16.5, capacity_per_year=None,
        abuse_intra_familial=True, abuse_online=True, abuse_cse=False, abuse_extra_familial=False,
        abuse_harmful_sexual_behaviour=False,
    )
    (row,) = selectors.service_rows_build()
    assert (row.id, row.name, row.status, row.public_id) == (service.pk, "Cardiff group", "active", str(service.public_id))
    assert (row.supports_child, row.supports_sibling, row.disclosure_required, row.pre_trial_therapy) == (
        False, True, True, False)
    assert all(type(flag) is bool for flag in (row.supports_child, row.supports_parent_carer, row.supports_sibling,
                                                row.disclosure_required, row.pre_trial_therapy))
    assert (row.age_min, row.age_max, row.capacity) == (4.0, 16.5, None)
    assert row.abuse_forms == {"intra_familial", "online"}


def test_closed_services_are_left_out_and_paused_ones_kept(wales_areas):
    ClosedServiceFactory(coverage=[wales_areas[CARDIFF]])
    PausedServiceFactory(coverage=[wales_areas[CARDIFF]])
    rows = selectors.service_rows_build()
    assert [r.status for r in rows] == ["paused"]


def test_the_current_wait_is_the_latest_report_by_date_then_recording_time(wales_areas):
    service = ServiceFactory(coverage=[wales_areas[CARDIFF]])
    today = date.today()
    WaitingTimeReportFactory(service=service, weeks=3, as_of=today - timedelta(days=30))
    WaitingTimeReportFactory(service=service, weeks=9, as_of=today, recorded_at=timezone.now() - timedelta(hours=2))
    WaitingTimeReportFactory(service=service, weeks=12, as_of=today, referrals_open=False, recorded_at=timezone.now())
    # Recorded later but about an earlier date: not the current wait.
    WaitingTimeReportFactory(service=service, weeks=1, as_of=today - timedelta(days=1), recorded_at=timezone.now())
    (row,) = selectors.service_rows_build()
    assert (row.wait_weeks, row.referrals_open, row.wait_as_of) == (12, False, today)
    assert row.list_closed


def test_area_rows_give_local_authorities_with_children_and_regions_with_their_members(wales_areas):
    las, regions = selectors.area_rows_build()
    assert len(las) == 22
    assert sum(a.demand for a in las) == 617_613
    kinds = sorted({r.kind for r in regions})
    assert kinds == ["health_board", "safeguarding_region"]
    assert sorted(len(r.la_codes) for r in regions if r.kind == "health_board") == [1, 2, 2, 3, 3, 5, 6]
    assert sum(len(r.la_codes) for r in regions if r.kind == "safeguarding_region") == 22


def test_queries_do_not_grow_with_the_number_of_services(wales_areas, django_assert_max_num_queries):
    for code in (CARDIFF, NEWPORT, GWYNEDD):
        ServiceFactory.create_batch(3, coverage=[wales_areas[code], wales_areas["W11000029"]], wait_weeks=4)
    with django_assert_max_num_queries(6):
        rows = selectors.service_rows_build()
    assert len(rows) == 9


def test_results_are_cached_until_the_directory_changes(wales_areas, django_assert_max_num_queries):
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    first = selectors.gaps_layer(layer=Layer("all"))
    assert first.area(CARDIFF).n_services == 1
    with django_assert_max_num_queries(1):  # only the directory's version
        selectors.gaps_layer(layer=Layer("all"))
    # A new service, new coverage, or a new wait each change the fingerprint.
    service = ServiceFactory(coverage=[wales_areas[NEWPORT]])
    assert selectors.gaps_layer(layer=Layer("all")).area(NEWPORT).n_services == 1
    service.coverage_areas.add(wales_areas[CARDIFF])
    assert selectors.gaps_layer(layer=Layer("all")).area(CARDIFF).n_services == 2
    WaitingTimeReport.objects.create(service=service, weeks=20)
    assert selectors.gaps_layer(layer=Layer("all")).area(CARDIFF).longest_wait == 20
    # A queryset update bypasses the model signals: writers that use one bump the version themselves.
    Service.objects.filter(pk=service.pk).update(status=Service.Status.CLOSED, updated_at=timezone.now())
    version.bump()
    assert selectors.gaps_layer(layer=Layer("all")).area(NEWPORT).no_provision


def test_removing_coverage_changes_the_fingerprint(wales_areas):
    service = ServiceFactory(coverage=[wales_areas[CARDIFF], wales_areas[NEWPORT]])
    before = selectors.directory_version()
    service.coverage_areas.remove(wales_areas[NEWPORT])
    assert selectors.directory_version() != before


def test_the_directory_date_is_cached_until_the_directory_changes(wales_areas, django_assert_max_num_queries):
    service = ServiceFactory(coverage=[wales_areas[CARDIFF]])
    long_ago = timezone.now() - timedelta(days=400)
    Service.objects.filter(pk=service.pk).update(updated_at=long_ago)
    version.bump()
    assert selectors.directory_as_of() == timezone.localdate(long_ago)
    with django_assert_max_num_queries(1):  # only the directory's version
        assert selectors.directory_as_of() == timezone.localdate(long_ago)
    WaitingTimeReport.objects.create(service=service, weeks=3, as_of=date.today())
    assert selectors.directory_as_of() == date.today()


@time_machine.travel("2027-08-01 00:10 +0100", tick=False)
def test_the_directory_date_is_the_day_in_wales_when_it_changed(wales_areas):
    # Ten past midnight on 1 August in Wales is still 31 July in UTC, the time the database gives:
    # a change made then dated the figures the day before, and a wait reported the same night not.
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    version.bump()
    assert selectors.directory_as_of() == date(2027, 8, 1)


# --- after a change: the changed services read again (selectors._inputs_now) --------------------


def _read_afresh():
    return (selectors.service_rows_build(), *selectors.area_rows_build())


@pytest.fixture
def held_inputs(wales_areas):
    services = [ServiceFactory(coverage=[wales_areas[CARDIFF]], capacity_per_year=10 + i) for i in range(5)]
    return services, selectors.gaps_inputs()


def test_after_providers_changes_only_the_changed_services_are_read_again(held_inputs, wales_areas):
    services, first = held_inputs
    WaitingTimeReportFactory(service=services[0], weeks=30, referrals_open=False)
    services[1].coverage_areas.set([wales_areas[NEWPORT], wales_areas[GWYNEDD]])
    services[2].capacity_per_year = 99
    services[2].supports_sibling = True
    services[2].save()
    Service.objects.filter(pk=services[3].pk).update(status=Service.Status.CLOSED)
    version.bump(services=[services[3].pk])  # as a moderator's bulk close says whose

    inputs = selectors.gaps_inputs()

    assert inputs == _read_afresh()
    assert services[3].id not in {row.id for row in inputs[0]}  # closed: not supply
    held = {row.id: row for row in first[0]}
    assert next(row for row in inputs[0] if row.id == services[4].id) is held[services[4].id], "not read again"
    assert next(row for row in inputs[0] if row.id == services[0].id).wait_weeks == 30


@pytest.mark.parametrize("change", ["renamed", "opened again", "new service", "unknown reach"])
def test_changes_that_move_or_add_a_row_read_everything(held_inputs, wales_areas, change):
    services, first = held_inputs
    if change == "renamed":
        services[0].name = "A new first name"
        services[0].save()
    elif change == "opened again":
        services[1].status = Service.Status.CLOSED
        services[1].save()
        selectors.gaps_inputs()
        services[1].status = Service.Status.ACTIVE
        services[1].save()
    elif change == "new service":
        ServiceFactory(coverage=[wales_areas[NEWPORT]])
    else:
        version.bump()

    inputs = selectors.gaps_inputs()

    assert inputs == _read_afresh()
    assert inputs[0][-1] is not first[0][-1]
