"""A location's Welsh name: asked for on the provider's form, carried by the proposal a moderator
approves, and shown on Welsh pages (English ones, and Welsh ones where none is given, show the name)."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from directory.listings import fields, selectors
from directory.models import Location, ServiceChange
from tests.directory.listings.test_locations import NEW_ADDRESS, approve

WELSH_ADDRESS = {**NEW_ADDRESS, "name_cy": "Canolfan Bangor"}


def _page(client, service, language: str = "en") -> str:
    """The public page, as someone else sees it. Asked for inside `override`, which puts the test's
    language back after it: the request activates the page's language in this thread, and the
    moderator's pages, reversed after it, would otherwise be asked for in Welsh."""
    with translation.override(language):
        response = Client().get(reverse("directory:service_detail", args=[service.public_id]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_a_welsh_name_waits_for_approval_then_shows_on_the_welsh_page_only(
    client, provider, moderator, service, office, bangor_postcode,
):
    client.force_login(provider)
    client.post(reverse("listings:location_add", args=[service.public_id]), WELSH_ADDRESS)

    change = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)
    assert [(e["name"], e["name_cy"]) for e in change.proposed[fields.LOCATIONS]] == [
        ("Bangor centre", "Canolfan Bangor"), ("Main office", "")]
    assert "Canolfan Bangor" not in _page(client, service, "cy")

    detail = approve(client, moderator, change)

    (row,) = [row for row in detail.context["rows"] if row.field == fields.LOCATIONS]
    assert "Bangor centre (in Welsh: Canolfan Bangor), 9 Glanrafon" in row.added
    assert Location.objects.get(name="Bangor centre").name_cy == "Canolfan Bangor"
    welsh, english = _page(client, service, "cy"), _page(client, service)
    assert "<strong>Canolfan Bangor</strong>" in welsh
    # The English name standing in on a Welsh page is marked, so a screen reader says it in English.
    assert '<strong lang="en">Main office</strong>' in welsh
    assert "<strong>Bangor centre</strong>" in english and "Canolfan Bangor" not in english


def test_changing_only_the_welsh_name_is_a_change_a_moderator_approves(
    client, provider, moderator, service, office,
):
    client.force_login(provider)
    url = reverse("listings:location_edit", args=[service.public_id, office.public_id])
    form = client.get(url).content.decode()
    assert 'name="name_cy"' in form and 'lang="cy"' in form

    client.post(url, {"name": "Main office", "name_cy": "Prif swyddfa", "address_1": "1 High Street",
                      "postcode": "CF10 1EP"})

    office.refresh_from_db()
    assert office.name_cy == ""
    approve(client, moderator, ServiceChange.objects.get(state=ServiceChange.State.PENDING))
    office.refresh_from_db()
    assert (office.name, office.name_cy) == ("Main office", "Prif swyddfa")
    client.force_login(provider)
    assert "Prif swyddfa" in client.get(reverse("listings:locations", args=[service.public_id])).content.decode()


def test_a_welsh_name_holding_a_postcode_is_refused_and_what_was_typed_is_kept(client, provider, service):
    client.force_login(provider)
    response = client.post(reverse("listings:location_add", args=[service.public_id]),
                           {**WELSH_ADDRESS, "name_cy": "Lloches CF10 1EP", "do_not_publish_address": "on"})
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Take the postcode out of the location's name" in page
    assert 'value="Lloches CF10 1EP"' in page and 'href="#id_name_cy"' in page
    assert not ServiceChange.objects.exists()


def test_a_welsh_name_over_the_limit_is_named_without_optional(client, provider, service):
    client.force_login(provider)
    response = client.post(reverse("listings:location_add", args=[service.public_id]),
                           {**WELSH_ADDRESS, "name_cy": "x" * 201})
    assert "Location name in Welsh must be 200 characters or fewer" in html.unescape(response.content.decode())


def test_a_proposal_stored_before_welsh_names_were_asked_for_is_approved_as_it_was(
    client, provider, moderator, service, office, bangor_postcode,
):
    """Entries sent before the field existed have no "name_cy": they are the same places, unnamed in Welsh."""
    client.force_login(provider)
    client.post(reverse("listings:location_add", args=[service.public_id]), NEW_ADDRESS)
    change = ServiceChange.objects.get(state=ServiceChange.State.PENDING)
    change.proposed = {fields.LOCATIONS: [{k: v for k, v in e.items() if k != "name_cy"}
                                          for e in change.proposed[fields.LOCATIONS]]}
    change.save()

    detail = approve(client, moderator, change)

    (row,) = [row for row in detail.context["rows"] if row.field == fields.LOCATIONS]
    assert row.added.startswith("Bangor centre, 9 Glanrafon") and not row.removed  # the office is unchanged
    assert list(Location.objects.order_by("name").values_list("name", "name_cy")) == [
        ("Bangor centre", ""), ("Main office", "")]


@pytest.mark.parametrize(("entry", "expected"), [
    ({"name": "Office", "name_cy": "Swyddfa"}, "Office (in Welsh: Swyddfa), Bangor"),
    ({"name": "Office", "name_cy": ""}, "Office, Bangor"),
    ({"name": "Office"}, "Office, Bangor"),  # stored before the Welsh name was asked for
])
def test_a_location_on_one_line_gives_its_welsh_name(entry, expected):
    entry = {"address_1": "", "city": "Bangor", "county": "", "postcode": "", "do_not_publish_address": False, **entry}
    assert fields.location_text(entry) == expected


def test_entries_that_differ_only_by_a_missing_welsh_name_are_the_same_list(db, service, office):
    live = selectors.service_location_entries(service=service)
    old = [{k: v for k, v in e.items() if k != "name_cy"} for e in live]
    assert fields.sorted_locations(old) == live
