from __future__ import annotations

import re
from urllib.parse import parse_qsl

import pytest
import time_machine
from django.utils import translation

from directory.models import WALES_CODE
from gaps import layers, notes
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
     ({"need": "want"}, "need"), ({"sort": "height"}, "sort"), ({"format": "xml"}, "format"), ({"lang": "fr"}, "lang")],
)
def test_bad_parameters_are_a_400_naming_the_field(client, wales_areas, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    # The ORUK API's error shape: one for every API in the OpenAPI document. It was DRF's
    # {"view": ["\"world\" is not a valid choice."]}, which said neither the status nor the choices.
    body = response.json()
    assert body == {"status": 400, "parameter": field, "detail": body["detail"]}
    assert body["detail"].startswith(f"{field} must be one of ") and repr(params[field]) in body["detail"]


def test_a_bad_parameters_message_lists_the_choices(client, wales_areas):
    detail = client.get(URL, {"view": "world"}).json()["detail"]
    assert detail == "view must be one of local_authority, health_board, safeguarding_region, not 'world'"


@pytest.mark.parametrize("name", ["question", "layers", "region", "la"])
def test_a_parameter_it_does_not_read_is_a_400_naming_it(client, wales_areas, name):
    # Ignored, it gave the default layer (every service) for ?question=cse: a wrong answer that looked right.
    response = client.get(URL, {name: "cse"})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["parameter"] == name
    assert repr(name) in body["detail"] and "layer, age, view, basis, need" in body["detail"]


@pytest.mark.parametrize(("name", "meant"), [("layr", "layer"), ("Layer", "layer"), ("sorted", "sort")])
def test_a_misspelt_parameter_is_refused_with_the_right_name_suggested(client, wales_areas, name, meant):
    # As the ORUK API does (one helper, `directory/oruk/unknown_parameters.py`): "Unknown parameter
    # 'layr'" alone left the reader to find the typo in the list.
    body = client.get(URL, {name: "cse"}).json()
    assert body == {"status": 400, "parameter": name, "detail": f"Unknown parameter {name!r}. Did you mean {meant}? "
                    "/api/gaps/ takes: layer, age, view, basis, need, sort, format, lang."}


def test_it_takes_format_json_and_sorts_its_areas_as_the_page_does(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[NEWPORT]])
    assert client.get(URL, {"format": "json"}).status_code == 200
    names = [a["name"] for a in client.get(URL).json()["areas"]]
    assert names == sorted(names), "by name unless asked"
    assert [a["name"] for a in client.get(URL, {"sort": "-name"}).json()["areas"]] == names[::-1]
    assert client.get(URL, {"sort": "-services"}).json()["areas"][0]["code"] == NEWPORT


def test_the_gaps_pages_json_link_is_answered(client, wales_areas):
    # The page's "This table as JSON" link carries the page's choices, its sort among them.
    page = client.get("/gaps/", {"view": "health_board", "sort": "-name"}).content.decode()
    link = re.search(r'href="(/api/gaps/[^"]*)"', page)[1].replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 200, response.json()
    assert response.json()["view"] == "health_board"
    assert [a["name"] for a in response.json()["areas"]][0] == "Swansea Bay University Health Board"


def test_the_schema_documents_its_400_in_the_apis_error_shape(client, wales_areas):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    responses = schema["paths"][URL]["get"]["responses"]
    error = responses["400"]["content"]["application/json"]["schema"]
    assert set(error["required"]) == {"status", "detail"} and "parameter" in error["properties"]


def test_writes_are_not_allowed(client, wales_areas):
    assert client.post(URL, {}).status_code in {403, 405}


def test_a_regions_row_names_its_local_authorities_with_no_provision_as_the_csv_does(client, wales_areas):
    # Cardiff has a service, the Vale of Glamorgan none: their board's mean is above 0 all the same.
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    data = client.get(URL, {"view": "safeguarding_region"}).json()
    board = next(a for a in data["areas"] if a["code"] == "cardiff-vale")
    assert board["no_provision"] is False
    assert board["local_authorities_with_no_provision"] == [
        {"code": "W06000014", "name": "Vale of Glamorgan", "name_cy": "Bro Morgannwg"}
    ]
    gwent = next(a for a in data["areas"] if a["code"] == "gwent")
    assert [la["name"] for la in gwent["local_authorities_with_no_provision"]] == [
        "Blaenau Gwent", "Caerphilly", "Monmouthshire", "Newport", "Torfaen"
    ]
    assert len(data["wales"]["local_authorities_with_no_provision"]) == 21
    csv_text = client.get("/gaps/data.csv", {"view": "safeguarding_region"}).content.decode("utf-8-sig")
    assert "cardiff-vale,Cardiff and Vale" in csv_text and "Vale of Glamorgan (W06000014)" in csv_text


