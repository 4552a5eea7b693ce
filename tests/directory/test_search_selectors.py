from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from directory import search_index, selectors
from directory.models import WALES_CODE, Service
from directory.search_index import FLAG_FIELDS
from directory.selectors import (
    NEARBY_KM,
    SORT_DISTANCE,
    SORT_WAIT,
    AudienceGap,
    Group,
    SearchCriteria,
    current_wait,
    failed_criteria,
    service_search,
    with_current_wait,
)
from tests.factories import (
    ClosedServiceFactory,
    HiddenLocationFactory,
    LocationFactory,
    PausedServiceFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    WaitingTimeReportFactory,
)

CARDIFF, VALE, SWANSEA = "W06000015", "W06000014", "W06000011"
CARDIFF_VALE_HEALTH_BOARD, CARDIFF_VALE_REGION = "W11000029", "cardiff-vale"
CARDIFF_POINT = (51.4816, -3.1791)
NEWPORT_POINT = (51.5842, -2.9977)  # about 17 km from Cardiff centre
SWANSEA_POINT = (51.6214, -3.9436)  # about 55 km: beyond NEARBY_KM


def _based_at(service: Service, point: tuple[float, float], hidden: bool = False) -> Service:
    factory = HiddenLocationFactory if hidden else LocationFactory
    location = factory(organisation=service.organisation, latitude=point[0], longitude=point[1])
    ServiceAtLocationFactory(service=service, location=location)
    return service


def _search(**kwargs):
    kwargs.setdefault("lad_code", CARDIFF)
    kwargs.setdefault("point", CARDIFF_POINT)
    return service_search(**kwargs)


def _names(outcome) -> list[str]:
    return [r.service.name for r in outcome.results]


# --- the people chosen whom no local service found supports -------------------------------


def test_it_names_each_person_chosen_whom_no_local_result_supports_and_where_one_that_does_is(wales_areas):
    ServiceFactory(name="Local, child only", coverage=[wales_areas[CARDIFF]], supports_child=True)
    ServiceFactory(name="All-Wales siblings", coverage=[wales_areas[WALES_CODE]], supports_child=False,
                   supports_sibling=True)
    _based_at(ServiceFactory(name="Near-by parents", coverage=[wales_areas[SWANSEA]], supports_child=False,
                             supports_parent_carer=True), NEWPORT_POINT)

    outcome = _search(audiences=["sibling", "parent_carer", "child"])

    assert outcome.audience_gaps == (AudienceGap("parent_carer", Group.NEARBY), AudienceGap("sibling", Group.FALLBACK))
    assert _search(audiences=["child"]).audience_gaps == ()  # the local service supports the child
    assert _search().audience_gaps == ()  # nobody chosen: nobody missing


def test_a_person_no_result_supports_is_a_gap_with_nowhere_to_point_and_none_without_local_results(wales_areas):
    local = ServiceFactory(name="Local, child and parents", coverage=[wales_areas[CARDIFF]], supports_child=True,
                           supports_parent_carer=True)
    # A local service for siblings that another criterion leaves out supports no sibling on this page.
    ServiceFactory(name="Local siblings, ages 12+", coverage=[wales_areas[CARDIFF]], supports_child=False,
                   supports_sibling=True, age_min=12, age_max=18)

    assert _search(age=Decimal(9), audiences=["child", "sibling"]).audience_gaps == (AudienceGap("sibling"),)
    assert _search(age=Decimal(13), audiences=["child", "sibling"]).audience_gaps == ()

    local.delete()
    # No local result at all: the counts say "No local service takes referrals from …" already.
    assert _search(age=Decimal(9), audiences=["child", "sibling"]).audience_gaps == ()


# --- coverage, proximity, fallback --------------------------------------------------------


def test_it_orders_coverage_then_all_wales_then_near_by(wales_areas):
    """Every service that takes the child's referral (covering, then all-Wales) before any that may not."""
    _based_at(ServiceFactory(name="A near by", coverage=[wales_areas[SWANSEA]]), NEWPORT_POINT)
    _based_at(ServiceFactory(name="B all-Wales", coverage=[wales_areas[WALES_CODE]]), SWANSEA_POINT)
    _based_at(ServiceFactory(name="C local", coverage=[wales_areas[CARDIFF]]), SWANSEA_POINT)

    outcome = _search()

    assert _names(outcome) == ["C local", "B all-Wales", "A near by"]
    assert [r.group for r in outcome.results] == [Group.LOCAL, Group.FALLBACK, Group.NEARBY]
    assert outcome.area.name == "Cardiff"
    assert (outcome.local_count, outcome.nearby_count, outcome.fallback_count) == (1, 1, 1)


