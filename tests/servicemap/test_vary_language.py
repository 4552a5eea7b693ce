"""Which responses vary by the Accept-Language header (servicemap/vary_language.py): a page's
language follows its path alone, and it carries no `Vary: Accept-Language` for shared caches to
split on; the open APIs answer in the language asked for, and say so."""

from __future__ import annotations

import re

import pytest

from servicemap.vary_language import api_language
from tests.factories import ServiceFactory


def _without_nonces(response) -> str:
    """The page without what differs on every response: CSP nonces and folium's element ids."""
    return re.sub(r"_[0-9a-f]{32}(?![0-9a-f])", "_", re.sub(r'nonce="[^"]*"', "", response.content.decode()))


def _vary(response) -> set[str]:
    return {value.strip().lower() for value in response.get("Vary", "").split(",") if value.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/cy/", "/about-the-data/", "/cy/gaps/", "/gaps/", "/api/schema/"])
def test_a_pages_language_comes_from_its_path_and_it_does_not_vary_by_the_header(client, path):
    english, welsh = client.get(path), client.get(path, headers={"Accept-Language": "cy"})
    assert english.status_code == welsh.status_code == 200
    assert english["Content-Language"] == welsh["Content-Language"] == ("cy" if path.startswith("/cy/") else "en")
    assert _without_nonces(english) == _without_nonces(welsh)  # the same page either way
    assert "accept-language" not in _vary(welsh)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/oruk/services?per_page=1", "/api/oruk/taxonomies", "/api/gaps/"])
def test_the_open_apis_answer_in_the_language_asked_for_and_vary_by_the_header(client, wales_areas, path):
    ServiceFactory(name="Young people's helpline", name_cy="Llinell gymorth pobl ifanc")
    english, welsh = client.get(path), client.get(path, headers={"Accept-Language": "cy"})
    assert english.status_code == welsh.status_code == 200
    assert (english["Content-Language"], welsh["Content-Language"]) == ("en", "cy")
    assert english.content != welsh.content
    assert "accept-language" in _vary(english) and "accept-language" in _vary(welsh)


@pytest.mark.django_db
def test_a_link_asks_for_welsh_by_lang_and_lang_outranks_the_header(client, wales_areas):
    assert client.get("/api/gaps/", {"lang": "cy"})["Content-Language"] == "cy"
    assert client.get("/api/gaps/", {"lang": "en"}, headers={"Accept-Language": "cy"})["Content-Language"] == "en"


@pytest.mark.parametrize(("lang", "header", "language"), [
    (None, "", "en"),
    (None, "cy", "cy"),
    (None, "CY", "cy"),
    (None, "cy-GB", "cy"),
    (None, "cy-GB,cy;q=0.9,en;q=0.8", "cy"),
    (None, "en-GB,en;q=0.9,cy;q=0.8", "en"),
    (None, "en;q=0.5,cy;q=0.9", "cy"),  # by quality, not by place
    (None, "fr,cy;q=0.5", "cy"),  # the first the site has
    (None, "fr,de", "en"),
    (None, "*", "en"),
    (None, "not a language;;", "en"),
    ("cy", "en", "cy"),
    (" CY ", "", "cy"),
    ("en", "cy", "en"),
    ("fr", "cy", "cy"),  # not one of ours (the API refuses it with a 400): the header decides meanwhile
    ("", "cy", "cy"),  # blank counts as absent
])
def test_the_apis_language_is_lang_then_the_headers_first_language_the_site_has_then_english(lang, header, language):
    assert api_language(lang, header) == language


@pytest.mark.django_db
def test_other_vary_values_are_kept(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="m@example.org", email="m@example.org"))
    assert "Cookie" in client.get("/manage/")["Vary"]
