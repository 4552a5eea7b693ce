from __future__ import annotations

import pytest

from directory.models import WALES_CODE, Area, Organisation, Service, WaitingTimeReport
from directory.sample_directory import NO_INTRA_FAMILIAL, NO_PARENT_SUPPORT, load_sample_directory

# Loaded once for the module (tests/conftest.py, `sample_directory`): each load takes seconds.
pytestmark = pytest.mark.django_db


def _covering(la_code: str):
    la = Area.objects.get(code=la_code)
    return Service.objects.filter(coverage_areas__in=[la, *la.parents.all()]).exclude(status="closed").distinct()


def test_it_loads_about_80_labelled_services_across_all_22_local_authorities(sample_directory):
    assert 75 <= Service.objects.count() <= 90
    assert not Organisation.objects.filter(is_sample=False).exists()
    for la in Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY):
        assert _covering(la.code).exists(), la.name


def test_it_is_deterministic_and_idempotent(sample_directory):
    first = sorted(Service.objects.values_list("public_id", "name", "age_min", "abuse_intra_familial"))
    waits = WaitingTimeReport.objects.count()
    load_sample_directory()
    assert sorted(Service.objects.values_list("public_id", "name", "age_min", "abuse_intra_familial")) == first
    assert WaitingTimeReport.objects.count() == waits


def test_loading_again_on_the_same_day_adds_no_version_to_any_history(sample_directory):
    """`make run` loads the sample each time: every run added a version that changed nothing to
    each sample service, organisation and location (213 rows a run, and as many "changes" on
    each service's history page)."""
    from directory.models import Location

    load_sample_directory()  # today, as the module's load (a later test reads its dates)
    counts = [model.history.count() for model in (Service, Organisation, Location)]

    load_sample_directory()

    assert [model.history.count() for model in (Service, Organisation, Location)] == counts


def test_the_deliberate_gaps_are_real(sample_directory):
    assert not Service.objects.filter(coverage_areas__code=WALES_CODE, abuse_intra_familial=True).exists()
    for code in NO_INTRA_FAMILIAL:
        assert not _covering(code).filter(abuse_intra_familial=True).exists(), code
    for code in NO_PARENT_SUPPORT:
        assert not _covering(code).filter(supports_parent_carer=True).exists(), code


def test_powys_has_two_welsh_intra_familial_services_for_a_nine_year_old_and_their_parent(sample_directory):
    matches = _covering("W06000023").filter(
        abuse_intra_familial=True, supports_parent_carer=True, welsh_available=True,
        disclosure_required=False, age_min__lte=9, age_max__gte=9,
    )
    assert matches.count() >= 2


def test_some_waits_are_long_and_some_lists_closed(sample_directory):
    assert WaitingTimeReport.objects.filter(weeks__gte=26).exists()
    assert WaitingTimeReport.objects.filter(referrals_open=False).exists()


def test_its_welsh_service_names_use_the_welsh_place_names(sample_directory):
    # "Grŵp Isle of Anglesey i rieni a gofalwyr…" on the Welsh pages: the English name in a Welsh one.
    english_names = {area.name for area in Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY) if area.name != area.name_cy}
    welsh = dict(Service.objects.exclude(name_cy__isnull=True).exclude(name_cy="").values_list("name_en", "name_cy"))
    assert welsh["Isle of Anglesey group for non-abusing parents and carers"] == (
        "Grŵp Ynys Môn i rieni a gofalwyr nad ydynt yn cam-drin")
    assert welsh["Carmarthenshire children's therapeutic service"] == "Gwasanaeth therapiwtig plant Sir Gaerfyrddin"
    assert not {name_cy for name_cy in welsh.values() if any(english in name_cy for english in english_names)}


def test_a_sample_service_named_in_welsh_has_its_base_named_in_welsh_too(sample_directory):
    from directory.models import Location

    base = Location.objects.get(name="Gwynedd children's therapeutic service base")
    assert base.name_cy == "Canolfan Gwasanaeth therapiwtig plant Gwynedd"
    assert Location.objects.filter(name_cy="").exists()  # the others show their English name
