"""Every endpoint's responses (lists and items) validate against ORUK 3.0 and HSDS 3.0.1, offline."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from directory.oruk import taxonomy as published
from tests.directory.oruk.hsds_schemas import schema_errors


def _valid(response, api_path: str) -> dict:
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    errors = schema_errors(body, api_path)
    assert errors == [], "\n".join(errors[:10])
    return body


def test_date_time_and_uri_formats_are_really_checked():
    # Without the optional format packages jsonschema passes any string as a date-time or URI.
    checker = Draft202012Validator.FORMAT_CHECKER
    assert {"date-time", "uri", "uuid", "email"} <= set(checker.checkers)
    assert schema_errors({"id": "4b3c0e42-1c3c-4c6b-9a59-2c8a2b0f0a11", "name": "x", "status": "active",
                          "last_modified": "2025-09-02T12:06:15.654"}, "/services/{id}")


def test_the_root_document_validates(db, api):
    body = _valid(api(""), "/")
    assert body["version"] == "HSDS-UK-3.0"
    assert body["openapi_url"].endswith("/api/schema/?format=json")


@pytest.mark.parametrize("params", [{}, {"full": "true"}, {"per_page": 2, "page": 2}, {"page": 99}])
def test_service_lists_validate(feed, api, params):
    body = _valid(api("services", **params), "/services")
    if "page" not in params:
        assert body["total_items"] == len(feed.services)


def test_every_service_record_validates(feed, api):
    for service in feed.services:
        _valid(api(f"services/{service.public_id}"), "/services/{id}")


@pytest.mark.parametrize("params", [{}, {"full": "true"}, {"full_service": "true"}])
def test_organization_lists_validate(feed, api, params):
    _valid(api("organizations", **params), "/organizations")


@pytest.mark.parametrize("params", [{}, {"full_service": "true"}])
def test_every_organization_record_validates(feed, api, params):
    for service in feed.services:
        _valid(api(f"organizations/{service.organisation.public_id}", **params), "/organizations/{id}")


def test_service_at_locations_validate_including_a_withheld_address(feed, api):
    body = _valid(api("service_at_locations"), "/service_at_locations")
    assert body["total_items"] == 2
    for item in body["contents"]:
        _valid(api(f"service_at_locations/{item['id']}"), "/service_at_locations/{id}")


def test_taxonomies_ours_and_imported_validate(feed, api):
    body = _valid(api("taxonomies"), "/taxonomies")
    assert body["total_items"] == len(published.published_taxonomies()) + 1
    for item in body["contents"]:
        detail = _valid(api(f"taxonomies/{item['id']}"), "/taxonomies/{id}")
        assert detail["taxonomy_terms"], item["name"]


def test_taxonomy_terms_ours_and_imported_validate(feed, api):
    body = _valid(api("taxonomy_terms", per_page=100), "/taxonomy_terms")
    assert body["total_items"] == len(published.all_terms()) + 2
    for item in body["contents"]:
        _valid(api(f"taxonomy_terms/{item['id']}"), "/taxonomy_terms/{id}")


def test_an_empty_directory_still_validates(db, api):
    body = _valid(api("services"), "/services")
    assert body | {"contents": None} == {
        "total_items": 0, "total_pages": 0, "page_number": 1, "size": 0, "first_page": True, "last_page": True,
        "empty": True, "contents": None,
    }


@pytest.mark.parametrize("language", [{"lang": "cy"}, {"HTTP_ACCEPT_LANGUAGE": "cy"}])
def test_welsh_answers_validate_as_the_english_ones_do(feed, client, language):
    # Welsh text (an address's state_province, wait_time, area names) in the same fields: the shared
    # validator had only been run against the English API.
    params = {"lang": language["lang"]} if "lang" in language else {}
    headers = {key: value for key, value in language.items() if key != "lang"}
    listed = client.get("/api/oruk/services", {"full": "true", **params}, **headers)
    assert listed.headers["Content-Language"] == "cy"
    _valid(listed, "/services")
    for service in feed.services:
        _valid(client.get(f"/api/oruk/services/{service.public_id}", params, **headers), "/services/{id}")
    _valid(client.get("/api/oruk/service_at_locations", params, **headers), "/service_at_locations")
