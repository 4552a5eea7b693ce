"""Place names where the API takes a postcode or an area code: a 400 saying what to ask instead.

The search page's postcode box takes a local authority's name ("Cardiff", "Wrecsam"); the API's
`postcode` and `coverage` do not (a feed's client should ask by the code, which does not change
with spelling or language), but a client trying one is told the code to use, not only that the
value "does not look like a UK postcode".
"""

from __future__ import annotations

import pytest

from tests.directory.oruk.conftest import CARDIFF

ANGLESEY, WREXHAM, VALE = "W06000001", "W06000006", "W06000014"


def _error(response, parameter: str) -> str:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == 400 and body["parameter"] == parameter
    return body["detail"]


@pytest.mark.parametrize("path", ["services", "service_at_locations"])
@pytest.mark.parametrize(
    ("name", "code"),
    [("Cardiff", CARDIFF), ("caerdydd", CARDIFF), ("Wrecsam", WREXHAM), ("Ynys Môn", ANGLESEY),
     ("ynys mon", ANGLESEY), ("Vale of Glamorgan", VALE)],
)
def test_a_local_authoritys_name_as_postcode_names_the_coverage_code_to_ask(wales_areas, api, path, name, code):
    detail = _error(api(path, postcode=name), "postcode")
    assert f"coverage={code}" in detail
    assert "not a postcode" in detail


@pytest.mark.parametrize("name", ["Cardiff", "Bro Morgannwg", "Vale of Glamorgan"])
def test_a_local_authoritys_name_as_coverage_names_its_code(wales_areas, api, name):
    detail = _error(api("services", coverage=name), "coverage")
    code = CARDIFF if name == "Cardiff" else VALE
    assert f"coverage={code}" in detail


def test_a_whole_feed_gives_the_same_answer_before_streaming(wales_areas, api):
    detail = _error(api("services", postcode="Cardiff", format="ndjson"), "postcode")
    assert f"coverage={CARDIFF}" in detail


@pytest.mark.parametrize("value", ["Bangor", "Llandudno", "somewhere in Wales", "CF10 1EP Cardiff"])
def test_any_other_words_as_postcode_say_what_the_parameter_takes(wales_areas, api, value):
    detail = _error(api("services", postcode=value), "postcode")
    assert repr(value) in detail
    # What is accepted, with examples, and where to go for an area.
    assert "CF10 1EP" in detail and "sector" in detail and "district" in detail
    assert "coverage" in detail and "W06000015" in detail


def test_an_unknown_area_code_is_still_said_to_be_unknown(wales_areas, api):
    detail = _error(api("services", coverage="W06999999"), "coverage")
    assert "W06999999" in detail and "coverage=" not in detail


def test_the_openapi_document_says_postcode_takes_no_place_names(db, client):
    schema = client.get("/api/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/oruk/services"]["get"]["parameters"]}
    assert "coverage" in parameters["postcode"]["description"]
    assert "name" in parameters["coverage"]["description"]
