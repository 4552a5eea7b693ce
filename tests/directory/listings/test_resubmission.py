"""A provider whose change was not approved can see why on the edit page and send it again, fixed,
without typing it all again."""

from __future__ import annotations

import re
import uuid

from django.urls import reverse

from directory.listings import fields, services
from directory.models import Location, ServiceChange
from tests.directory.listings.conftest import form_data
from tests.factories import ServiceAtLocationFactory, ServiceFactory

REASON = "The second area is outside your reach: untick it, then send the rest again."


def _value_of(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]* name="{name}"[^>]*>', page).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def _checked(page: str, name: str) -> bool:
    return " checked" in re.search(rf'<input[^>]* name="{name}"[^>]*>', page).group(0)


def _reject_a_change(client, provider, moderator, service):
    client.force_login(provider)
    client.post(
        reverse("listings:service_edit", args=[service.public_id]),
        form_data(service, age_min="4.5", age_max="16", abuse_online=True, eligibility_cy="Plant yng Nghaerdydd.",
                  coverage_areas=["W06000015", "W06000022"]),
    )
    change = service.changes.get()
    services.change_reject(change=change, by=moderator, reason=REASON)
    return change


def test_the_edit_page_says_why_a_change_was_not_approved_and_offers_what_was_sent(
    client, provider, moderator, service
):
    # The dashboard showed the reason, but the edit page showed the live listing with no word of it:
    # the five changes sent were gone, to be typed again from memory.
    _reject_a_change(client, provider, moderator, service)
    client.force_login(provider)
    url = reverse("listings:service_edit", args=[service.public_id])
    dashboard = client.get(reverse("listings:dashboard")).content.decode()
    assert REASON in dashboard and f'href="{url}?from=rejected"' in dashboard
    page = client.get(url).content.decode()
    assert REASON in page
    assert f'href="{url}?from=rejected"' in page
    # Opened plainly the form holds the live listing: an unrelated edit does not send the rejected change again.
    assert (_value_of(page, "age_min"), _value_of(page, "age_max")) == ("4", "18")
    assert not _checked(page, "abuse_online")

    page = client.get(url + "?from=rejected").content.decode()
    assert (_value_of(page, "age_min"), _value_of(page, "age_max")) == ("4.5", "16")
    assert _checked(page, "abuse_online") and "Plant yng Nghaerdydd." in page
    assert "the changes you sent that were not approved" in page


def test_a_change_fixed_as_the_moderator_asked_is_sent_again_for_approval(client, provider, moderator, service):
    rejected = _reject_a_change(client, provider, moderator, service)
    client.force_login(provider)
    url = reverse("listings:service_edit", args=[service.public_id])
    assert client.get(url + "?from=rejected").status_code == 200
    # What the browser sends back: the proposal as shown, with the area the moderator questioned unticked.
    data = form_data(service, **{**rejected.proposed, "coverage_areas": ["W06000015"]})
    response = client.post(url + "?from=rejected", data)
    assert response.status_code == 302
    pending = service.changes.get(state=ServiceChange.State.PENDING)
    assert pending.proposed == {
        "abuse_online": True, "age_min": "4.5", "age_max": "16.0", "eligibility_cy": "Plant yng Nghaerdydd."
    }
    # Sent again, the page no longer offers the rejected one.
    page = client.get(url).content.decode()
    assert REASON not in page and f'href="{url}?from=rejected"' not in page


def test_no_rejection_is_offered_once_a_later_change_was_approved(client, provider, moderator, service):
    _reject_a_change(client, provider, moderator, service)
    client.force_login(provider)
    url = reverse("listings:service_edit", args=[service.public_id])
    client.post(url, form_data(service, age_max="17"))
    services.change_approve(change=service.changes.get(state=ServiceChange.State.PENDING), by=moderator)
    page = client.get(url + "?from=rejected").content.decode()
    assert REASON not in page and f'href="{url}?from=rejected"' not in page
    assert _value_of(page, "age_max") == "17" and not _checked(page, "abuse_online")


# Where the service is based: the rejected change's locations come back too, as safe as a new proposal.

LOCATION_REASON = "Say which floor the office is on, then send it again."
MOVED = {"name": "Main office", "address_1": "2 New Street", "city": "Cardiff", "postcode": "CF10 1EP"}
BANGOR = {"name": "Bangor centre", "address_1": "9 Glanrafon", "city": "Bangor", "county": "Gwynedd",
          "postcode": "LL57 1LH"}


def _page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode().replace("&#x27;", "'")).split())


def _reject_a_move(client, provider, moderator, service, office, *, with_fields: bool = True):
    """The provider sends a change of age range (if `with_fields`), moves the office and adds a
    Bangor centre; the moderator does not approve it."""
    client.force_login(provider)
    if with_fields:
        client.post(reverse("listings:service_edit", args=[service.public_id]), form_data(service, age_max="16"))
    client.post(reverse("listings:location_edit", args=[service.public_id, office.public_id]), MOVED)
    client.post(reverse("listings:location_add", args=[service.public_id]), BANGOR)
    change = service.changes.get(state=ServiceChange.State.PENDING)
    assert [e["name"] for e in change.proposed[fields.LOCATIONS]] == ["Bangor centre", "Main office"]
    services.change_reject(change=change, by=moderator, reason=LOCATION_REASON)
    return change


