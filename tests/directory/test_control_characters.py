"""NUL and other control characters in the search's or the A to Z's address are taken out before
anything reads it: never echoed into the page, never a 500 (PostgreSQL refuses NUL in text)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.http import QueryDict

from directory import control_characters
from tests.factories import PostcodeFactory, ServiceFactory

# What a page may hold besides printable text: tabs and line breaks.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@pytest.fixture
def directory(wales_areas):
    PostcodeFactory(postcode="CF10 1EP", latitude=51.4762, longitude=-3.1763, lad_code="W06000015")
    ServiceFactory(name="Bridge service", coverage=[wales_areas["W06000015"]])


@pytest.mark.parametrize(("query", "cleaned"), [
    ({"postcode": "CF10\x00 1", "la": "W06000015"}, "postcode=CF10+1&la=W06000015"),
    ({"postcode": "CF10\x01 1"}, "postcode=CF10+1"),
    ({"la": "W06000015\x00"}, "la=W06000015"),
    ({"la": "\x00", "postcode": "CF10 1"}, "la=&postcode=CF10+1"),
    ({"postcode": "CF10 1", "age": "9\x00"}, "postcode=CF10+1&age=9"),
    ({"postcode": "CF10 1", "abuse_form": "\x1bcse"}, "postcode=CF10+1&abuse_form=cse"),
    ({"postcode": "CF10 1", "sort": "\x7f", "referrer": "\x00", "max_wait": "\x07"},
     "postcode=CF10+1&sort=&referrer=&max_wait="),
    ({"postcode": "CF10 1", "page": "\x002", "\x00": "x"}, "postcode=CF10+1&page=2"),
])
def test_a_search_link_with_control_characters_is_the_same_search_without_them(client, directory, query, cleaned):
    address = "/search/?" + "&".join(f"{quote(name)}={quote(value)}" for name, value in query.items())

    response = client.get(address)

    assert response.status_code == 302
    assert response["Location"] == f"/search/?{cleaned}"
    page = client.get(response["Location"])
    assert page.status_code in (200, 400)  # 400: the search's own errors, said by the form
    assert not _CONTROL.search(page.content.decode())


def test_a_full_postcode_with_a_control_character_is_cut_in_the_same_redirect(client, directory):
    """One redirect, to the cut address: never a second hop, nor an address holding the full postcode
    (found by tests/fuzz: a control character's redirect, then the full postcode's)."""
    response = client.get("/search/?abuse_form=intra_familial&abuse_form=%08&postcode=CF10+1EP", follow=True)

    assert [url for url, _status in response.redirect_chain] == [
        "/search/?abuse_form=intra_familial&abuse_form=&postcode=CF10+1&la=W06000015&cut=1"]
    assert not _CONTROL.search(response.content.decode())


@pytest.mark.parametrize(("query", "location"), [
    ("letter=%00", "/services/?letter="),
    ("letter=b%00", "/services/?letter=b"),
    ("letter=%1B%5B31m", "/services/?letter=%5B31m"),
    ("page=%00", "/services/?page="),
    ("%00", "/services/"),
])
def test_an_a_to_z_link_with_control_characters_is_the_same_page_without_them(client, directory, query, location):
    response = client.get(f"/services/?{query}")

    assert response.status_code == 302
    assert response["Location"] == location
    page = client.get(location)
    assert page.status_code == 200
    assert not _CONTROL.search(page.content.decode())


def test_a_welsh_search_link_stays_welsh(client, directory):
    response = client.get("/cy/search/?postcode=CF10%001")
    assert response["Location"] == "/cy/search/?postcode=CF101"


def test_an_address_without_control_characters_is_used_as_it_is():
    assert control_characters.query_without(QueryDict("postcode=CF10+1&la=W06000015&age=9%0A")) is None


@pytest.mark.parametrize("query", ["kind=a%00b", "q=%00", "o=%00", "kind=local_authority%1b"])
def test_an_admin_list_with_control_characters_in_its_filters_is_sent_on_without_them(admin_client, query):
    """The admin's list filters went to the database as given: on PostgreSQL a NUL was a 500."""
    response = admin_client.get(f"/admin/directory/area/?{query}")

    assert response.status_code == 302
    assert not _CONTROL.search(response["Location"])
    assert admin_client.get(response["Location"]).status_code in (200, 302)


def test_a_form_sent_to_an_address_with_control_characters_is_a_400_not_a_redirect(admin_client):
    """A redirect would lose what was sent; the site's 400 page instead."""
    response = admin_client.post("/admin/directory/area/?q=%00", {"action": "delete_selected"})

    assert response.status_code == 400


def test_the_apis_answer_control_characters_themselves(client, db):
    """/api/ is left to the APIs: a JSON 400 naming the parameter, not a redirect."""
    response = client.get("/api/oruk/services?search=%00")

    assert response.status_code == 400
    assert response.json()["parameter"] == "search"
