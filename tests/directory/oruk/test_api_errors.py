"""Bad parameters, unknown ids and paths, throttling and CORS: JSON answers, never a 500."""

from __future__ import annotations

import pytest
import time_machine

from tests.factories import ServiceAtLocationFactory, ServiceFactory

LISTS = ["services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms"]
PAGING = [
    ({"page": "0"}, "page"),
    ({"page": "-1"}, "page"),
    ({"page": "abc"}, "page"),
    ({"per_page": "0"}, "per_page"),
    ({"per_page": "1000"}, "per_page"),
    ({"per_page": "ten"}, "per_page"),
    ({"format": "xml"}, "format"),
]
SERVICE_FILTERS = [
    ({"age": "abc"}, "age"),
    ({"age": "-1"}, "age"),
    ({"age": "NaN"}, "age"),
    ({"abuse_form": "trafficking"}, "abuse_form"),
    ({"abuse_form": "cse,bogus"}, "abuse_form"),
    ({"audience": "aliens"}, "audience"),
    ({"modified_after": "yesterday"}, "modified_after"),
    ({"modified_after": "2025-13-45"}, "modified_after"),
    ({"taxonomy_term_id": "xyz"}, "taxonomy_term_id"),
    ({"taxonomy_id": "1"}, "taxonomy_id"),
    ({"organization_id": "nope"}, "organization_id"),
    ({"postcode": "NOT A POSTCODE"}, "postcode"),
    ({"postcode": "ZZ99 9ZZ"}, "postcode"),  # well formed, but nowhere
    ({"coverage": "W06999999"}, "coverage"),
    ({"coverage": "<script>"}, "coverage"),
    ({"disclosure_required": "maybe"}, "disclosure_required"),
    ({"welsh": "si"}, "welsh"),
    ({"max_wait_weeks": "-1"}, "max_wait_weeks"),
    ({"max_wait_weeks": "ten"}, "max_wait_weeks"),
    ({"full": "perhaps"}, "full"),
    ({"search": "x" * 201}, "search"),
]


def _assert_json_error(response, status: int, parameter: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["status"] == status and body["detail"]
    if parameter:
        assert body["parameter"] == parameter
        assert parameter in body["detail"] or "postcode" in body["detail"] or "area" in body["detail"]
    return body


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(("params", "parameter"), PAGING)
def test_bad_paging_is_a_400_naming_the_parameter(db, api, path, params, parameter):
    _assert_json_error(api(path, **params), 400, parameter)


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [("services", *case) for case in SERVICE_FILTERS]
    + [("service_at_locations", *case) for case in SERVICE_FILTERS if case[1] != "full"],
)
def test_bad_filters_are_a_400_naming_the_parameter(db, api, path, params, parameter):
    _assert_json_error(api(path, **params), 400, parameter)


def test_the_messages_say_what_is_wrong(wales_areas, api):
    assert api("services", per_page="1000").json()["detail"] == "per_page must be a whole number from 1 to 100, not '1000'"
    assert "use one of intra_familial" in api("services", abuse_form="trafficking").json()["detail"]
    assert "W06999999" in api("services", coverage="W06999999").json()["detail"]
    assert "ISO 8601" in api("services", modified_after="yesterday").json()["detail"]


@pytest.mark.parametrize("path", ["taxonomy_terms"])
@pytest.mark.parametrize("params", [{"parent_id": "x"}, {"taxonomy_id": "y"}, {"top_only": "sometimes"}])
def test_bad_taxonomy_term_filters_are_a_400(db, api, path, params):
    _assert_json_error(api(path, **params), 400, next(iter(params)))


@pytest.mark.parametrize("path", ["services", "organizations", "service_at_locations", "taxonomies",
                                  "taxonomy_terms"])
@pytest.mark.parametrize("raw_id", ["7635bf96-00b5-40c9-bf2b-bd4021b44009", "not-a-uuid", "1"])
def test_unknown_ids_are_a_json_404(db, api, path, raw_id):
    body = _assert_json_error(api(f"{path}/{raw_id}"), 404)
    assert raw_id in body["detail"]


@pytest.mark.parametrize("path", ["nonsense", "services/x/y", "locations"])
def test_unknown_paths_are_a_json_404(db, api, path):
    body = _assert_json_error(api(path), 404)
    assert "/services" in body["detail"]


