"""The language of a response follows its path, never the Accept-Language header, and responses
say so (servicemap/vary_language.py): no `Vary: Accept-Language` for shared caches to split on."""

from __future__ import annotations

import re

import pytest


def _without_nonces(response) -> str:
    """The page without what differs on every response: CSP nonces and folium's element ids."""
    return re.sub(r"_[0-9a-f]{32}(?![0-9a-f])", "_", re.sub(r'nonce="[^"]*"', "", response.content.decode()))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/cy/", "/api/oruk/services?per_page=1", "/api/gaps/", "/about-the-data/", "/cy/gaps/"])
def test_the_language_comes_from_the_path_and_responses_do_not_vary_by_the_header(client, path):
    english, welsh = client.get(path), client.get(path, headers={"Accept-Language": "cy"})
    assert english.status_code == welsh.status_code == 200
    assert english["Content-Language"] == welsh["Content-Language"] == ("cy" if path.startswith("/cy/") else "en")
    assert _without_nonces(english) == _without_nonces(welsh)  # the same page either way
    vary = {value.strip().lower() for value in welsh.get("Vary", "").split(",")}
    assert "accept-language" not in vary


@pytest.mark.django_db
def test_other_vary_values_are_kept(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="m@example.org", email="m@example.org"))
    assert "Cookie" in client.get("/manage/")["Vary"]