@pytest.mark.parametrize("code", [CARDIFF, CARDIFF_VALE_HEALTH_BOARD, CARDIFF_VALE_REGION])
def test_coverage_of_the_la_its_health_board_or_its_region_is_local(wales_areas, code):
    ServiceFactory(name="Covers", coverage=[wales_areas[code]])

    outcome = _search()

    assert [(r.service.name, r.group) for r in outcome.results] == [("Covers", Group.LOCAL)]


def test_a_service_covering_only_the_neighbouring_la_is_not_local(wales_areas):
    ServiceFactory(name="Vale only", coverage=[wales_areas[VALE]])  # no location: not near by either

    assert _search().results == []


def test_a_service_covering_wales_is_a_fallback_even_when_based_near_by(wales_areas):
    _based_at(ServiceFactory(name="All-Wales, Cardiff base", coverage=[wales_areas[WALES_CODE]]), CARDIFF_POINT)

    [result] = _search().results

    assert result.group == Group.FALLBACK
    assert result.distance_km == pytest.approx(0, abs=0.1)


def test_near_by_services_have_their_distance_and_far_ones_are_left_out(wales_areas):
    _based_at(ServiceFactory(name="Newport", coverage=[wales_areas[SWANSEA]]), NEWPORT_POINT)
    _based_at(ServiceFactory(name="Swansea", coverage=[wales_areas[SWANSEA]]), SWANSEA_POINT)

    [result] = _search().results

    assert result.service.name == "Newport"
    assert result.group == Group.NEARBY
    assert 15 < result.distance_km < NEARBY_KM


def test_a_do_not_publish_location_never_makes_a_service_near_by_or_gives_a_distance(wales_areas):
    _based_at(ServiceFactory(name="Refuge", coverage=[wales_areas[SWANSEA]]), NEWPORT_POINT, hidden=True)
    local = _based_at(ServiceFactory(name="Local", coverage=[wales_areas[CARDIFF]]), CARDIFF_POINT, hidden=True)

    outcome = _search()

    assert _names(outcome) == ["Local"]
    assert outcome.results[0].distance_km is None
    assert outcome.results[0].locations == []
    assert local.service_at_locations.count() == 1


def test_a_helpline_listing_no_area_is_a_national_fallback_and_other_unlisted_services_are_not(wales_areas):
    ServiceFactory(name="National helpline", kind_helpline=True)
    ServiceFactory(name="No areas, not a helpline")

    [result] = _search().results

    assert (result.service.name, result.group) == ("National helpline", Group.FALLBACK)


def test_a_helpline_listing_no_area_is_national_even_when_based_near_by(wales_areas):
    """It takes the referral from anywhere: not last among services that may not, nor labelled so."""
    _based_at(ServiceFactory(name="National helpline", kind_helpline=True), NEWPORT_POINT)
    _based_at(ServiceFactory(name="Near by", coverage=[wales_areas[SWANSEA]]), CARDIFF_POINT)

    outcome = _search()

    assert [(r.service.name, r.group) for r in outcome.results] == [
        ("National helpline", Group.FALLBACK), ("Near by", Group.NEARBY)]
    assert 15 < outcome.results[0].distance_km < NEARBY_KM


def test_an_area_outside_wales_gets_near_by_services_and_national_helplines_only(wales_areas):
    _based_at(ServiceFactory(name="Wrexham", coverage=[wales_areas["W06000006"]]), (53.0462, -2.9930))
    ServiceFactory(name="All-Wales", coverage=[wales_areas[WALES_CODE]])
    ServiceFactory(name="Helpline", kind_helpline=True)

    outcome = _search(lad_code="E06000050", point=(53.1934, -2.8931))  # Cheshire West and Chester

    assert _names(outcome) == ["Helpline", "Wrexham"]  # the helpline takes the referral; Wrexham may not
    assert outcome.area.in_wales is False


# --- each criterion includes the right services and excludes the wrong ones ----------------

FILTERS = [
    # (search keyword arguments, a service that passes, a service that fails)
    ({"age": Decimal("9")}, {"age_min": 4, "age_max": 18}, {"age_min": 11, "age_max": 18}),
    ({"age": Decimal("18")}, {"age_min": 4, "age_max": 18}, {"age_min": 4, "age_max": Decimal("17.5")}),
    ({"abuse_forms": ["cse"]}, {"abuse_cse": True, "abuse_intra_familial": False}, {"abuse_intra_familial": True}),
    ({"abuse_forms": ["cse", "online"]}, {"abuse_online": True}, {"abuse_extra_familial": True}),
    ({"audiences": ["sibling"]}, {"supports_sibling": True}, {"supports_child": True}),
    ({"audiences": ["parent_carer"]}, {"supports_parent_carer": True, "supports_child": False}, {}),
    ({"no_disclosure": True}, {"disclosure_required": False}, {"disclosure_required": True}),
    ({"proceedings_ongoing": True}, {"pre_trial_therapy": True}, {"requires_proceedings_finished": True}),
    ({"delivery_modes": ["online"]}, {"delivery_online": True}, {"delivery_in_person": True}),
    ({"welsh": True}, {"welsh_available": True}, {"welsh_available": False}),
    ({"referrer": "self"}, {"referral_by_self": True}, {"referral_by_professional": True}),
    ({"referrer": "parent_carer"}, {"referral_by_parent_carer": True}, {"referral_by_parent_carer": False}),
    ({}, {"status": Service.Status.PAUSED}, {"status": Service.Status.CLOSED}),
]


