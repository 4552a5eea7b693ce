"""A visitor with a session who is not signed in (anyone with a shortlist) reading the API.

The API's views (DRF, `UNAUTHENTICATED_USER: None`) leave `request.user` as None for an anonymous
client, and servicemap/private_pages.py read `request.user.is_authenticated` on every response to a
request carrying a session cookie: every API page, and the API documentation linked from the home
page, was a server error for a social worker who had shortlisted a service.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

API_PAGES = ["/api/oruk/", "/api/oruk/services", "/api/oruk/taxonomies", "/api/gaps/", "/api/schema/", "/api/docs/"]


def _visitor_with_a_shortlist() -> Client:
    client = Client()
    service = ServiceFactory()
    response = client.post("/shortlist/add/", {"service": str(service.public_id), "next": "/shortlist/"})
    assert response.status_code == 302 and "sessionid" in client.cookies
    return client


@pytest.mark.parametrize("path", API_PAGES)
def test_a_visitor_with_a_shortlist_can_read_the_api(wales_areas, path):
    response = _visitor_with_a_shortlist().get(path)
    assert response.status_code == 200, path
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_signed_in_moderators_api_responses_are_still_never_stored():
    client = Client()
    client.force_login(UserFactory(is_superuser=True))
    response = client.get("/api/oruk/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
