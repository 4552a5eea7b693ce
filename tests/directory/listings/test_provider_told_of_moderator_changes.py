"""A provider keeps their listing: when a moderator changes it, or puts back an earlier version, its
provider is emailed what changed (named as the change and history pages name it), by whom (a
moderator: no email names a person) and where to see it. Not the moderator who made the change."""

from __future__ import annotations

import html
from datetime import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from directory.accounts.services import account_language_set
from directory.listings import fields, selectors, services
from tests.directory.listings.conftest import form_data
from tests.factories import MembershipFactory, UnpublishedServiceFactory, UserFactory


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def edit(service, by, **changes):
    return services.service_edit(service=service, values=services.form_values_from_service(service, **changes), by=by)


def test_a_moderators_edit_is_emailed_to_the_provider_naming_the_fields(provider, moderator, service, sent):
    with sent():
        edit(service, moderator, referral_phone="02999 999999", age_max=16, coverage_areas=["W06000001"])
    [email] = mail.outbox
    assert (email.subject, email.to) == ("A moderator changed Own service", ["own@example.org"])
    assert "A moderator has changed the listing of Own service (Own organisation)." in email.body
    # As the change and history pages label them, not field ids.
    for label in ("Oldest age (years)", "Referral phone", "Areas it takes referrals from"):
        assert f"\n- {label}\n" in email.body
    assert "age_max" not in email.body and "referral_phone" not in email.body
    assert f"See the listing: http://127.0.0.1:8000/services/{service.public_id}/" in email.body
    assert f"http://127.0.0.1:8000/manage/services/{service.public_id}/history/" in email.body
    assert "mod@example.org" not in email.body  # a role, not a person
    assert "02999 999999" not in email.body  # the values are on the history page, behind sign-in


def test_the_fields_are_listed_in_the_order_the_form_shows_them(provider, moderator, service, sent):
    order = (*fields.EDITABLE_FIELDS, fields.LOCATIONS)
    with sent():
        edit(service, moderator, referral_phone="02999 999999", age_max=16, coverage_areas=["W06000001"])
    listed = mail.outbox[0].body.split("What changed:\n")[1].split("\n\n")[0].splitlines()
    expected = [f"- {fields.field_label(f)}" for f in sorted(["referral_phone", "age_max", fields.COVERAGE],
                                                                key=order.index)]
    assert listed == expected


def test_a_restore_is_emailed_to_the_provider_with_the_versions_date(provider, moderator, service, sent):
    original = service.history.order_by("-history_id").first()
    edit(service, provider, referral_phone="02999 999999")
    with sent():
        services.service_restore(service=service, record=original, by=moderator)
    [email] = mail.outbox
    assert (email.subject, email.to) == ("A moderator restored an earlier version of Own service", ["own@example.org"])
    when = timezone.localtime(original.history_date)
    assert f"back as it was on {when.day} {when:%B %Y, %H:%M}." in email.body
    assert "What changed:\n- Referral phone\n" in email.body


def test_the_provider_is_written_to_in_their_language(provider, moderator, service, sent):
    account_language_set(user=provider, language="cy")
    with sent():
        edit(service, moderator, referral_phone="02999 999999")
    [email] = mail.outbox
    assert email.subject == "Mae cymedrolwr wedi newid Own service"
    assert "A moderator" not in email.body
    assert "Beth newidiodd:\n- Ffôn atgyfeirio\n" in email.body
    assert f"http://127.0.0.1:8000/cy/manage/services/{service.public_id}/history/" in email.body


def test_a_moderators_change_to_where_it_is_based_is_emailed(provider, moderator, service, office, sent):
    entries = [{**fields.location_entry(office), "name": "New office"}]
    with sent():
        services.service_locations_update(service=service, locations=entries, by=moderator)
    [email] = mail.outbox
    assert "What changed:\n- Where it is based\n" in email.body


