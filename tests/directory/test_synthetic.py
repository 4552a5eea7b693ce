"""The benchmark's synthetic national directory, at small scale: right shape, valid rows, repeatable."""

from __future__ import annotations

import pytest
from django.db.models import Count

from directory.models import Area, Organisation, Postcode, Service, WaitingTimeReport
from directory.postcodes import lookup_postcode, parse_postcode
from directory.selectors import service_search
from directory.synthetic import generate_national_directory

pytestmark = pytest.mark.django_db


def test_it_builds_a_national_directory_of_valid_rows():
    counts = generate_national_directory(services=300)
    assert 380 <= counts["areas"] <= 420
    assert counts["services"] == Service.objects.count() == 300
    assert set(Area.objects.filter(kind="nation").values_list("code", flat=True)) == {
        "W92000004", "E92000001", "S92000003", "N92000002"}
    assert 8 * 300 <= WaitingTimeReport.objects.count() <= 12 * 300
    sizes = Service.objects.annotate(n=Count("coverage_areas")).values_list("n", flat=True)
    assert min(sizes) >= 1 and max(sizes) <= 30
    for service in Service.objects.all()[:50]:
        service.full_clean()  # every row passes the model's validation, not just the database's


def test_it_is_deterministic():
    generate_national_directory(services=120)
    first = list(Service.objects.order_by("public_id").values_list("public_id", "name", "abuse_cse", "age_min"))
    Service.objects.all().delete()
    Organisation.objects.all().delete()
    Area.objects.all().delete()
    Postcode.objects.all().delete()
    generate_national_directory(services=120)
    assert list(Service.objects.order_by("public_id").values_list("public_id", "name", "abuse_cse", "age_min")) == first


def test_it_refuses_a_database_that_already_has_services():
    generate_national_directory(services=10)
    with pytest.raises(ValueError, match="fresh database"):
        generate_national_directory(services=10)


def test_a_synthetic_postcode_finds_its_authority_and_the_search_runs():
    generate_national_directory(services=300)
    postcode = Postcode.objects.exclude(lad_code__startswith="W").order_by("postcode").first()
    point = lookup_postcode(parse_postcode(postcode.postcode))
    assert point is not None and point.lad_code == postcode.lad_code
    outcome = service_search(lad_code=point.lad_code, point=(point.latitude, point.longitude))
    assert outcome.area.known and outcome.results