def test_a_local_authoritys_own_row_lists_none_beside_its_no_provision_flag(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    data = client.get(URL).json()
    newport = next(a for a in data["areas"] if a["code"] == NEWPORT)
    assert newport["no_provision"] is True
    assert newport["local_authorities_with_no_provision"] == []
    assert {la["code"] for la in data["wales"]["local_authorities_with_no_provision"]} == (
        {a["code"] for a in data["areas"]} - {CARDIFF}
    )


def test_the_open_gaps_api_is_documented_and_served_as_needing_no_sign_in(client, wales_areas):
    """The gaps table is open data: the docs page must not show it behind a lock ("Authorize" with
    the session cookie), and a shared cache may keep one copy for every reader (no Vary: Cookie)."""
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert schema["paths"][URL]["get"].get("security", [{}]) == [{}]
    assert "securitySchemes" not in schema.get("components", {})

    response = client.get(URL, {"layer": "all"})
    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")


def test_any_web_page_may_read_it_its_errors_and_preflights_included(client, wales_areas):
    # Aggregates only, open to read as the ORUK feed is; the schema documented it so, but the
    # answers carried no CORS header, so a page on another origin could not read them.
    ok = client.get(URL, {"layer": "intra_familial"}, HTTP_ORIGIN="https://x.example")
    refused = client.get(URL, {"layer": "no-such-layer"}, HTTP_ORIGIN="https://x.example")
    preflight = client.options(URL, HTTP_ORIGIN="https://x.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")

    assert ok.status_code == 200 and refused.status_code == 400 and preflight.status_code == 204
    assert all(r["Access-Control-Allow-Origin"] == "*" for r in (ok, refused, preflight))
    assert "Access-Control-Allow-Credentials" not in ok


def test_a_welsh_client_gets_the_label_unit_and_notes_in_welsh_and_both_names_of_each_area(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    english = client.get(URL)
    welsh = client.get(URL, headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.8"})
    assert (english["Content-Language"], welsh["Content-Language"]) == ("en", "cy")
    with translation.override("cy"):
        assert welsh.json()["unit"] == str(notes.access_unit("services", "children"))
        assert welsh.json()["label"] == str(layers.Layer("all").label)
    assert welsh.json()["notes"]["limits"].startswith("Y cwmpas yw")
    assert english.json()["notes"]["limits"].startswith("Coverage is what services declare")
    # Codes and figures are the same; an area's names are both given in either answer, as in the CSV
    # (sorted by name: by the answer's language's names).
    def areas(response) -> dict:
        return {a["code"]: (a["name"], a["name_cy"], a["covering_services"]) for a in response.json()["areas"]}

    assert areas(english) == areas(welsh)
    assert [a["name_cy"] for a in welsh.json()["areas"]][:2] == ["Abertawe", "Blaenau Gwent"]
    cardiff = next(a for a in welsh.json()["areas"] if a["code"] == CARDIFF)
    assert (cardiff["name"], cardiff["name_cy"]) == ("Cardiff", "Caerdydd")
    assert client.get(URL, {"lang": "cy"}).json() == welsh.json()


@pytest.mark.parametrize(("prefix", "language"), [("", "en"), ("/cy", "cy")])
def test_the_gaps_pages_json_link_opens_the_table_in_the_pages_language(client, wales_areas, prefix, language):
    # A link cannot send Accept-Language: it names the page's language, which outranks the
    # browser's header (an English page read in a browser set to Welsh still links English JSON).
    other = "en" if language == "cy" else "cy"
    page = client.get(f"{prefix}/gaps/", headers={"Accept-Language": other}).content.decode()
    link = re.search(r'href="(/api/gaps/[^"]*)"', page)[1].replace("&amp;", "&")
    assert f"lang={language}" in link
    response = client.get(link, headers={"Accept-Language": other})
    assert response.status_code == 200 and response["Content-Language"] == language
    with translation.override(language):
        assert response.json()["unit"] == str(notes.access_unit("services", "children"))


# Frozen mid-minute: the limit counts per fixed window, and a test crossing a minute's boundary
# would start a new one.
@time_machine.travel("2026-12-03 10:00:30 +0000", tick=False)
def test_anonymous_clients_are_limited_with_a_json_429_saying_when_to_come_back(client, settings, wales_areas):
    # An answer not yet cached costs a worker ~0.5 s: a script walking every layer, age, view,
    # basis, need and sort could keep workers busy.
    settings.GAPS_API_ANON_RATE, settings.ORUK_API_ANON_RATE = "2/minute", "1000/minute"
    for layer in ("cse", "online"):
        assert client.get(URL, {"layer": layer}).status_code == 200
    refused = client.get(URL, {"layer": "welsh"})
    assert refused.status_code == 429
    body = refused.json()
    assert body["status"] == 429 and "2/minute" in body["detail"]
    assert int(refused["Retry-After"]) == body["retry_after_seconds"] == 30
    assert client.get(URL, REMOTE_ADDR="192.0.2.50").status_code == 200, "another client"
    assert client.get("/api/oruk/taxonomies").status_code == 200, "the ORUK API is counted apart"


def test_the_oruk_apis_requests_do_not_count_against_the_gaps_limit(client, settings, wales_areas):
    settings.GAPS_API_ANON_RATE, settings.ORUK_API_ANON_RATE = "1/minute", "1000/minute"
    for _ in range(3):
        assert client.get("/api/oruk/taxonomies").status_code == 200
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize(("lang", "prefix"), [("en", ""), ("cy", "/cy")])
def test_it_names_the_web_page_of_its_figures_in_its_language_so_a_figure_can_be_cited(client, wales_areas, settings,
                                                                                       lang, prefix):
    """As the CSV's "Web page" row: the map and table with the same choices (its order too), from SITE_URL."""
    settings.SITE_URL = "https://servicemap.example/"
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    asked = {"layer": "intra_familial", "age": "under_11", "view": "health_board", "need": "prevalence",
             "sort": "-access"}
    data = client.get(URL, {**asked, "lang": lang}).json()
    path, _sep, query = data["web_page"].partition("?")
    assert path == f"https://servicemap.example{prefix}/gaps/"
    assert dict(parse_qsl(query)).items() >= asked.items()
    page = client.get(data["web_page"].removeprefix("https://servicemap.example"))
    assert page.status_code == 200
    # The page's own JSON link asks for the figures this answer holds.
    assert f"/api/gaps/?{query}".replace("&", "&amp;") in page.content.decode()


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_its_method_note_says_how_the_wales_row_differs_from_the_areas(client, wales_areas, lang):
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    method = client.get(URL, {"lang": lang}).json()["notes"]["method"]
    with translation.override(lang):
        assert str(notes.WALES_ROW) in method