def test_writes_are_refused_with_a_json_405(db, client):
    response = client.post("/api/oruk/services", {"name": "x"})
    _assert_json_error(response, 405)


def test_trailing_slashes_are_accepted(db, api):
    assert api("services/").status_code == 200
    service = ServiceFactory()
    assert api(f"services/{service.public_id}/").status_code == 200


# Frozen mid-minute: the limit counts per fixed window, and a test crossing a minute's boundary
# would start a new one (it did, once, on a loaded machine).
@time_machine.travel("2026-12-03 10:00:30 +0000", tick=False)
def test_anonymous_clients_are_throttled_with_a_clear_429(db, api, settings):
    settings.ORUK_API_ANON_RATE = "3/minute"
    for _ in range(3):
        assert api("services").status_code == 200
    response = api("taxonomies")
    body = _assert_json_error(response, 429)
    assert "Too many requests" in body["detail"] and "3/minute" in body["detail"]
    assert int(response["Retry-After"]) == body["retry_after_seconds"] > 0


@time_machine.travel("2026-12-03 10:30:00 +0000", tick=False)
@pytest.mark.parametrize("feed", ["services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms"])
def test_whole_feeds_have_a_limit_of_their_own_and_pages_do_not_count_against_it(db, client, settings, feed):
    # A whole feed streams every match (a second or more of a worker for the national directory).
    settings.ORUK_API_ANON_RATE, settings.ORUK_API_FEED_RATE = "1000/minute", "2/hour"
    ServiceFactory()
    for _ in range(2):
        response = client.get(f"/api/oruk/{feed}", {"format": "NDJSON"})
        assert response.status_code == 200
        b"".join(response.streaming_content)
    for _ in range(3):
        assert client.get(f"/api/oruk/{feed}").status_code == 200, "paged lists are not counted"
    refused = client.get("/api/oruk/services", {"format": "ndjson", "full": "true"})
    body = _assert_json_error(refused, 429)
    assert "whole feeds" in body["detail"] and "2/hour" in body["detail"]
    assert int(refused["Retry-After"]) == body["retry_after_seconds"] == 1800
    assert client.get("/api/oruk/services", {"format": "ndjson"}, REMOTE_ADDR="192.0.2.50").status_code == 200
    assert client.get("/api/oruk/services", {"format": "xml"}).status_code == 400, "a bad format is still a 400"


def test_cors_allows_any_origin_on_the_api_and_answers_preflights(db, client):
    response = client.get("/api/oruk/services", HTTP_ORIGIN="https://example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/oruk/services", HTTP_ORIGIN="https://example.org", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="accept",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert client.get("/api/schema/?format=json")["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/")


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("name", ["search", "page", "q"])
def test_a_nul_character_in_any_parameter_is_a_400_not_a_server_error(db, api, path, name):
    # PostgreSQL refuses NUL in any text parameter (schemathesis found /organizations?search=%07%00%0D).
    body = _assert_json_error(api(path, **{name: "a\x00b"}), 400, name)
    assert "NUL" in body["detail"]


def test_a_nul_character_in_a_detail_path_query_is_a_400(db, api):
    service = ServiceFactory()
    _assert_json_error(api(f"services/{service.public_id}", search="\x00"), 400, "search")


@pytest.mark.parametrize("path", LISTS)
def test_a_page_past_the_first_of_a_whole_feed_is_a_400(db, api, path):
    # format=ndjson streams every match without pages: page=2 streamed the whole feed again, so a
    # client paging through it never reached an end (and spent its whole-feed limit doing so).
    body = _assert_json_error(api(path, format="ndjson", page="2"), 400, "page")
    assert "ndjson" in body["detail"] and "every match" in body["detail"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(("params", "parameter"), [p for p in PAGING if p[1] != "format"])
def test_bad_paging_is_a_400_with_a_whole_feed_too(db, api, path, params, parameter):
    _assert_json_error(api(path, format="ndjson", **params), 400, parameter)


@pytest.mark.parametrize("path", LISTS)
def test_a_whole_feed_takes_page_1_and_any_per_page(db, api, path):
    ServiceAtLocationFactory()
    response = api(path, format="ndjson", page="1", per_page="1")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).strip()
