from __future__ import annotations

import pytest

from directory.models import WALES_CODE
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

CARDIFF, NEWPORT = "W06000015", "W06000022"
URL = "/api/gaps/"


def test_it_returns_access_per_area_with_its_notes_and_no_language_prefix(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[CARDIFF]], wait_weeks=4)
    response = client.get(URL, {"layer": "intra_familial"})
    assert response.status_code == 200
    data = response.json()
    assert data["layer"] == "intra_familial"
    assert set(data["notes"]) == {"source", "period", "method", "limits"}
    assert len(data["areas"]) == 22
    cardiff = next(a for a in data["areas"] if a["code"] == CARDIFF)
    newport = next(a for a in data["areas"] if a["code"] == NEWPORT)
    assert cardiff["covering_services"] == 1
    assert cardiff["access_per_10000"] == pytest.approx(10_000 / 73_816)
    assert cardiff["median_wait_weeks"] == 4
    assert newport["no_provision"] is True
    assert newport["access_per_10000"] == 0
    assert data["wales"]["code"] == WALES_CODE
    assert data["wales"]["normalised_access"] == 1.0


def test_it_combines_a_question_with_an_age_band(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[CARDIFF]], age_min=11)
    data = client.get(URL, {"layer": "intra_familial", "age": "under_11"}).json()
    assert data["layer"] == "intra_familial:under_11"
    assert all(a["no_provision"] for a in data["areas"])


def test_it_gives_regional_views(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    data = client.get(URL, {"view": "safeguarding_region"}).json()
    assert len(data["areas"]) == 6
    assert {a["kind"] for a in data["areas"]} == {"safeguarding_region"}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"layer": "x"}, "layer"), ({"age": "old"}, "age"), ({"view": "world"}, "view"), ({"basis": "£"}, "basis"),
     ({"need": "want"}, "need")],
)
def test_bad_parameters_are_a_400_naming_the_field(client, wales_areas, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_writes_are_not_allowed(client, wales_areas):
    assert client.post(URL, {}).status_code in {403, 405}
