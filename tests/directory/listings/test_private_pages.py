"""Signed-in pages are never stored (servicemap/private_pages.py): after sign-out, the browser's
back button and cache on a shared computer must not show a provider's or moderator's pages."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize(("role", "url_name"), [
    ("own_provider", "listings:dashboard"), ("moderator", "listings:moderation"), ("moderator", "listings:dashboard"),
])
def test_a_signed_in_users_pages_are_never_stored(client_as, service, role, url_name):
    response = client_as(role).get(reverse(url_name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_waits_csv_a_moderator_downloads_is_never_stored(client_as, service):
    response = client_as("moderator").get(reverse("directory:bulk_update_csv"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_anonymous_pages_keep_their_own_caching(client, service):
    response = client.get(reverse("directory:search"))
    assert "no-store" not in response.get("Cache-Control", "")
    client.get(reverse("directory:search"))  # a session of an anonymous visitor (a shortlist) is not a sign-in
    client.post(reverse("directory:shortlist_add"), {"service": str(service.public_id)})
    assert "sessionid" in client.cookies
    assert "no-store" not in client.get(reverse("directory:search")).get("Cache-Control", "")
