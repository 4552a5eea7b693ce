"""The OpenAPI document at /api/schema/ and the docs page at /api/docs/, which needs no CDN."""

from __future__ import annotations

import re

import pytest
from drf_spectacular.validation import validate_schema


def test_the_openapi_document_is_valid_and_describes_every_path_and_extension(db, client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # OpenAPI 3 JSON Schema check shipped with drf-spectacular
    paths = {path for path in schema["paths"] if path.startswith("/api/oruk/")}
    assert paths == {
        "/api/oruk/", "/api/oruk/services", "/api/oruk/services/{service_id}", "/api/oruk/organizations",
        "/api/oruk/organizations/{organization_id}", "/api/oruk/service_at_locations",
        "/api/oruk/service_at_locations/{link_id}", "/api/oruk/taxonomies", "/api/oruk/taxonomies/{taxonomy_id}",
        "/api/oruk/taxonomy_terms", "/api/oruk/taxonomy_terms/{term_id}",
    }
    parameters = {p["name"] for p in schema["paths"]["/api/oruk/services"]["get"]["parameters"]}
    assert {"page", "per_page", "search", "modified_after", "taxonomy_term_id", "taxonomy_id", "organization_id",
            "postcode", "coverage", "age", "abuse_form", "audience", "disclosure_required", "welsh",
            "max_wait_weeks"} <= parameters
    service = schema["paths"]["/api/oruk/services/{service_id}"]["get"]["responses"]["200"]["content"]
    assert "csa_wait_weeks" in service["application/json"]["schema"]["properties"]


def test_the_root_points_at_the_openapi_document(db, client):
    url = client.get("/api/oruk/").json()["openapi_url"]
    assert client.get(url.replace("http://testserver", "")).status_code == 200


def test_the_docs_page_loads_its_assets_from_this_site(db, client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/static/") for source in sources), sources
    assert "cdn" not in html.lower()


@pytest.mark.parametrize("method", ["OPTIONS", "PUT", "DELETE"])
def test_the_docs_page_answers_other_methods_as_the_sites_pages_do(db, client, method):
    # OPTIONS asked DRF for the view's metadata, which the page's HTML renderer has no template for: a 500.
    response = client.generic(method, "/api/docs/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.browser
def test_the_docs_page_renders_offline_in_a_browser(live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    outside = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})

        def route(request_route):
            if request_route.request.url.startswith(live_server.url):
                request_route.continue_()
            else:
                outside.append(request_route.request.url)
                request_route.abort()

        page.route("**/*", route)
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".opblock", timeout=15000)
        assert page.get_by_text("/api/oruk/services/{service_id}").count() >= 1
        page.screenshot(path=str(tmp_path / "api-docs.png"), full_page=False)
        assert page.locator(".opblock").count() >= 11
        browser.close()
    assert outside == []


@pytest.fixture
def documented(db, client):
    """{path: the status codes its GET documents} for every ORUK path."""
    paths = client.get("/api/schema/?format=json").json()["paths"]
    return {path: set(item["get"]["responses"]) for path, item in paths.items() if path.startswith("/api/oruk/")}


def test_every_oruk_operation_documents_its_400_and_429(documented):
    # Any endpoint refuses a NUL in any parameter (400), and the open API's rate limit covers all (429).
    for path, codes in documented.items():
        assert {"200", "400", "429"} <= codes, path


@pytest.mark.parametrize(("url", "path"), [
    ("/api/oruk/organizations/{organization}?full_service=x", "/api/oruk/organizations/{organization_id}"),
    ("/api/oruk/?%00=1", "/api/oruk/"),
    ("/api/oruk/services/{service}?%00=1", "/api/oruk/services/{service_id}"),
    ("/api/oruk/service_at_locations/00000000-0000-4000-8000-000000000000", "/api/oruk/service_at_locations/{link_id}"),
])
def test_real_error_responses_are_documented(feed, client, documented, url, path):
    response = client.get(url.format(organization=feed.cardiff_therapy.organisation.public_id,
                                     service=feed.cardiff_therapy.public_id))
    assert response.status_code >= 400
    assert str(response.status_code) in documented[path]


@pytest.mark.parametrize(
    ("method", "query", "headers", "status"),
    [
        ("get", "?format=xml", {}, 400),  # no such format (it was a 404)
        ("get", "", {"HTTP_ACCEPT": "application/xml"}, 406),
        ("get", "", {"HTTP_ACCEPT": "text/html"}, 406),
        ("post", "", {}, 405),
    ],
)
def test_the_openapi_documents_errors_are_json_saying_what_is_wrong(db, client, method, query, headers, status):
    # They were YAML, the document's default format, with DRF's internals in it:
    # "detail:\n  string: Not found.\n  code: not_found".
    response = getattr(client, method)(f"/api/schema/{query}", **headers)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == status and isinstance(body["detail"], str) and body["detail"]
    # The document itself is still served as asked.
    assert client.get("/api/schema/")["Content-Type"].startswith("application/vnd.oai.openapi")
    assert client.get("/api/schema/?format=json").json()["openapi"].startswith("3.")


@pytest.mark.parametrize(("query", "parameter", "detail"), [
    ("?lang=xx", "lang", "lang must be en or cy, not 'xx'"),
    ("?format=xml", "format", "format must be yaml or json, not 'xml'"),
    ("?format=JSON", "format", "format must be yaml or json, not 'JSON'"),
    ("?foo=1", "foo", "Unknown parameter 'foo'. /api/schema/ takes: format, lang."),
    # drf-spectacular's own: any value went into the document's version ("HSDS-UK-3.0 (9)").
    ("?version=9", "version", "Unknown parameter 'version'. /api/schema/ takes: format, lang."),
])
def test_the_openapi_document_refuses_a_bad_parameter_as_the_api_does(db, client, query, parameter, detail):
    # ?lang=xx was a 200, where every ORUK and gaps endpoint answers it with a 400 naming lang.
    response = client.get(f"/api/schema/{query}")

    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json() == {"status": 400, "detail": detail, "parameter": parameter}


@pytest.mark.parametrize("lang", ["en", "cy", "CY", ""])
def test_the_openapi_document_takes_the_lang_every_endpoint_takes_and_stays_english(db, client, lang):
    english = client.get("/api/schema/", {"format": "json"}).json()

    response = client.get("/api/schema/", {"format": "json", "lang": lang})

    assert response.status_code == 200 and response.json() == english


def test_a_blank_format_is_the_default_as_a_blank_value_is_everywhere(db, client):
    response = client.get("/api/schema/?format=")

    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.oai.openapi")


def test_the_openapi_document_documents_itself_and_its_refusals(db, client):
    operation = client.get("/api/schema/?format=json").json()["paths"]["/api/schema/"]["get"]

    parameters = {p["name"]: p["schema"]["enum"] for p in operation["parameters"]}
    assert parameters == {"format": ["json", "yaml"], "lang": ["cy", "en"]}
    assert {"200", "400", "406"} <= set(operation["responses"])
    # Each type it answers to an Accept, as it answers it.
    documented = set(operation["responses"]["200"]["content"])
    for media_type in documented:
        assert client.get("/api/schema/", HTTP_ACCEPT=media_type)["Content-Type"].split(";")[0] == media_type
    assert documented == {"application/vnd.oai.openapi", "application/yaml", "application/vnd.oai.openapi+json",
                          "application/json"}
    assert "security" not in operation or operation["security"] == [{}]  # open, as the API is: no session


@pytest.mark.parametrize(("query", "detail"), [
    ("?lang=xx", "lang must be en or cy, not &#x27;xx&#x27;"),
    ("?version=2", "Unknown parameter &#x27;version&#x27;. /api/docs/ takes: lang."),
])
def test_the_docs_page_refuses_a_parameter_its_document_would_refuse(db, client, query, detail):
    # It passed them on to the document it loads, so the page said only "Failed to load API definition".
    response = client.get(f"/api/docs/{query}")

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem with the address" in page and detail in page
    assert client.get("/api/docs/?lang=cy").status_code == 200


def test_the_documents_bounds_are_the_ones_the_api_refuses_past(db, client):
    # search's 200 characters, age's 0 to 120 and coverage's form were refused but not in the document.
    paths = client.get("/api/schema/?format=json").json()["paths"]
    services = {p["name"]: p["schema"] for p in paths["/api/oruk/services"]["get"]["parameters"]}
    assert services["search"]["maxLength"] == 200
    assert (services["age"]["minimum"], services["age"]["maximum"]) == (0, 120)
    assert re.fullmatch(services["coverage"]["pattern"].strip("^$"), "W06000015")
    assert not re.fullmatch(services["coverage"]["pattern"].strip("^$"), "Cardiff, Wales")
    terms = {p["name"]: p["schema"] for p in paths["/api/oruk/taxonomy_terms"]["get"]["parameters"]}
    assert terms["search"]["maxLength"] == 200


def test_a_post_without_its_csrf_token_to_the_docs_page_with_parameters_is_refused_not_a_server_error(db):
    # Checking the parameters before DRF had read the session made the error page read it, and the
    # missing token raised there: a 500 (tests/fuzz/test_every_url_pattern.py found it).
    from django.test import Client

    from tests.factories import UserFactory

    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.force_login(UserFactory(username="provider@example.org"))

    response = browser.post("/api/docs/?a=1&a=2", {"a": "1"})

    assert response.status_code == 403


def test_the_document_says_what_a_conditional_get_and_a_rate_limit_answer(db, client):
    # Every open endpoint answers If-None-Match with a 304 and a 429 with Retry-After; a client
    # generated from the document treated the undocumented 304 as an error and never read the ETag.
    schema = client.get("/api/schema/?format=json").json()
    validate_schema(schema)
    for path, operations in schema["paths"].items():
        responses = operations["get"]["responses"]
        assert "304" in responses and responses["304"]["description"], path
        ok = responses["200"]
        assert "ETag" in ok["headers"], path
        if "429" in responses:
            assert "Retry-After" in responses["429"]["headers"], path
        assert all(response["description"] for response in responses.values()), path


def test_every_429_is_documented_with_its_retry_after(db, client):
    schema = client.get("/api/schema/?format=json").json()
    gaps = schema["paths"]["/api/gaps/"]["get"]["responses"]
    assert "Retry-After" in gaps["429"]["headers"]
    assert "Retry-After" in schema["paths"]["/api/oruk/services"]["get"]["responses"]["429"]["headers"]


def _document(client) -> dict:
    return client.get("/api/schema/?format=json").json()


@pytest.mark.parametrize("name", ["abuse_form", "audience"])
def test_a_repeatable_filter_is_documented_as_an_array_a_generated_client_can_send(db, client, name):
    # As a string, a client generated from the document could send one code; the API takes several.
    for path in ("/api/oruk/services", "/api/oruk/service_at_locations"):
        parameter = next(p for p in _document(client)["paths"][path]["get"]["parameters"] if p["name"] == name)
        assert parameter["schema"]["type"] == "array"
        assert (parameter["style"], parameter["explode"]) == ("form", True)
        assert re.fullmatch(parameter["schema"]["items"]["pattern"], "cse,online" if name == "abuse_form"
                            else "child,sibling"), "codes separated by commas, as the parser takes them"
        assert "commas" in parameter["description"]


def test_every_query_parameter_says_it_may_be_empty(db, client):
    # An empty value is read as absent everywhere (`?sort=`, an HTML form's `age=`); the gaps API's
    # choices said `minLength: 1`, i.e. refused.
    for path, operations in _document(client)["paths"].items():
        for parameter in operations["get"].get("parameters", []):
            if parameter["in"] == "query":
                where = f"{path} {parameter['name']}"
                assert parameter.get("allowEmptyValue") is True, where
                assert "minLength" not in parameter["schema"], where


def _query_parameters(path: str) -> list[str]:
    from directory.oruk.openapi import SCHEMA_PARAMETERS, SERVICE_LIST_PARAMETERS, TAXONOMY_TERM_LIST_PARAMETERS
    from gaps.serializers import GapsQuerySerializer

    return {"/api/oruk/services": [p.name for p in SERVICE_LIST_PARAMETERS],
            "/api/oruk/taxonomy_terms": [p.name for p in TAXONOMY_TERM_LIST_PARAMETERS],
            "/api/schema/": [p.name for p in SCHEMA_PARAMETERS],
            "/api/gaps/": list(GapsQuerySerializer().fields)}[path]


@pytest.mark.parametrize("path", ["/api/oruk/services", "/api/oruk/taxonomy_terms", "/api/schema/", "/api/gaps/"])
def test_an_empty_value_is_answered_as_if_the_parameter_were_absent(client, wales_areas, path):
    from tests.factories import ServiceFactory

    ServiceFactory()
    absent = client.get(path)
    assert absent.status_code == 200
    names = _query_parameters(path)
    assert set(names) == {p["name"] for p in _document(client)["paths"][path]["get"]["parameters"]}
    for name in names:
        empty = client.get(f"{path}?{name}=")
        assert empty.status_code == 200, (name, empty.content[:300])
        assert empty.content == absent.content, name
