"""A new listing waiting for a moderator says so on its edit page, as the dashboard and the list of
services say it: its provider opening it again saw an ordinary edit form, with nothing saying the
public could not see it yet or what saving it would do."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from directory.listings import services
from directory.listings.views import FULL_DASHBOARD_MAX
from directory.models import Service, ServiceChange
from tests.directory.listings.conftest import form_data
from tests.factories import ServiceFactory

WAITING = "This new listing is waiting for a moderator to approve it. The public cannot see it yet."


@pytest.fixture
def new_listing(provider, org, service) -> Service:
    return services.service_create(
        organisation=org, values=services.form_values_from_service(service, name_en="Sibling support"), by=provider,
    )


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_new_listing_waiting_for_approval_says_so_at_the_top_of_its_edit_page(
    client, provider, new_listing, language
):
    client.force_login(provider)
    change = new_listing.changes.get()
    with translation.override(language):
        page = _page(client, reverse("listings:service_edit", args=[new_listing.public_id]))
        notice = page[page.index('id="waiting-for-approval"'):page.index("</div>", page.index('id="waiting-for-approval"'))]
        for words in ("Not yet published", "Waiting for approval", WAITING):
            assert gettext(words) in notice
        saving = gettext(
            "You sent it on %(date)s. Saving your changes updates the listing the moderator will check: it keeps its "
            "place in the queue, and the public will see it once a moderator approves it."
        ) % {"date": date_format(change.submitted_at, "j M Y")}
        assert saving in notice
    # Near the top: before the form.
    assert page.index("<h1") < page.index('id="waiting-for-approval"') < page.index('name="name_en"')
    if language == "cy":
        assert WAITING not in page


def test_saving_a_new_listing_updates_the_request_the_moderator_sees_as_the_page_says(
    client, provider, moderator, new_listing
):
    change = new_listing.changes.get()
    client.force_login(provider)
    edited = form_data(new_listing, description_en="Groups on Tuesdays")
    assert client.post(reverse("listings:service_edit", args=[new_listing.public_id]), edited).status_code == 302

    # The same request, in the same place in the queue, now showing what was saved; still not public.
    assert list(new_listing.changes.values_list("pk", "state")) == [(change.pk, ServiceChange.State.PENDING)]
    assert not Service.objects.published().filter(pk=new_listing.pk).exists()
    client.force_login(moderator)
    assert "Groups on Tuesdays" in _page(client, reverse("listings:change_detail", args=[change.pk]))
    # ... and the page still says it waits.
    client.force_login(provider)
    assert WAITING in _page(client, reverse("listings:service_edit", args=[new_listing.public_id]))


def test_a_moderator_opening_a_new_listing_is_told_saving_does_not_publish_it(client, moderator, new_listing):
    client.force_login(moderator)
    page = _page(client, reverse("listings:service_edit", args=[new_listing.public_id]))
    assert WAITING in page
    assert "Saving changes it but does not publish it:" in page
    assert f'href="{reverse("listings:change_detail", args=[new_listing.changes.get().pk])}"' in page


def test_a_published_listing_or_a_rejected_new_one_does_not_say_it_waits(
    client, provider, moderator, service, new_listing
):
    client.force_login(provider)
    assert WAITING not in _page(client, reverse("listings:service_edit", args=[service.public_id]))
    services.change_reject(change=new_listing.changes.get(), by=moderator, reason="Add the areas covered.")
    page = _page(client, reverse("listings:service_edit", args=[new_listing.public_id]))
    assert WAITING not in page
    assert "Your new listing was not approved" in page


def test_the_dashboard_and_the_list_of_services_name_its_state_as_the_edit_page_does(
    client, provider, org, new_listing
):
    client.force_login(provider)
    dashboard = _page(client, reverse("listings:dashboard"))
    card = dashboard[dashboard.index(f'id="service-{new_listing.public_id}"'):]
    assert "Not yet published" in card and "Waiting for approval" in card and "New listing" in card
    # A provider with more listings than fit the full dashboard gets the list of services.
    ServiceFactory.create_batch(FULL_DASHBOARD_MAX, organisation=org)
    overview = _page(client, reverse("listings:dashboard"))
    # A service has two rows in the list: its name and cells, then its organisation, tags and actions.
    rows = overview[overview.index(f'id="service-{new_listing.public_id}"'):]
    first_end = rows.index("</tr>")
    rows = rows[:rows.index("</tr>", first_end + 1)]
    assert "Not yet published" in rows and "Waiting for approval" in rows


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_dashboard_links_a_published_listing_to_its_public_page_and_a_new_one_to_none(
    client, provider, service, new_listing, language
):
    # "Everything is still correct" asks the provider to check the listing: they need to see it as the public does.
    client.force_login(provider)
    with translation.override(language):
        dashboard = _page(client, reverse("listings:dashboard"))
        public_page = reverse("directory:service_detail", args=[service.public_id])
        label = gettext("Public page")
    assert language == "en" or label == "Tudalen gyhoeddus"

    def card(listing: Service) -> str:
        start = dashboard.index(f'id="service-{listing.public_id}"')
        return dashboard[start:dashboard.index('class="govuk-summary-card__content"', start)]

    assert f'href="{public_page}">{label}<span class="govuk-visually-hidden"> – Own service</span>' in card(service)
    assert label not in card(new_listing)  # not published: its public page would be a 404
    assert client.get(public_page).status_code == 200
