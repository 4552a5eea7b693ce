"""A provider says where their service is based. Withholding an address is public at once; nothing
that would newly publish an address or a map point is, until a moderator approves it."""

from __future__ import annotations

import html
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from directory.listings import fields, selectors, services
from directory.listings.forms import LOCATION_NAME_REQUIRED, LOCATION_POSTCODE_INVALID
from directory.models import Location, Service, ServiceAtLocation, ServiceChange
from tests.directory.listings.conftest import form_data
from tests.factories import ServiceAtLocationFactory, ServiceFactory

NEW_ADDRESS = {"name": "Bangor centre", "address_1": "9 Glanrafon", "city": "Bangor", "county": "Gwynedd",
               "postcode": "ll57 1lh"}

OFFICE = {"name": "Main office", "address_1": "1 High Street", "city": "Cardiff", "postcode": "CF10 1EP"}


def public_html(client, service: Service) -> str:
    client.logout()
    return client.get(reverse("directory:service_detail", args=[service.public_id])).content.decode()


def public_api(client, service: Service) -> str:
    client.logout()
    return client.get(f"/api/oruk/services/{service.public_id}").content.decode()


def approve(client, moderator, change: ServiceChange):
    client.force_login(moderator)
    detail = client.get(reverse("listings:change_detail", args=[change.pk]))
    response = client.post(reverse("listings:change_approve", args=[change.pk]),
                           {"seen_version": detail.context["seen_version"]})
    assert response.status_code == 302
    return detail


# Who may see and change the page.

@pytest.mark.parametrize(("role", "status"), [
    ("anonymous", 302), ("other_provider", 404), ("own_provider", 200), ("moderator", 200),
])
@pytest.mark.parametrize("name", ["listings:locations", "listings:location_add"])
def test_only_the_services_own_provider_or_a_moderator_may_see_its_locations(
    client_as, service, role, status, name
):
    response = client_as(role).get(reverse(name, args=[service.public_id]))

    assert response.status_code == status
    if role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("role", "status"), [("anonymous", 302), ("other_provider", 404)])
def test_another_provider_or_anonymous_cannot_change_or_remove_a_location(client_as, service, office, role, status):
    client = client_as(role)
    key = office.public_id

    changed = client.post(reverse("listings:location_edit", args=[service.public_id, key]),
                          {**NEW_ADDRESS, "do_not_publish_address": "on"})
    removed = client.post(reverse("listings:location_remove", args=[service.public_id, key]))

    assert (changed.status_code, removed.status_code) == (status, status)
    office.refresh_from_db()
    assert (office.address_1, office.do_not_publish_address) == ("1 High Street", False)
    assert ServiceAtLocation.objects.filter(service=service, location=office).exists()
    assert not ServiceChange.objects.exists()


def test_a_location_not_of_this_service_is_404(client, provider, service):
    elsewhere = ServiceAtLocationFactory(service=ServiceFactory(organisation=service.organisation)).location
    client.force_login(provider)

    response = client.get(reverse("listings:location_edit", args=[service.public_id, elsewhere.public_id]))

    assert response.status_code == 404


# Adding: never public before approval.

def test_a_new_location_is_not_public_until_a_moderator_approves_it(
    client, provider, moderator, service, office, bangor_postcode
):
    client.force_login(provider)
    response = client.post(reverse("listings:location_add", args=[service.public_id]), NEW_ADDRESS, follow=True)

    assert response.redirect_chain[-1][0] == reverse("listings:locations", args=[service.public_id])
    assert "Sent for approval" in response.content.decode()
    assert "Needs approval" in response.content.decode()
    assert list(service.service_at_locations.values_list("location__name", flat=True)) == ["Main office"]
    for page in (public_html(client, service), public_api(client, service)):
        assert "Glanrafon" not in page and "LL57" not in page and "53.2274" not in page
    change = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)
    assert [e["name"] for e in change.proposed[fields.LOCATIONS]] == ["Bangor centre", "Main office"]

    detail = approve(client, moderator, change)

    rows = [row for row in detail.context["rows"] if row.field == fields.LOCATIONS]
    assert "9 Glanrafon, Bangor, Gwynedd, LL57 1LH" in rows[0].added and not rows[0].removed
    added = Location.objects.get(name="Bangor centre")
    assert (added.organisation, added.postcode, added.latitude, added.longitude) == (
        service.organisation, "LL57 1LH", 53.2274, -4.1293)
    assert "9 Glanrafon" in public_html(client, service)
    assert "Glanrafon" in public_api(client, service)


