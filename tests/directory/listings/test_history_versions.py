"""Every recorded version is one the listing really had, and restoring one asks first."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from directory.listings import selectors, services
from directory.models import Service
from tests.directory.listings.conftest import form_data
from tests.factories import ServiceAtLocationFactory


@pytest.mark.parametrize("role", ["provider", "moderator"])
def test_a_new_service_is_one_version_with_its_areas(client, request, org, service, areas, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    data = form_data(service, name_en="Brand new service")
    data["organisation"] = org.pk
    assert client.post(reverse("listings:service_new"), data).status_code == 302

    new = Service.objects.get(name_en="Brand new service")
    versions = list(new.history.all())
    assert len(versions) == 1
    assert versions[0].history_type == "+"
    assert selectors.history_record_coverage_codes(versions[0]) == ["W06000015"]
    assert [e.kind for e in selectors.service_history(service=new, viewer=user)] == ["Created"]


def test_an_edit_to_fields_and_areas_is_one_version(moderator, service, areas):
    before = service.history.count()
    services.service_edit(
        service=service,
        values=services.form_values_from_service(service, referral_phone="1", coverage_areas=["W06000014"]),
        by=moderator,
    )
    assert service.history.count() == before + 1
    latest = service.history.order_by("-history_id").first()
    assert latest.referral_phone == "1"
    assert selectors.history_record_coverage_codes(latest) == ["W06000014"]


def test_restoring_asks_first_shows_what_changes_and_publishes_only_when_confirmed(client, moderator, service):
    first = service.history.order_by("-history_id").first()
    services.service_edit(
        service=service, values=services.form_values_from_service(service, referral_phone="02999 999999"),
        by=moderator,
    )
    client.force_login(moderator)
    url = reverse("listings:service_restore", args=[service.public_id, first.history_id])

    history = client.get(reverse("listings:history", args=[service.public_id])).content.decode()
    assert f'href="{url}"' in history

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "This publishes at once" in html
    assert "02999 999999" in html and "01000 000000" in html
    service.refresh_from_db()
    assert service.referral_phone == "02999 999999"  # asking changed nothing

    assert client.post(url).status_code == 302
    service.refresh_from_db()
    assert service.referral_phone == "01000 000000"


@pytest.mark.parametrize(("prefix", "says"), [
    ("", "It does not change where the service is based (its addresses), its waiting times or its "
         "organisation's details: they stay as they are now."),
    ("/cy", "Nid yw'n newid lle mae'r gwasanaeth wedi'i leoli (ei gyfeiriadau), ei amseroedd aros na "
            "manylion ei sefydliad: maent yn aros fel y maent nawr."),
])
def test_the_restore_page_says_what_restoring_leaves_as_it_is(client, moderator, service, prefix, says):
    """A version holds the listing's own fields and areas, not its locations: the page did not say so,
    and a moderator restoring to undo a move of address found the new address still there."""
    first = service.history.order_by("-history_id").first()
    client.force_login(moderator)
    page = client.get(prefix + reverse("listings:service_restore", args=[service.public_id, first.history_id]))
    assert page.status_code == 200
    assert says in html.unescape(page.content.decode())


def test_restoring_leaves_the_locations_as_they_are(client, moderator, service):
    """What the restore page says: a location added after the version restored stays."""
    first = service.history.order_by("-history_id").first()
    ServiceAtLocationFactory(service=service, location__name="New office")
    client.force_login(moderator)
    assert client.post(reverse("listings:service_restore", args=[service.public_id, first.history_id])).status_code == 302
    assert list(service.service_at_locations.values_list("location__name", flat=True)) == ["New office"]


def test_a_version_that_was_only_half_of_a_save_is_never_offered_for_restore(client, moderator, org, areas):
    # As listings were saved before (and loaders still may): the row, then its areas, a moment apart.
    from tests.factories import ServiceFactory

    service = ServiceFactory(organisation=org, name="Two-step", coverage=[])
    service.coverage_areas.set([areas["W06000015"]])
    half, whole = service.history.order_by("history_id")
    assert selectors.history_record_coverage_codes(half) == []
    services.service_edit(
        service=service, values=services.form_values_from_service(service, referral_phone="1"), by=moderator
    )
    client.force_login(moderator)
    html = client.get(reverse("listings:history", args=[service.public_id])).content.decode()
    restore_half = reverse("listings:service_restore", args=[service.public_id, half.history_id])
    restore_whole = reverse("listings:service_restore", args=[service.public_id, whole.history_id])
    assert restore_half not in html and restore_whole in html
    assert client.get(restore_half).status_code == 404
    assert client.post(restore_half).status_code == 404
    assert list(service.coverage_areas.values_list("code", flat=True)) == ["W06000015"]


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_version_that_approved_a_new_listing_says_it_was_published_not_that_nothing_changed(
    client, provider, moderator, org, service, language
):
    new = services.service_create(
        organisation=org, values=services.form_values_from_service(service, name_en="Brand new service"), by=provider,
    )
    services.change_approve(change=new.changes.get(), by=moderator)
    services.service_confirm(service=new, by=provider)  # a later version that changes no field either
    client.force_login(provider)
    with translation.override(language):
        page = html.unescape(client.get(reverse("listings:history", args=[new.public_id])).content.decode())
        published = gettext("Published: the public could see the listing from then.")
        no_change = gettext("No change to the listing's fields (e.g. only the date confirmed).")
    versions = page[page.index('id="version-1"'):page.index('id="waits"')].split('id="version-')[1:]
    assert len(versions) == 3  # confirmed, approved, created: newest first
    assert no_change in versions[0] and published not in versions[0]
    assert published in versions[1] and no_change not in versions[1]
    assert published not in versions[2]
