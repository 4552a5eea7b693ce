"""Redirects from the open API's un-slashed addresses carry its CORS header."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/api/oruk", "/api/schema", "/api/gaps"])
def test_redirects_from_unslashed_api_addresses_allow_any_origin(client, db, path):
    response = client.get(path, HTTP_ORIGIN="https://x.example")

    assert response.status_code == 301
    assert response["Location"].endswith(path + "/")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_other_unslashed_addresses_get_no_cors_header(client, db):
    response = client.get("/api/oruk-not", HTTP_ORIGIN="https://x.example")
    assert "Access-Control-Allow-Origin" not in response