def test_a_pending_location_survives_a_later_edit_of_the_listing(client, provider, service, office, bangor_postcode):
    client.force_login(provider)
    client.post(reverse("listings:location_add", args=[service.public_id]), NEW_ADDRESS)

    client.post(reverse("listings:service_edit", args=[service.public_id]), form_data(service, age_max="16"))

    change = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)
    assert change.proposed["age_max"] == "16.0"
    assert [e["name"] for e in change.proposed[fields.LOCATIONS]] == ["Bangor centre", "Main office"]


def test_a_location_sent_twice_is_listed_once(client, provider, service, office, bangor_postcode):
    """A second click while the first answer is on its way sends the add form again."""
    client.force_login(provider)
    url = reverse("listings:location_add", args=[service.public_id])
    assert client.post(url, NEW_ADDRESS).status_code == 302

    again = client.post(url, {**NEW_ADDRESS, "name": "BANGOR CENTRE", "postcode": "LL571LH"}, follow=True)

    assert "Bangor centre is already listed at this address, so it has not been added again." in again.content.decode()
    change = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)
    assert [e["name"] for e in change.proposed[fields.LOCATIONS]] == ["Bangor centre", "Main office"]


def test_a_second_location_at_the_same_address_with_another_name_is_added(
    client, provider, service, office, bangor_postcode,
):
    client.force_login(provider)
    url = reverse("listings:location_add", args=[service.public_id])
    client.post(url, NEW_ADDRESS)
    client.post(url, {**NEW_ADDRESS, "name": "Bangor group room"})
    change = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)
    assert [e["name"] for e in change.proposed[fields.LOCATIONS]] == ["Bangor centre", "Bangor group room", "Main office"]


# Changing and unticking: never public before approval; withholding at once.

def test_a_changed_address_is_not_public_until_approved(client, provider, moderator, service, office, bangor_postcode):
    client.force_login(provider)
    client.post(reverse("listings:location_edit", args=[service.public_id, office.public_id]), NEW_ADDRESS)

    office.refresh_from_db()
    assert (office.address_1, office.postcode, office.latitude) == ("1 High Street", "CF10 1EP", 51.4816)
    assert "Glanrafon" not in public_html(client, service)

    approve(client, moderator, ServiceChange.objects.get(state=ServiceChange.State.PENDING))

    office.refresh_from_db()
    assert (office.address_1, office.postcode, office.latitude, office.longitude) == (
        "9 Glanrafon", "LL57 1LH", 53.2274, -4.1293)


def test_withholding_an_address_is_public_at_once_and_renews_the_renderings(client, provider, service, office):
    token = Service.objects.get(pk=service.pk).render_token
    assert "1 High Street" in public_html(client, service)
    client.force_login(provider)
    data = {**OFFICE, "do_not_publish_address": "on"}

    response = client.post(reverse("listings:location_edit", args=[service.public_id, office.public_id]), data,
                           follow=True)

    assert "is no longer published" in response.content.decode()
    office.refresh_from_db()
    assert office.do_not_publish_address is True
    assert not ServiceChange.objects.exists()
    assert Service.objects.get(pk=service.pk).render_token != token
    for page in (public_html(client, service), public_api(client, service)):
        assert "1 High Street" not in page and "CF10 1EP" not in page