def test_one_save_changing_several_locations_is_one_email(provider, moderator, service, office, sent):
    """A guard, not a fix: the list is saved whole, so one save is one email however much it changed."""
    second = {**fields.location_entry(office), "id": "00000000-0000-0000-0000-000000000002",
              "name": "Second office", "postcode": "CF10 1EQ"}
    entries = [{**fields.location_entry(office), "name": "New office"}, second]
    with sent():
        services.service_locations_update(service=service, locations=entries, by=moderator)
    assert sorted(e["name"] for e in selectors.service_location_entries(service=service)) == [
        "New office", "Second office"]
    [email] = mail.outbox
    assert email.body.count("- Where it is based\n") == 1


def test_the_moderator_who_made_the_change_is_not_emailed_about_it(provider, moderator, service, org, sent):
    MembershipFactory(user=moderator, organisation=org)
    with sent():
        edit(service, moderator, referral_phone="02999 999999")
    assert [m.to for m in mail.outbox] == [["own@example.org"]]


def test_nobody_is_emailed_about_their_own_edit_or_an_edit_that_changes_nothing(provider, moderator, service, sent):
    with sent():
        edit(service, provider, referral_phone="02999 999999")  # published at once, by its provider
        service.refresh_from_db()
        edit(service, moderator)  # nothing changed
    assert [m.subject for m in mail.outbox] == []


def test_a_listing_not_yet_published_is_not_emailed_about(provider, moderator, org, sent):
    waiting = UnpublishedServiceFactory(organisation=org, name="Waiting service")
    with sent():
        edit(waiting, moderator, referral_phone="02999 999999")
    assert mail.outbox == []


def test_an_organisation_without_an_account_emails_nobody(moderator, areas, sent):
    from tests.factories import ServiceFactory

    orphan = ServiceFactory(name="Orphan service", coverage=[areas["W06000015"]])
    UserFactory(username="elsewhere@example.org", email="elsewhere@example.org")
    with sent():
        edit(orphan, moderator, referral_phone="02999 999999")
    assert mail.outbox == []


def test_the_restore_date_is_written_in_the_readers_language(provider, moderator, service, sent):
    account_language_set(user=provider, language="cy")
    with time_machine.travel(timezone.make_aware(datetime(2026, 3, 5, 9, 30)), tick=False):
        edit(service, provider, referral_phone="02111 111111")
    version = service.history.order_by("-history_id").first()
    edit(service, provider, referral_phone="02999 999999")
    with sent():
        services.service_restore(service=service, record=version, by=moderator)
    assert "5 Mawrth 2026, 09:30" in mail.outbox[0].body


def restore_page(client, moderator, service, prefix=""):
    first = service.history.order_by("-history_id").first()
    edit(service, moderator, referral_phone="02999 999999")
    client.force_login(moderator)
    page = client.get(prefix + reverse("listings:service_restore", args=[service.public_id, first.history_id]))
    assert page.status_code == 200
    return html.unescape(page.content.decode())


@pytest.mark.parametrize(("prefix", "says"), [
    ("", "Its provider is emailed to say that a moderator restored an earlier version, and which details changed."),
    ("/cy", "Anfonir e-bost at ei ddarparwr i ddweud bod cymedrolwr wedi adfer fersiwn gynharach"),
])
def test_the_restore_page_tells_the_moderator_the_provider_will_be_emailed(client, provider, moderator, service,
                                                                           prefix, says):
    assert says in restore_page(client, moderator, service, prefix)


def test_the_restore_page_promises_no_email_when_there_is_nobody_to_tell(client, moderator, service):
    assert 'id="provider-told"' not in restore_page(client, moderator, service)


def test_a_moderators_save_says_the_provider_is_emailed(client, provider, moderator, service, sent):
    client.force_login(moderator)
    with sent():
        response = client.post(reverse("listings:service_edit", args=[service.public_id]),
                               form_data(service, referral_phone="02999 999999"), follow=True)
    assert "Saved and published. Its provider is emailed to say what changed." in response.content.decode()
    assert [m.to for m in mail.outbox] == [["own@example.org"]]


def test_a_moderators_save_of_a_listing_with_nobody_to_tell_promises_no_email(client, moderator, service):
    client.force_login(moderator)
    response = client.post(reverse("listings:service_edit", args=[service.public_id]),
                           form_data(service, referral_phone="02999 999999"), follow=True)
    page = response.content.decode()
    assert "Saved and published." in page and "Its provider is emailed" not in page
