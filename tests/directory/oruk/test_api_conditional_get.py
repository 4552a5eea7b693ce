"""Conditional GET on the open APIs: an ETag on each answer, and a 304 when a client sends it back.

A council or national directory polls the feed for changes; with If-None-Match it downloads a
page (a page of 50 full services is ~350 KB) only when the directory changed since.
"""

from __future__ import annotations

import pytest

from tests.factories import ServiceAtLocationFactory, ServiceFactory


@pytest.fixture
def service(db):
    return ServiceAtLocationFactory().service


@pytest.mark.parametrize(
    "path",
    ["/api/oruk/", "/api/oruk/services?full=true", "/api/oruk/services/{id}", "/api/oruk/organizations",
     "/api/oruk/service_at_locations", "/api/oruk/taxonomies", "/api/oruk/taxonomy_terms"],
)
def test_an_unchanged_answer_is_a_304_to_a_client_sending_its_etag(client, service, path):
    url = path.format(id=service.public_id)
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"]

    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Access-Control-Allow-Origin"] == "*", "a page on another origin reads the 304 too"


def test_a_change_to_the_directory_gives_a_new_etag_and_the_new_answer(client, service):
    first = client.get("/api/oruk/services")
    ServiceFactory(name="A new service")

    changed = client.get("/api/oruk/services", HTTP_IF_NONE_MATCH=first["ETag"])

    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert "A new service" in changed.content.decode()


def test_errors_and_whole_feeds_are_never_a_304(client, service):
    error = client.get("/api/oruk/services", {"page": "0"})
    assert error.status_code == 400
    assert client.get("/api/oruk/services", {"page": "0"}, HTTP_IF_NONE_MATCH=error.get("ETag", '"x"')).status_code == 400
    feed = client.get("/api/oruk/services", {"format": "ndjson"}, HTTP_IF_NONE_MATCH="*")
    assert feed.status_code == 200 and b"".join(feed.streaming_content)


def test_the_gaps_api_answers_conditional_gets_too(client, wales_areas):
    first = client.get("/api/gaps/")
    assert client.get("/api/gaps/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_pages_are_left_as_they_were(client, service):
    # Only the open APIs: the site's pages carry a CSRF token or a session's shortlist.
    assert "ETag" not in client.get("/")


def test_a_page_on_another_origin_may_read_the_etag_and_retry_after(client, service):
    # Neither is a CORS-safelisted header: without being exposed, a script on another origin
    # could not read the ETag to send back, nor how long a 429 asks it to wait.
    response = client.get("/api/oruk/services", HTTP_ORIGIN="https://council.example")
    exposed = {name.strip() for name in response["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Retry-After"} <= exposed


def test_a_cached_answers_etag_comes_from_its_key_not_a_hash_of_its_body(client, service, monkeypatch):
    # Hashing the body of a page of 50 full services cost ~0.5 ms a request; the cache key names
    # the body already (directory version, path, query, language), with the release that renders it.
    from django.utils import http as django_http

    def no_body_hash(response):
        raise AssertionError("the body was hashed for its ETag")

    monkeypatch.setattr("django.middleware.http.set_response_etag", no_body_hash)
    monkeypatch.setattr("directory.oruk.middleware._set_language_etag", no_body_hash)  # the open APIs' own
    first = client.get("/api/oruk/services?full=true")
    assert first.status_code == 200 and first["ETag"]
    assert client.get("/api/oruk/services?full=true", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert django_http.quote_etag(first["ETag"]) == first["ETag"]


def test_another_release_gives_another_etag(client, service, settings):
    first = client.get("/api/oruk/services")
    settings.RELEASE_ID = settings.RELEASE_ID + "-next"
    assert client.get("/api/oruk/services", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/api/oruk/", "/api/oruk/services", "/api/oruk/services/{id}", "/api/oruk/organizations",
     "/api/oruk/service_at_locations", "/api/oruk/taxonomies", "/api/oruk/taxonomy_terms", "/api/gaps/",
     "/api/schema/?format=json"],
)
def test_a_head_request_carries_the_etag_a_get_would_and_is_a_304_when_it_matches(client, service, wales_areas, path):
    # A harvester checks whether a page changed with HEAD (`curl -I`): the headers must be a GET's
    # (RFC 9110 9.3.2), ETag included, and If-None-Match applies to HEAD as to GET (13.1.2). The
    # answers whose ETag is a hash of their body had none on a HEAD, and never a 304.
    url = path.format(id=service.public_id)
    etag = client.get(url)["ETag"]

    head = client.head(url)
    assert head.status_code == 200
    assert head["ETag"] == etag

    again = client.head(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", ["/api/oruk/services?page=0", "/api/oruk/nothing-here", "/api/gaps/?layer=x",
                                  "/api/oruk/services/00000000-0000-0000-0000-000000000000"])
def test_an_error_carries_no_etag(client, service, wales_areas, path):
    # An ETag names a representation of the resource; a 400, 404 or 429 (whose body counts down the
    # seconds to wait) is none, and a client keeping "the last ETag it saw" would send it back.
    response = client.get(path)
    assert response.status_code >= 400
    assert "ETag" not in response


def test_a_429_carries_no_etag(client, service, settings):
    settings.ORUK_API_ANON_RATE = "1/minute"
    address = {"REMOTE_ADDR": "192.0.2.77"}  # a client of its own: no other test's count
    assert client.get("/api/oruk/taxonomies", **address).status_code == 200
    refused = client.get("/api/oruk/taxonomies", **address)
    assert refused.status_code == 429
    assert "ETag" not in refused