def test_showing_a_withheld_address_again_waits_for_approval(client, provider, moderator, service, office):
    office.do_not_publish_address = True
    office.save()
    client.force_login(provider)
    data = OFFICE

    client.post(reverse("listings:location_edit", args=[service.public_id, office.public_id]), data)

    office.refresh_from_db()
    assert office.do_not_publish_address is True
    assert "1 High Street" not in public_html(client, service)
    approve(client, moderator, ServiceChange.objects.get(state=ServiceChange.State.PENDING))
    assert "1 High Street" in public_html(client, service)


def test_withholding_with_a_new_address_withholds_now_and_never_publishes_the_new_one(
    client, provider, moderator, service, office, bangor_postcode
):
    client.force_login(provider)
    client.post(reverse("listings:location_edit", args=[service.public_id, office.public_id]),
                {**NEW_ADDRESS, "do_not_publish_address": "on"})

    office.refresh_from_db()
    assert (office.do_not_publish_address, office.address_1) == (True, "1 High Street")
    approve(client, moderator, ServiceChange.objects.get(state=ServiceChange.State.PENDING))
    office.refresh_from_db()
    assert (office.do_not_publish_address, office.address_1) == (True, "9 Glanrafon")
    assert "Glanrafon" not in public_html(client, service)


def test_an_address_withheld_after_a_change_was_sent_stays_withheld_when_it_is_approved(
    client, provider, moderator, service, office
):
    """The proposal lists the office as it stood, published. Withheld since (here through another
    service based there), approving the proposal must not show it again."""
    other = ServiceFactory(organisation=service.organisation, name="Other service")
    ServiceAtLocationFactory(service=other, location=office)
    client.force_login(provider)
    client.post(reverse("listings:location_edit", args=[service.public_id, office.public_id]),
                {**OFFICE, "name": "Main office (ground floor)"})
    change = ServiceChange.objects.get(state=ServiceChange.State.PENDING)
    client.post(reverse("listings:location_edit", args=[other.public_id, office.public_id]),
                {**OFFICE, "do_not_publish_address": "on"})
    assert ServiceChange.objects.get(state=ServiceChange.State.PENDING) == change  # this service's, unchanged

    approve(client, moderator, change)

    mine = Location.objects.get(service_at_locations__service=service)
    assert (mine.name, mine.do_not_publish_address) == ("Main office (ground floor)", True)
    for page in (public_html(client, service), public_api(client, service), public_html(client, other)):
        assert "1 High Street" not in page and "CF10 1EP" not in page


def test_an_address_withheld_after_the_service_was_unlinked_from_it_is_not_copied_out_published(
    client, provider, moderator, service, office
):
    """A moderator took the service off the office after the provider's change was sent, and the
    office was withheld since through another service: approving the change would make the service
    a copy of the office, as the change listed it, published."""
    other = ServiceFactory(organisation=service.organisation, name="Other service")
    ServiceAtLocationFactory(service=other, location=office)
    client.force_login(provider)
    client.post(reverse("listings:location_edit", args=[service.public_id, office.public_id]),
                {**OFFICE, "name": "Main office (ground floor)"})
    change = ServiceChange.objects.get(state=ServiceChange.State.PENDING)
    client.force_login(moderator)
    client.post(reverse("listings:location_remove", args=[service.public_id, office.public_id]))
    client.force_login(provider)
    client.post(reverse("listings:location_edit", args=[other.public_id, office.public_id]),
                {**OFFICE, "do_not_publish_address": "on"})

    approve(client, moderator, change)

    mine = Location.objects.get(service_at_locations__service=service)
    assert (mine.name, mine.do_not_publish_address) == ("Main office (ground floor)", True)
    assert "1 High Street" not in public_html(client, service) and "CF10 1EP" not in public_api(client, service)


