"""The worked example of gaps-method.md §2, through the database, the API, the CSV and the page:
what a commissioner checking the method against its own example reads, to the digit."""

from __future__ import annotations

import csv
import io

import pytest

from directory.models import WALES_CODE, Area
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

A, B, C, D = "W06000015", "W06000022", "W06000011", "W06000023"  # Cardiff, Newport, Swansea, Powys


@pytest.fixture
def example(wales_areas):
    """Demand A 2,000, B 3,000, C 5,000 (no other area has children); S1 = 2 covers {A, B}, S2 = 1 {B, C}."""
    Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY).update(children_0_17=0)
    for code, children in ((A, 2_000), (B, 3_000), (C, 5_000)):
        Area.objects.filter(code=code).update(children_0_17=children)
    ServiceFactory(coverage=[wales_areas[A], wales_areas[B]], capacity_per_year=2)
    ServiceFactory(coverage=[wales_areas[B], wales_areas[C]], capacity_per_year=1)
    return wales_areas


def _api(client) -> dict[str, dict]:
    data = client.get("/api/gaps/", {"basis": "capacity"}).json()
    return {row["code"]: row for row in [*data["areas"], data["wales"]]}


def test_the_api_gives_the_methods_figures_to_the_digit(client, example):
    rows = _api(client)
    assert {code: rows[code]["access_per_10000"] for code in (A, B, C)} == {A: 4.0, B: 5.25, C: 1.25}
    assert {code: rows[code]["normalised_access"] for code in (A, B, C)} == {
        A: round(4 / 3, 10), B: 1.75, C: round(5 / 12, 10)
    }
    # Conservation: Σ P·A = total supply = 3, so the Wales level is 3 per 10,000.
    assert rows[WALES_CODE]["access_per_10000"] == 3.0
    assert rows[WALES_CODE]["need"] == 10_000


def test_the_csv_and_the_page_give_the_same_figures(client, example):
    text = client.get("/gaps/data.csv", {"basis": "capacity"}).content.decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text.split("\r\n\r\n", 1)[1])))
    by_code = {row["area_code"]: row for row in table}
    assert [(by_code[c]["access_per_10000"], by_code[c]["normalised_access"]) for c in (A, B, C, WALES_CODE)] == [
        ("4.0000", "1.3333"), ("5.2500", "1.7500"), ("1.2500", "0.4167"), ("3.0000", "1.0000")
    ]
    page = client.get("/gaps/", {"basis": "capacity", "sort": "name"}).content.decode()
    assert "1 is the Wales level: 3.00 referrals a year per 10,000 children" in page


def test_an_area_no_service_covers_has_no_provision_and_leaves_the_others_raw_access_unchanged(client, example):
    Area.objects.filter(code=D).update(children_0_17=1_000)
    rows = _api(client)
    assert rows[D]["no_provision"] is True and rows[D]["access_per_10000"] == 0.0
    assert {code: rows[code]["access_per_10000"] for code in (A, B, C)} == {A: 4.0, B: 5.25, C: 1.25}