@pytest.mark.parametrize(("search", "passes", "fails"), FILTERS)
def test_each_filter_includes_the_right_services_and_excludes_the_wrong_ones(wales_areas, search, passes, fails):
    cardiff = wales_areas[CARDIFF]
    ServiceFactory(name="Right", coverage=[cardiff], **passes)
    ServiceFactory(name="Wrong", coverage=[cardiff], **fails)

    outcome = _search(**search)

    assert _names(outcome) == ["Right"]
    assert sum(e.count for e in outcome.exclusions) == 1


def test_the_wait_filter_uses_the_latest_report_and_keeps_unreported_waits(wales_areas):
    cardiff = wales_areas[CARDIFF]
    short_now = ServiceFactory(name="Short now", coverage=[cardiff])
    WaitingTimeReportFactory(service=short_now, weeks=20, as_of=date.today() - timedelta(days=60))
    WaitingTimeReportFactory(service=short_now, weeks=4, as_of=date.today() - timedelta(days=3))
    long_now = ServiceFactory(name="Long now", coverage=[cardiff])
    WaitingTimeReportFactory(service=long_now, weeks=2, as_of=date.today() - timedelta(days=60))
    WaitingTimeReportFactory(service=long_now, weeks=12, as_of=date.today() - timedelta(days=3))
    WaitingTimeReportFactory(service=ServiceFactory(name="Closed list", coverage=[cardiff]), weeks=0,
                             referrals_open=False)
    PausedServiceFactory(name="Paused", coverage=[cardiff], wait_weeks=1)
    ServiceFactory(name="Not reported", coverage=[cardiff])

    outcome = _search(max_wait_weeks=8)

    assert sorted(_names(outcome)) == ["Not reported", "Short now"]
    assert [(e.code, e.count) for e in outcome.exclusions] == [("wait", 3)]
    short = next(r for r in outcome.results if r.service.name == "Short now")
    assert (short.wait.weeks, short.wait.age_days) == (4, 3)


def test_when_filters_empty_the_list_it_counts_what_each_criterion_excluded(wales_areas):
    cardiff = wales_areas[CARDIFF]
    ServiceFactory(coverage=[cardiff], age_min=11, welsh_available=False)  # fails age and Welsh
    ServiceFactory(coverage=[cardiff], age_min=11, welsh_available=True)  # fails age only
    ServiceFactory(coverage=[cardiff], welsh_available=False)  # fails Welsh only
    ClosedServiceFactory(coverage=[cardiff], welsh_available=True)

    outcome = _search(age=Decimal("9"), welsh=True)

    assert outcome.results == []
    assert outcome.considered == 4
    found = {e.code: (e.count, e.only_reason) for e in outcome.exclusions}
    assert found == {"age": (2, 1), "welsh": (2, 1), "status": (1, 1)}


# --- order ---------------------------------------------------------------------------------


def test_best_match_ranks_more_matched_forms_and_people_then_fresh_short_waits(wales_areas):
    cardiff = wales_areas[CARDIFF]
    ServiceFactory(name="One match", coverage=[cardiff], wait_weeks=1)
    ServiceFactory(name="Two matches", coverage=[cardiff], abuse_online=True, wait_weeks=30)
    stale = ServiceFactory(name="Stale short wait", coverage=[cardiff], abuse_online=True)
    WaitingTimeReportFactory(service=stale, weeks=0, as_of=date.today() - timedelta(days=80))
    ServiceFactory(name="Two matches, shorter", coverage=[cardiff], abuse_online=True, wait_weeks=10)

    outcome = _search(abuse_forms=["intra_familial", "online"])

    assert _names(outcome) == ["Two matches, shorter", "Two matches", "Stale short wait", "One match"]
    assert outcome.results[2].wait.is_stale