def test_a_change_to_where_it_is_based_is_headed_so_in_the_queue_and_on_its_page(
    client, provider, moderator, service, office, bangor_postcode
):
    client.force_login(provider)
    client.post(reverse("listings:location_edit", args=[service.public_id, office.public_id]), NEW_ADDRESS)
    change = ServiceChange.objects.get(state=ServiceChange.State.PENDING)
    client.force_login(moderator)
    queue = client.get(reverse("listings:moderation")).content.decode()
    page = client.get(reverse("listings:change_detail", args=[change.pk])).content.decode()
    assert "Change to where it is based" in queue and "Change to referral details" not in queue
    assert f"Change to where it is based: {service.name}" in page
    change.proposed = {**change.proposed, "age_max": "12"}
    assert change.kind_label == "Change to referral details and where it is based"


def test_the_emails_about_a_change_to_where_it_is_based_name_it_so(
    client, provider, moderator, service, office, bangor_postcode, django_capture_on_commit_callbacks
):
    """Not "change to referral details": the provider changed none, and the moderator would look for some."""
    client.force_login(provider)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("listings:location_edit", args=[service.public_id, office.public_id]), NEW_ADDRESS)
    change = ServiceChange.objects.get(state=ServiceChange.State.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_reject(change=change, by=moderator, reason="The postcode is not the office's.")
    submitted, decided = mail.outbox
    assert submitted.body.startswith(f"Change to where it is based for {service.name} (Own organisation) is waiting")
    assert decided.body.startswith(f"Your change to where it is based for {service.name} was not approved.")
    assert "referral details" not in submitted.body + decided.body


def test_approving_a_change_only_to_locations_adds_no_empty_version_to_the_listings_history(
    client, provider, moderator, service, office, bangor_postcode
):
    client.force_login(provider)
    client.post(reverse("listings:location_edit", args=[service.public_id, office.public_id]), NEW_ADDRESS)
    versions = service.history.count()
    approve(client, moderator, ServiceChange.objects.get(state=ServiceChange.State.PENDING))
    assert service.history.count() == versions
    assert "9 Glanrafon" in public_html(client, service)  # the change itself is published


@pytest.mark.parametrize(("name", "says"), [
    ("Refuge, CF10 1EP", "Take the postcode out of the location"),
    ("Where my son Tom goes", "could identify a child or family"),
])
def test_a_location_name_holding_a_postcode_or_a_childs_name_is_refused(client, provider, service, name, says):
    """The name is published even when the address is withheld: a postcode in it would publish a refuge."""
    client.force_login(provider)
    response = client.post(reverse("listings:location_add", args=[service.public_id]),
                           {**OFFICE, "name": name, "do_not_publish_address": "on"})
    assert response.status_code == 200 and says in response.content.decode().replace("&#x27;", "'")
    assert not Location.objects.filter(name=name).exists() and not ServiceChange.objects.exists()


# A location shared by the organisation's services.

def test_changing_a_shared_location_leaves_the_other_service_at_the_old_address(
    client, provider, moderator, service, office, bangor_postcode
):
    other = ServiceFactory(organisation=service.organisation, name="Other service")
    ServiceAtLocationFactory(service=other, location=office)
    client.force_login(provider)
    client.post(reverse("listings:location_edit", args=[service.public_id, office.public_id]), NEW_ADDRESS)
    approve(client, moderator, ServiceChange.objects.get(state=ServiceChange.State.PENDING))

    office.refresh_from_db()
    assert office.address_1 == "1 High Street"
    assert list(other.service_at_locations.values_list("location", flat=True)) == [office.pk]
    mine = Location.objects.get(service_at_locations__service=service)
    assert (mine.pk != office.pk, mine.address_1, mine.latitude) == (True, "9 Glanrafon", 53.2274)


def test_removing_a_shared_location_keeps_it_for_the_other_service(client, provider, moderator, service, office):
    other = ServiceFactory(organisation=service.organisation, name="Other service")
    ServiceAtLocationFactory(service=other, location=office)
    client.force_login(provider)

    response = client.post(reverse("listings:location_remove", args=[service.public_id, office.public_id]),
                           follow=True)

    assert "To be removed once a moderator approves" in response.content.decode()
    assert service.service_at_locations.exists()  # not before approval
    approve(client, moderator, ServiceChange.objects.get(state=ServiceChange.State.PENDING))
    assert not service.service_at_locations.exists()
    assert list(other.service_at_locations.values_list("location", flat=True)) == [office.pk]


def test_withholding_a_shared_address_withholds_it_for_every_service_based_there(client, provider, service, office):
    other = ServiceFactory(organisation=service.organisation, name="Other service")
    ServiceAtLocationFactory(service=other, location=office)
    client.force_login(provider)

    client.post(reverse("listings:location_edit", args=[service.public_id, office.public_id]),
                {**OFFICE, "do_not_publish_address": "on"})

    assert "1 High Street" not in public_html(client, other)


# Moderators and listings not yet published change at once.

def test_a_moderators_change_is_published_at_once(client, moderator, service, office, bangor_postcode):
    client.force_login(moderator)

    client.post(reverse("listings:location_add", args=[service.public_id]), NEW_ADDRESS)

    assert not ServiceChange.objects.exists()
    assert "9 Glanrafon" in public_html(client, service)


def test_an_unpublished_listings_locations_change_at_once_and_the_moderator_sees_them(
    client, provider, moderator, org, bangor_postcode
):
    service = ServiceFactory(organisation=org, is_published=False)
    change = ServiceChange.objects.create(service=service, kind=ServiceChange.Kind.NEW)
    client.force_login(provider)

    client.post(reverse("listings:location_add", args=[service.public_id]), NEW_ADDRESS)

    assert service.service_at_locations.get().location.address_1 == "9 Glanrafon"
    client.force_login(moderator)
    rows = client.get(reverse("listings:change_detail", args=[change.pk])).context["rows"]
    assert any(row.field == fields.LOCATIONS and "9 Glanrafon" in row.after for row in rows)


@pytest.mark.parametrize("role", ["provider", "moderator"])
def test_saving_where_a_new_listing_is_based_does_not_say_it_is_published(
    client, request, role, org, bangor_postcode
):
    # A listing waiting for approval took its locations at once, and the page said "Saved and
    # published." while the public could see nothing of it.
    from directory.listings.views import NEW_LISTING_SAVED

    service = ServiceFactory(organisation=org, name="New service", is_published=False)
    ServiceChange.objects.create(service=service, kind=ServiceChange.Kind.NEW)
    client.force_login(request.getfixturevalue(role))
    said = NEW_LISTING_SAVED % {"name": "New service"}

    added = client.post(reverse("listings:location_add", args=[service.public_id]), NEW_ADDRESS, follow=True)
    assert [str(m) for m in added.context["messages"]] == [said]
    entry = selectors.service_location_entries(service=service)[0]
    removed = client.post(
        reverse("listings:location_remove", args=[service.public_id, entry["id"]]), follow=True,
    )
    assert [str(m) for m in removed.context["messages"]] == [said]
    assert not service.service_at_locations.exists()
    service.refresh_from_db()
    assert not service.is_published


# The postcode gives the point; the form says what is wrong and keeps what was typed.

def test_a_postcode_we_do_not_hold_saves_no_point_and_says_so(client, moderator, service):
    client.force_login(moderator)

    response = client.post(reverse("listings:location_add", args=[service.public_id]),
                           {**NEW_ADDRESS, "postcode": "SW1A 1AA"}, follow=True)

    assert "We could not find the postcode SW1A 1AA" in response.content.decode()
    location = Location.objects.get(name="Bangor centre")
    assert (location.postcode, location.latitude, location.longitude) == ("SW1A 1AA", None, None)


def test_a_point_never_comes_from_a_sectors_centre(db, bangor_postcode):
    from directory.models import PostcodeDistrict

    PostcodeDistrict.objects.create(prefix="LL57 1", latitude=53.2, longitude=-4.1)

    assert services.location_point("ll571lh").latitude == 53.2274
    assert services.location_point("LL57 1ZZ") is None  # lookup_postcode would give the sector's centre
    assert services.location_point("LL57 1") is None
    assert services.location_point("") is None


@pytest.mark.parametrize(("data", "field", "message"), [
    ({**NEW_ADDRESS, "name": " "}, "name", LOCATION_NAME_REQUIRED),
    ({**NEW_ADDRESS, "postcode": "LL57"}, "postcode", LOCATION_POSTCODE_INVALID),
    ({**NEW_ADDRESS, "postcode": "not a postcode"}, "postcode", LOCATION_POSTCODE_INVALID),
])
def test_the_form_says_what_is_wrong_and_keeps_what_was_typed(client, provider, service, data, field, message):
    client.force_login(provider)

    response = client.post(reverse("listings:location_add", args=[service.public_id]), data)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    assert "9 Glanrafon" in html and 'value="Gwynedd"' in html
    assert 'class="govuk-error-summary"' in html
    assert not ServiceChange.objects.exists() and not Location.objects.filter(name="Bangor centre").exists()


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("postcode", ["LL11", "LL11 1", "XYZ", "CF10 1EPXXXX", "not a postcode at all"])
def test_a_bad_postcode_says_the_same_words_in_the_summary_as_by_the_box(client, provider, service, postcode, language):
    # "LL11" was summarised as "Postcode: Enter a full postcode…", a postcode too long without the name.
    client.force_login(provider)
    with translation.override(language):
        response = client.post(reverse("listings:location_add", args=[service.public_id]),
                               {**NEW_ADDRESS, "postcode": postcode})
        expected = str(LOCATION_POSTCODE_INVALID)

    page = html.unescape(response.content.decode())
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S).group(1)
    assert [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", summary, re.S)] == [expected]
    by_the_box = re.search(r'<p id="id_postcode-error" class="govuk-error-message">(.*?)</p>', page, re.S).group(1)
    assert re.sub(r"<span[^>]*>.*?</span>", "", by_the_box).strip() == expected


def test_the_list_shows_the_proposal_over_the_live_locations(client, provider, service, office, bangor_postcode):
    client.force_login(provider)
    client.post(reverse("listings:location_add", args=[service.public_id]), NEW_ADDRESS)

    entries = selectors.service_location_entries_proposed(service=service)
    response = client.get(reverse("listings:locations", args=[service.public_id]))

    assert [row["waiting"] for row in response.context["rows"]] == [True, False]
    assert [row["entry"] for row in response.context["rows"]] == entries


def test_the_welsh_pages_are_in_welsh(client, provider, service, office):
    urls = [reverse(name, args=[service.public_id]) for name in ("listings:locations", "listings:location_add")]
    client.force_login(provider)

    listing = client.get("/cy" + urls[0]).content.decode()
    form = client.post("/cy" + urls[1], {**NEW_ADDRESS, "postcode": "LL57"}).content.decode()

    assert "Lle mae wedi'i leoli" in listing and "Ychwanegu lleoliad" in listing
    for english in ("Where it is based", "Add a location", "Needs approval", "Remove"):
        assert english not in listing, english
    assert "Rhowch god post llawn" in form and "Tref neu ddinas" in form
    for english in ("Enter a full postcode", "Town or city", "Do not publish this address"):
        assert english not in form, english


@pytest.mark.parametrize(("prefix", "expected"), [
    ("", ["Location name must be 200 characters or fewer. It has 250.",
          "Town or city must be 100 characters or fewer. It has 101."]),
    ("/cy", ["Enw'r lleoliad: rhaid iddo fod yn 200 o nodau neu lai. Mae ganddo 250.",
             "Tref neu ddinas: rhaid iddo fod yn 100 o nodau neu lai. Mae ganddo 101."]),
])
def test_an_over_long_name_or_town_says_its_limit_the_govuk_way_by_the_box_and_in_the_summary(
    client, provider, service, prefix, expected,
):
    # Django's "Ensure this value has at most 200 characters (it has 250)." before, named in the summary only.
    client.force_login(provider)
    response = client.post(prefix + reverse("listings:location_add", args=[service.public_id]),
                           {**NEW_ADDRESS, "name": "B" * 250, "city": "C" * 101})

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S).group(1)
    assert [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", summary, re.S)] == expected
    for box, message in zip(("id_name", "id_city"), expected, strict=True):
        by_the_box = re.search(rf'<p id="{box}-error" class="govuk-error-message">(.*?)</p>', page, re.S).group(1)
        assert re.sub(r"<span[^>]*>.*?</span>", "", by_the_box).strip() == message
    assert 'value="' + "B" * 250 + '"' in page  # kept to shorten
    assert not Location.objects.filter(city="C" * 101).exists() and not ServiceChange.objects.exists()


def test_a_location_removed_by_mistake_is_kept_with_one_click_before_a_moderator_decides(
    client, provider, service, office,
):
    """"Remove" takes one click and asks nothing; what it sent for approval was listed as "To be
    removed" with no way back but typing the location in again (a new location for the moderator)."""
    client.force_login(provider)
    page = client.post(reverse("listings:location_remove", args=[service.public_id, office.public_id]),
                       follow=True).content.decode()
    keep = reverse("listings:location_keep", args=[service.public_id, office.public_id])
    assert f'action="{keep}"' in page
    assert ServiceChange.objects.get(state=ServiceChange.State.PENDING).proposed == {fields.LOCATIONS: []}

    page = client.post(keep, follow=True).content.decode()

    assert "Main office will not be removed." in page
    assert "To be removed once a moderator approves" not in page
    assert not ServiceChange.objects.filter(state=ServiceChange.State.PENDING).exists()  # nothing left to approve
    assert service.service_at_locations.filter(location=office).exists()


def test_keeping_a_location_leaves_the_rest_of_the_proposal_waiting(client, provider, service, office, bangor_postcode):
    client.force_login(provider)
    client.post(reverse("listings:location_add", args=[service.public_id]), NEW_ADDRESS)
    client.post(reverse("listings:location_remove", args=[service.public_id, office.public_id]))
    client.post(reverse("listings:location_keep", args=[service.public_id, office.public_id]))
    proposed = ServiceChange.objects.get(state=ServiceChange.State.PENDING).proposed[fields.LOCATIONS]
    assert sorted(entry["name"] for entry in proposed) == ["Bangor centre", "Main office"]


@pytest.mark.parametrize(("role", "status"), [("anonymous", 302), ("other_provider", 404)])
def test_another_provider_or_anonymous_cannot_keep_a_location(client_as, service, office, role, status):
    response = client_as(role).post(reverse("listings:location_keep", args=[service.public_id, office.public_id]))
    assert response.status_code == status


def test_keeping_a_location_the_service_is_not_based_at_is_404(client, provider, service):
    other = ServiceAtLocationFactory(service=ServiceFactory(organisation=service.organisation)).location
    client.force_login(provider)
    assert client.post(reverse("listings:location_keep", args=[service.public_id, other.public_id])).status_code == 404


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_do_not_publish_hint_says_what_the_services_page_shows_of_a_withheld_location(
    client, provider, service, office, language
):
    # The hint said "the public sees the location’s name only": the service's page shows no name, only
    # that an address is not published (the open data gives the name).
    Location.objects.filter(pk=office.pk).update(do_not_publish_address=True)
    with translation.override(language):
        page = html.unescape(public_html(client, service))
        client.force_login(provider)
        form = html.unescape(client.get(reverse("listings:location_add", args=[service.public_id])).content.decode())
        withheld = translation.ngettext(
            "One address is not published, to keep the people who use it safe.",
            "%(counter)s addresses are not published, to keep the people who use them safe.", 1,
        )
    assert "Main office" not in page and withheld in page
    hint = re.search(r'id="id_do_not_publish_address-hint"[^>]*>([^<]*)<', form).group(1)
    says = {"en": "says only that an address is not published",
            "cy": "Dim ond dweud nad yw cyfeiriad wedi'i gyhoeddi y mae tudalen y gwasanaeth"}[language]
    assert says in hint
    assert "name only" not in hint and "dim ond enw" not in hint
    assert "Main office" in public_api(client, service)