def _send_again(client, provider, service, rejected):
    client.force_login(provider)
    url = reverse("listings:service_edit", args=[service.public_id]) + "?from=rejected"
    fields_sent = {k: v for k, v in rejected.proposed.items() if k != fields.LOCATIONS}
    response = client.post(url, form_data(service, **fields_sent))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return service.changes.get(state=ServiceChange.State.PENDING)


def _approve(moderator, change):
    services.change_approve(change=change, by=moderator)


def test_starting_again_from_a_rejected_change_brings_back_where_it_is_based(
    client, provider, moderator, service, office, bangor_postcode
):
    # The form was refilled with the age range, but the office's move and the new centre were lost:
    # saving sent the age range alone, and the locations had to be typed again from memory.
    rejected = _reject_a_move(client, provider, moderator, service, office)
    client.force_login(provider)
    url = reverse("listings:service_edit", args=[service.public_id])
    page = _page_text(client.get(url + "?from=rejected"))
    assert "Saving also sends again the change you sent to where the service is based" in page
    assert "To add or change: Bangor centre, 9 Glanrafon, Bangor, Gwynedd, LL57 1LH " \
           "Main office, 2 New Street, Cardiff, CF10 1EP" in page
    assert "2 New Street" not in _page_text(client.get(url)), "offered, not filled in, when opened plainly"

    pending = _send_again(client, provider, service, rejected)

    assert pending.proposed == rejected.proposed  # the age range and the whole list of locations
    _approve(moderator, pending)
    based = {loc.name: loc for loc in Location.objects.filter(service_at_locations__service=service)}
    assert based["Main office"].address_1 == "2 New Street"
    assert (based["Bangor centre"].latitude, based["Bangor centre"].longitude) == (53.2274, -4.1293)


def test_a_change_only_to_where_it_is_based_is_sent_again_from_the_edit_page(
    client, provider, moderator, service, office, bangor_postcode
):
    rejected = _reject_a_move(client, provider, moderator, service, office, with_fields=False)
    pending = _send_again(client, provider, service, rejected)
    assert set(pending.proposed) == {fields.LOCATIONS}
    assert pending.proposed[fields.LOCATIONS] == rejected.proposed[fields.LOCATIONS]


def test_an_address_withheld_since_stays_withheld_when_sent_again_and_approved(
    client, provider, moderator, service, office, bangor_postcode
):
    # The rejected change lists the office as it stood, published. Sent again after it was withheld,
    # the new change would have asked to show it again, and approving it would have.
    rejected = _reject_a_move(client, provider, moderator, service, office)
    client.force_login(provider)
    client.post(reverse("listings:location_edit", args=[service.public_id, office.public_id]),
                {**MOVED, "address_1": "1 High Street", "do_not_publish_address": "on"})
    office.refresh_from_db()
    assert office.do_not_publish_address and not service.changes.filter(state=ServiceChange.State.PENDING).exists()
    page = _page_text(client.get(reverse("listings:service_edit", args=[service.public_id]) + "?from=rejected"))
    assert "Main office, 2 New Street, Cardiff, CF10 1EP (address not published)" in page

    pending = _send_again(client, provider, service, rejected)

    entry = next(e for e in pending.proposed[fields.LOCATIONS] if e["name"] == "Main office")
    assert entry["do_not_publish_address"] is True
    _approve(moderator, pending)
    office.refresh_from_db()
    assert (office.address_1, office.do_not_publish_address) == ("2 New Street", True)
    client.logout()
    public = client.get(reverse("directory:service_detail", args=[service.public_id])).content.decode()
    assert "2 New Street" not in public and "CF10 1EP" not in public


def test_a_location_shared_since_is_not_changed_for_the_other_service_when_sent_again(
    client, provider, moderator, service, office, bangor_postcode
):
    rejected = _reject_a_move(client, provider, moderator, service, office)
    other = ServiceFactory(organisation=service.organisation, name="Other service")
    ServiceAtLocationFactory(service=other, location=office)

    _approve(moderator, _send_again(client, provider, service, rejected))

    office.refresh_from_db()
    assert office.address_1 == "1 High Street"  # still the other service's address
    assert list(other.service_at_locations.values_list("location", flat=True)) == [office.pk]
    mine = Location.objects.get(service_at_locations__service=service, name="Main office")
    assert mine.pk != office.pk and mine.address_1 == "2 New Street"


