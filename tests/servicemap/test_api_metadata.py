"""OPTIONS on the API (servicemap/api_metadata.py): the methods in Allow, an empty body, and CORS
preflights still answered by the CORS middleware."""

from __future__ import annotations

import uuid

import pytest

# Fixed, not uuid4(): each xdist worker collects the parameters, and they must agree.
NO_SUCH_SERVICE = uuid.UUID("6f1d3c2a-0000-4000-8000-000000000001")
ADDRESSES = ["/api/oruk/", "/api/oruk/services", f"/api/oruk/services/{NO_SUCH_SERVICE}", "/api/oruk/taxonomy_terms",
             "/api/gaps/", "/api/schema/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ADDRESSES)
def test_options_on_the_api_answers_the_methods_it_takes_and_nothing_else(client, path):
    # It answered DRF's metadata: the view's class name and developer docstring, and the parsers it
    # was built with (forms and multipart, on an API that takes no writes); the schema's in YAML.
    response = client.options(path)

    assert response.status_code == 200
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.content == b"" and response["Content-Length"] == "0"
    assert not response.has_header("Content-Type")
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.django_db
def test_options_on_an_api_path_that_does_not_exist_is_its_404(client):
    response = client.options("/api/oruk/no-such-endpoint")

    assert response.status_code == 404
    assert response.json()["detail"].startswith("No such endpoint '/api/oruk/no-such-endpoint'")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ADDRESSES)
def test_a_cors_preflight_is_still_answered_before_any_view(client, path):
    preflight = client.options(path, HTTP_ORIGIN="https://example.org", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
                               HTTP_ACCESS_CONTROL_REQUEST_HEADERS="accept")

    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert preflight["Access-Control-Allow-Headers"] == "accept"
