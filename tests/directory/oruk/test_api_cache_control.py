"""What a client or a cache in between may keep of the open APIs' answers (directory/oruk/middleware.py):
an answer may be stored but used only after revalidating with its ETag; a whole feed and an error
are never stored; a signed-in person's answers are never stored (servicemap/private_pages.py)."""

from __future__ import annotations

import pytest

from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

REVALIDATE = "public, no-cache"


@pytest.mark.parametrize("path", ["/api/oruk/", "/api/oruk/services", "/api/oruk/taxonomies",
                                  "/api/gaps/?layer=cse", "/api/schema/?format=json"])
def test_an_answer_may_be_stored_but_is_revalidated_by_its_etag_before_use(client, wales_areas, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Cache-Control"] == REVALIDATE
    revalidated = client.get(path, HTTP_IF_NONE_MATCH=response["ETag"])
    assert revalidated.status_code == 304
    assert revalidated["Cache-Control"] == REVALIDATE, "a 304 renews what the cache may do with its copy"


def test_a_head_says_what_its_get_would(client):
    assert client.head("/api/oruk/services")["Cache-Control"] == REVALIDATE


def test_a_service_answer_is_revalidated_too(client):
    service = ServiceFactory()
    assert client.get(f"/api/oruk/services/{service.public_id}")["Cache-Control"] == REVALIDATE


def test_a_whole_feed_is_not_stored(client):
    ServiceFactory()
    response = client.get("/api/oruk/services", {"format": "ndjson"})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("path", "status"), [
    ("/api/oruk/services?page=0", 400),
    ("/api/oruk/services/00000000-0000-0000-0000-000000000000", 404),
    ("/api/oruk/nowhere", 404),
    ("/api/gaps/?layer=nothing", 400),
    ("/api/schema/?format=xml", 400),
])
def test_an_error_is_not_stored(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response["Cache-Control"] == "no-store"


def test_a_429_is_not_stored(client, settings):
    settings.ORUK_API_ANON_RATE = "1/day"
    assert client.get("/api/oruk/taxonomies").status_code == 200
    refused = client.get("/api/oruk/taxonomies")
    assert refused.status_code == 429
    assert refused["Cache-Control"] == "no-store"


def test_a_signed_in_persons_answer_is_never_stored(moderator_client):
    response = moderator_client.get("/api/oruk/taxonomies")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_sites_pages_are_left_as_their_views_mark_them(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Cache-Control" not in response
