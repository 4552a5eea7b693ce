"""A new listing waiting for approval is invisible to the public everywhere."""

from __future__ import annotations

import pytest

from directory.shortlist import SESSION_KEY
from tests.factories import ServiceFactory, UnpublishedServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def services(wales_areas):
    cardiff = wales_areas["W06000015"]
    return ServiceFactory(name="Approved one", coverage=[cardiff]), UnpublishedServiceFactory(
        name="Waiting one", coverage=[cardiff]
    )


def test_search_shows_only_published_services(client, services):
    body = client.get("/search/", {"la": "W06000015", "age": "9"}).content.decode()
    assert "Approved one" in body and "Waiting one" not in body


def test_an_unpublished_service_page_is_not_found(client, services):
    assert client.get(f"/services/{services[1].public_id}/").status_code == 404
    assert client.get(f"/services/{services[0].public_id}/").status_code == 200


def test_the_open_referral_feed_leaves_unpublished_services_out(client, services):
    data = client.get("/api/oruk/services").json()
    assert [s["name"] for s in data["contents"]] == ["Approved one"]
    assert client.get(f"/api/oruk/services/{services[1].public_id}").status_code == 404


def test_a_shared_shortlist_skips_unpublished_services(client, services):
    ids = ",".join(str(s.public_id) for s in services)
    body = client.get("/shortlist/", {"ids": ids}).content.decode()
    assert "Approved one" in body and "Waiting one" not in body
    assert SESSION_KEY not in client.session