def test_every_sort_stays_within_groups(wales_areas):
    cardiff, swansea = wales_areas[CARDIFF], wales_areas[SWANSEA]
    _based_at(ServiceFactory(name="Local far long", coverage=[cardiff], wait_weeks=20), NEWPORT_POINT)
    _based_at(ServiceFactory(name="Local near short", coverage=[cardiff], wait_weeks=2), CARDIFF_POINT)
    _based_at(ServiceFactory(name="Near by, no wait", coverage=[swansea], wait_weeks=0, abuse_online=True),
              (51.50, -3.20))
    _based_at(ServiceFactory(name="All-Wales, far", coverage=[wales_areas[WALES_CODE]], wait_weeks=1,
                             abuse_online=True), SWANSEA_POINT)

    expected = ["Local near short", "Local far long", "All-Wales, far", "Near by, no wait"]
    assert _names(_search(sort=SORT_WAIT)) == expected
    assert _names(_search(sort=SORT_DISTANCE)) == expected
    assert _names(_search(abuse_forms=["intra_familial", "online"])) == expected  # best match: they match more


# --- pure criteria ---------------------------------------------------------------------------


def test_failed_criteria_reads_only_the_instance():
    service = Service(age_min=Decimal("5"), age_max=Decimal("11"), disclosure_required=True, abuse_cse=True)
    service.current_wait_weeks, service.current_wait_as_of, service.current_wait_open = 9, date.today(), True

    failed = failed_criteria(service, SearchCriteria(age=Decimal("12"), no_disclosure=True, max_wait_weeks=8,
                                                     abuse_forms=("cse",)))

    assert failed == ["age", "disclosure", "wait"]


@time_machine.travel("2026-03-01")
def test_a_wait_reported_more_than_six_weeks_ago_is_stale():
    service = Service()
    service.current_wait_weeks, service.current_wait_open = 3, True
    service.current_wait_as_of = date(2026, 1, 17)  # 43 days earlier
    assert current_wait(service).is_stale
    service.current_wait_as_of = date(2026, 1, 18)
    assert not current_wait(service).is_stale


# --- queries ---------------------------------------------------------------------------------


def _many(wales_areas, count: int) -> None:
    for i in range(count):
        service = ServiceFactory(coverage=[wales_areas[CARDIFF], wales_areas[VALE]], wait_weeks=i % 9)
        _based_at(service, (51.48 + i / 1000, -3.18))
        WaitingTimeReportFactory(service=service, weeks=3, as_of=date.today() - timedelta(days=30))
    for i in range(count):
        _based_at(ServiceFactory(coverage=[wales_areas[SWANSEA]]), (51.55, -3.0 - i / 1000))
        ServiceFactory(coverage=[wales_areas[WALES_CODE]], kind_helpline=True)


@pytest.mark.parametrize("count", [1, 25])
def test_the_number_of_queries_does_not_grow_with_the_results(wales_areas, django_assert_max_num_queries, count):
    _many(wales_areas, count)

    with django_assert_max_num_queries(8):
        outcome = _search(age=Decimal("9"), abuse_forms=["intra_familial"], sort=SORT_DISTANCE)
        for result in outcome.results:  # everything a result card reads
            _ = (result.service.organisation.name, result.service.lists_an_area, result.wait,
                 result.locations, result.abuse_form_tags)

    assert len(outcome.results) == 3 * count


def test_a_light_row_has_what_a_result_card_reads_of_its_service_besides_the_cached_part(wales_areas):
    # A result whose card is cached keeps its light row (search_index.ServiceRow): result.html and
    # the shortlist button read these of `service`, and must read the same as from the full service.
    ServiceFactory(name="Helpline", name_cy="Llinell", kind_helpline=True, coverage=[wales_areas[CARDIFF]])
    ServiceFactory(name="No Welsh name", name_cy="")
    fields = ("id", "public_id", "name", "kind_helpline", "lists_an_area", *FLAG_FIELDS)
    for language in ("en", "cy"):
        with translation.override(language):
            for service in with_current_wait(Service.objects.all()):
                row = search_index.current().rows[service.id]
                service.lists_an_area = service.coverage_areas.exists()
                assert {f: getattr(row, f) for f in fields} == {f: getattr(service, f) for f in fields}


@pytest.mark.parametrize(("low", "high", "age", "taken"), [
    ("4", "16", "16", True),
    ("4", "16", "16.5", True),  # a child of 16½ is 16: "ages 4 to 16" takes them
    ("4", "16", "16.99", True),
    ("4", "16", "17", False),
    ("4", "16", "3.99", False),
    ("4", "12.5", "12.5", True),  # a bound with a fraction is exact
    ("4", "12.5", "12.6", False),
    ("4.5", "16", "4.4", False),
])
def test_a_whole_year_upper_bound_takes_the_whole_of_that_year(low, high, age, taken):
    assert selectors.covers_age(Decimal(low), Decimal(high), Decimal(age)) is taken
