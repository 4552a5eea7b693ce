from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gaps import services
from gaps.models import Snapshot, SnapshotAccess, SnapshotService, UnmetSearchCount
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

CARDIFF = "W06000015"


def _record(**overrides):
    kwargs = dict(
        month=date(2026, 3, 17), lad_code=CARDIFF, abuse_forms=["intra_familial"], age=7,
        excluded_by="none", reason="no_service",
    )
    kwargs.update(overrides)
    return services.record_unmet_search(**kwargs)


def test_it_counts_searches_in_one_row_per_cell():
    _record()
    _record(month=date(2026, 3, 2), age=9)
    row = UnmetSearchCount.objects.get()
    assert row.count == 2
    assert row.age_band == "5_10"


def test_it_stores_nothing_finer_than_the_month():
    _record(month=datetime(2026, 3, 17, 14, 35, 12))
    row = UnmetSearchCount.objects.get()
    assert row.month == date(2026, 3, 1)
    stored = {f.name for f in UnmetSearchCount._meta.get_fields()}
    assert stored == {"id", "month", "lad_code", "abuse_forms", "age_band", "excluded_by", "reason", "count"}


def test_it_stores_the_age_band_not_the_age():
    _record(age=15.9)
    _record(age=None)
    _record(age=19)
    assert sorted(UnmetSearchCount.objects.values_list("age_band", flat=True)) == ["11_15", "18_plus", "unknown"]


def test_a_search_for_several_forms_counts_once_under_the_combination():
    _record(abuse_forms=["online", "cse", "cse"])
    _record(abuse_forms=[])
    assert sorted(UnmetSearchCount.objects.values_list("abuse_forms", "count")) == [("", 1), ("cse+online", 1)]


def test_different_months_areas_reasons_and_criteria_are_different_cells():
    _record()
    _record(month=date(2026, 4, 1))
    _record(lad_code="W06000022")
    _record(reason="criteria_exclude", excluded_by="disclosure")
    _record(reason="lists_closed", excluded_by="status")
    assert UnmetSearchCount.objects.count() == 5
    assert set(UnmetSearchCount.objects.values_list("count", flat=True)) == {1}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lad_code": "Cardiff"}, services.ERROR_LAD_CODE),
        ({"lad_code": ""}, services.ERROR_LAD_CODE),
        ({"abuse_forms": ["satanic"]}, "Unknown form of abuse"),
        ({"excluded_by": "postcode"}, "Unknown criterion"),
        ({"reason": "bored"}, "Unknown reason"),
        ({"month": "2026-03"}, services.ERROR_MONTH),
        ({"age": -1}, "negative"),
    ],
)
def test_it_refuses_values_outside_the_vocabulary(overrides, message):
    with pytest.raises(ValidationError) as excinfo:
        _record(**overrides)
    assert message.split("%")[0] in " ".join(excinfo.value.messages)
    assert not UnmetSearchCount.objects.exists()


def test_the_database_refuses_a_month_that_is_not_the_first():
    with pytest.raises(IntegrityError), transaction.atomic():
        UnmetSearchCount.objects.create(month=date(2026, 3, 2), lad_code=CARDIFF, reason="no_service", count=1)


def test_a_snapshot_records_services_and_access_and_is_idempotent_for_a_date(wales_areas):
    ServiceFactory(coverage=[wales_areas[CARDIFF]], wait_weeks=6, supports_parent_carer=True)
    snapshot = services.snapshot_take(taken_on=date(2026, 1, 1))
    assert SnapshotService.objects.filter(snapshot=snapshot).count() == 1
    stored = SnapshotService.objects.get()
    assert stored.la_codes == [CARDIFF]
    assert stored.audiences == ["child", "parent_carer"]
    assert stored.wait_weeks == 6
    assert stored.welsh_available is False
    cardiff = SnapshotAccess.objects.get(snapshot=snapshot, area_code=CARDIFF, layer="all")
    assert cardiff.n_services == 1
    assert cardiff.access > 0
    assert SnapshotAccess.objects.get(snapshot=snapshot, area_code="W06000022", layer="all").access == 0
    count = SnapshotAccess.objects.count()
    assert count == 23 * 66  # 22 local authorities and Wales, 11 questions × (any age + 5 bands)

    ServiceFactory(coverage=[wales_areas["W06000022"]])
    again = services.snapshot_take(taken_on=date(2026, 1, 1))
    assert again.pk == snapshot.pk
    assert Snapshot.objects.count() == 1
    assert SnapshotService.objects.count() == 2
    assert SnapshotAccess.objects.count() == count