def test_a_location_that_would_be_refused_now_is_not_sent_again_and_a_point_comes_only_from_a_postcode(
    client, provider, moderator, service, office
):
    # A change sent before a location's name was checked for a postcode, its entries carrying more
    # than a location's fields: the name is refused now, and a point only ever comes from a postcode we hold.
    kept = fields.location_entry(office)
    rejected = ServiceChange.objects.create(
        service=service, kind=ServiceChange.Kind.EDIT, submitted_by=provider, proposed={fields.LOCATIONS: [
            kept,
            {**kept, "id": str(uuid.uuid4()), "name": "Refuge CF10 1EP", "address_1": "", "postcode": ""},
            {**kept, "id": str(uuid.uuid4()), "name": "Outreach base", "address_1": "3 Side Street",
             "postcode": "SW1A 1AA", "latitude": 51.5, "longitude": -3.2},
        ]},
    )
    services.change_reject(change=rejected, by=moderator, reason=LOCATION_REASON)
    client.force_login(provider)
    page = _page_text(client.get(reverse("listings:service_edit", args=[service.public_id]) + "?from=rejected"))
    assert "Not sent again: Refuge CF10 1EP. Take the postcode out of the location's name" in page
    assert "To add or change: Outreach base, 3 Side Street, Cardiff, SW1A 1AA" in page

    url = reverse("listings:service_edit", args=[service.public_id]) + "?from=rejected"
    response = client.post(url, form_data(service), follow=True)
    assert "Not sent again: Refuge CF10 1EP." in _page_text(response)
    pending = service.changes.get(state=ServiceChange.State.PENDING)
    assert [e["name"] for e in pending.proposed[fields.LOCATIONS]] == ["Main office", "Outreach base"]
    assert all(set(e) == {"id", *fields.LOCATION_FIELDS} for e in pending.proposed[fields.LOCATIONS])

    _approve(moderator, pending)
    base = Location.objects.get(name="Outreach base")
    assert (base.postcode, base.latitude, base.longitude) == ("SW1A 1AA", None, None)
    assert not Location.objects.filter(name__startswith="Refuge").exists()


def test_the_locations_sent_again_are_said_in_welsh(client, provider, moderator, service, office, bangor_postcode):
    _reject_a_move(client, provider, moderator, service, office)
    client.force_login(provider)
    page = _page_text(client.get("/cy" + reverse("listings:service_edit", args=[service.public_id]) + "?from=rejected"))
    assert "Mae cadw hefyd yn anfon eto'r newid a anfonoch i'r lle mae'r gwasanaeth wedi'i leoli" in page
    assert "I'w ychwanegu neu ei newid: Bangor centre" in page
    assert "Saving also sends again" not in page


def test_the_rejection_email_links_to_the_page_where_the_change_is_fixed_and_sent_again(
    client, provider, moderator, service, django_capture_on_commit_callbacks
):
    # The email linked to the dashboard, one click and a scroll away from "Fix it and send it again".
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        _reject_a_change(client, provider, moderator, service)
    edit = reverse("listings:service_edit", args=[service.public_id])
    link = re.search(r"Fix it and send it again: \S+?(/manage/\S+)", mail.outbox[-1].body).group(1)
    assert link == f"{edit}?from=rejected"
    # The link opens the form filled with what was sent.
    client.force_login(provider)
    assert "the changes you sent that were not approved" in client.get(link).content.decode()


def test_the_email_rejecting_a_new_listing_links_to_its_edit_page(
    client, provider, moderator, org, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tests.factories import UnpublishedServiceFactory

    listing = UnpublishedServiceFactory(organisation=org)
    change = ServiceChange.objects.create(service=listing, kind=ServiceChange.Kind.NEW, submitted_by=provider)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_reject(change=change, by=moderator, reason=REASON)
    body = mail.outbox[-1].body
    assert reverse("listings:service_edit", args=[listing.public_id]) in body
    assert "from=rejected" not in body


def test_the_edit_page_of_a_new_listing_that_was_not_approved_says_why_and_that_saving_sends_it_again(
    client, provider, moderator, org, areas
):
    # The dashboard's "Fix the change … that was not approved" and the email led to the listing's edit
    # page, which said nothing of the rejection: the provider was to fix what the moderator asked
    # without being told what that was, and saving said only "changes to who can be referred" wait.
    from tests.factories import UnpublishedServiceFactory

    listing = UnpublishedServiceFactory(organisation=org, name="Second service", coverage=[areas["W06000015"]])
    change = ServiceChange.objects.create(service=listing, kind=ServiceChange.Kind.NEW, submitted_by=provider)
    services.change_reject(change=change, by=moderator, reason=REASON)
    client.force_login(provider)
    url = reverse("listings:service_edit", args=[listing.public_id])
    for address in (url, url + "?from=rejected"):
        page = client.get(address).content.decode()
        assert REASON in page
        assert "Your new listing was not approved on" in page
        assert "then save to send it for approval again" in page

    response = client.post(url, form_data(listing, coverage_areas=["W06000015", "W06000022"]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("listings:dashboard")
    assert "Saved. The public will see Second service once a moderator approves it." in response.content.decode()
    again = listing.changes.get(state=ServiceChange.State.PENDING)
    assert again.kind == ServiceChange.Kind.NEW
    # Sent again, the edit page no longer says it was not approved.
    assert REASON not in client.get(url).content.decode()
