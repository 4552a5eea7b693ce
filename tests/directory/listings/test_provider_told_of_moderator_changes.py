"""A provider keeps their listing: when a moderator changes it, or puts back an earlier version, its
provider is emailed what changed (named as the change and history pages name it), by whom (a
moderator: no email names a person) and where to see it. Not the moderator who made the change."""

from __future__ import annotations

import html
import smtplib
from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from directory.accounts.services import account_language_set
from directory.listings import fields, selectors, services
from directory.models import ModeratorChangeNotice, Service
from tests.directory.listings.conftest import form_data
from tests.factories import MembershipFactory, ServiceFactory, UnpublishedServiceFactory, UserFactory


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
    assert f"{escape(service.name)}: saved and published. Its provider is emailed to say what changed." in (
        response.content.decode())
    assert [m.to for m in mail.outbox] == [["own@example.org"]]


def test_a_moderators_save_of_a_listing_with_nobody_to_tell_promises_no_email(client, moderator, service):
    client.force_login(moderator)
    response = client.post(reverse("listings:service_edit", args=[service.public_id]),
                           form_data(service, referral_phone="02999 999999"), follow=True)
    page = response.content.decode()
    assert f"{escape(service.name)}: saved and published." in page and "Its provider is emailed" not in page


def wait_page_save(client, user, service, *, weeks, prefix=""):
    client.force_login(user)
    response = client.post(prefix + reverse("listings:wait_update", args=[service.public_id]),
                           {"weeks": weeks, "referrals_open": "yes"}, follow=True)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(("prefix", "says"), [
    ("", "Its listing now says it is taking referrals, with a wait of 12 weeks. "
         "Its provider is emailed to say what changed."),
    ("/cy", "Anfonir e-bost at ei ddarparwr i ddweud beth newidiodd."),
])
def test_a_moderators_wait_save_says_the_provider_is_emailed(client, provider, moderator, service, sent, prefix,
                                                             says):
    with sent():
        page = wait_page_save(client, moderator, service, weeks=12, prefix=prefix)
    assert says in page
    assert [m.to for m in mail.outbox] == [["own@example.org"]]


def test_a_wait_save_held_for_the_next_email_says_the_provider_is_emailed(client, provider, moderator, service,
                                                                          sent):
    with sent():
        services.wait_update(service=service, weeks=9, referrals_open=True, by=moderator)
    with sent():
        page = wait_page_save(client, moderator, service, weeks=12)
    assert "Its provider is emailed to say what changed." in page
    assert len(mail.outbox) == 1 and ModeratorChangeNotice.objects.filter(emailed_at=None).count() == 1  # held


@pytest.mark.parametrize("who", ["the same wait again", "a listing with nobody to tell", "its provider"])
def test_a_wait_save_that_emails_nobody_does_not_say_it_does(client, provider, moderator, service, areas, sent, who):
    user, weeks = moderator, 12
    if who == "the same wait again":
        weeks = 6
    elif who == "a listing with nobody to tell":
        service = ServiceFactory(name="Orphan service", wait_weeks=6)
    else:
        user = provider
    with sent():
        page = wait_page_save(client, user, service, weeks=weeks)
    assert f"Wait for {service.name} updated as of today." in page
    assert "is emailed" not in page and mail.outbox == []


def contact_page_save(client, user, org, *, prefix=""):
    client.force_login(user)
    data = {field: getattr(org, field) or "" for field in fields.ORGANISATION_CONTACT_FIELDS}
    data |= {"opened_version": services.organisation_version(org) or 0, "phone": "029 2000 0000"}
    response = client.post(prefix + reverse("listings:organisation_contact", args=[org.public_id]), data, follow=True)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(("prefix", "says"), [
    ("", "Contact details of Own organisation saved and published. Its editors are emailed to say what changed."),
    ("/cy", "Anfonir e-bost at ei olygyddion i ddweud beth newidiodd."),
])
def test_a_moderators_contact_details_save_says_the_editors_are_emailed(client, provider, moderator, org, sent,
                                                                       prefix, says):
    with sent():
        page = contact_page_save(client, moderator, org, prefix=prefix)
    assert says in page
    assert [m.to for m in mail.outbox] == [["own@example.org"]]


@pytest.mark.parametrize("who", ["an organisation with nobody to tell", "its provider"])
def test_a_contact_details_save_that_emails_nobody_does_not_say_it_does(client, provider, moderator, org, sent, who):
    user = provider if who == "its provider" else moderator
    if who == "an organisation with nobody to tell":
        org = ServiceFactory(name="Orphan service").organisation
    with sent():
        page = contact_page_save(client, user, org)
    assert f"Contact details of {org.name} saved and published." in page
    assert "is emailed" not in page and "are emailed" not in page and mail.outbox == []


# --- One email per piece of moderator work, and every change to what the public sees told ---------

def locations_save(service, moderator, office, name):
    entries = [{**fields.location_entry(office), "name": name}]
    services.service_locations_update(service=service, locations=entries, by=moderator)


def morning_run() -> None:
    call_command("send_review_requests", stdout=StringIO())


def test_three_location_saves_by_a_moderator_are_one_email(provider, moderator, service, office, sent):
    for name in ("Office one", "Office two", "Office three"):
        with sent():  # each its own request, committed
            locations_save(service, moderator, office, name)
    [email] = mail.outbox
    assert email.subject == "A moderator changed Own service"
    assert email.body.count("- Where it is based\n") == 1


def test_changes_held_after_an_email_go_together_in_the_mornings_run_once(provider, moderator, service, office,
                                                                          sent):
    with sent():
        locations_save(service, moderator, office, "Office one")
    mail.outbox.clear()
    with sent():
        locations_save(service, moderator, office, "Office two")
        services.wait_update(service=service, weeks=9, referrals_open=True, by=moderator)
    with sent():
        edit(service, moderator, referral_phone="02999 999999")
    assert mail.outbox == []  # held: an email went a moment ago
    morning_run()
    [email] = mail.outbox
    assert (email.subject, email.to) == ("A moderator changed Own service", ["own@example.org"])
    assert "What changed:\n- Referral phone\n- Where it is based\n- Waiting time\n\n" in email.body
    mail.outbox.clear()
    morning_run()
    assert mail.outbox == []  # told once


def test_after_the_quiet_while_the_next_change_is_emailed_at_once_with_those_held(provider, moderator, service,
                                                                                  office, sent):
    start = timezone.now()
    with time_machine.travel(start, tick=False), sent():
        locations_save(service, moderator, office, "Office one")
    with time_machine.travel(start + timedelta(minutes=5), tick=False), sent():
        locations_save(service, moderator, office, "Office two")
    with time_machine.travel(start + services.MODERATOR_CHANGES_QUIET_FOR + timedelta(minutes=1), tick=False), sent():
        edit(service, moderator, referral_phone="02999 999999")
    first, second = mail.outbox
    assert "What changed:\n- Referral phone\n- Where it is based\n\n" in second.body


def test_provider_gets_email_for_moderator_wait_change(provider, moderator, service, sent):
    with sent():
        services.wait_update(service=service, weeks=12, referrals_open=True, by=moderator)
    [email] = mail.outbox
    assert (email.subject, email.to) == ("A moderator changed Own service", ["own@example.org"])
    assert "What changed:\n- Waiting time\n" in email.body
    assert "12 week" not in email.body  # the listing shows it


def test_a_moderator_giving_the_same_wait_again_or_a_providers_own_wait_emails_nobody(provider, moderator, service,
                                                                                      sent):
    with sent():
        services.wait_update(service=service, weeks=6, referrals_open=True, by=moderator)  # as shown: verified
        services.wait_update(service=service, weeks=8, referrals_open=True, by=provider)
    assert mail.outbox == []


def test_a_moderator_closing_referrals_is_emailed_in_welsh_to_a_welsh_reader(provider, moderator, service, sent):
    account_language_set(user=provider, language="cy")
    with sent():
        services.wait_update(service=service, weeks=6, referrals_open=False, by=moderator)
    [email] = mail.outbox
    assert "Beth newidiodd:\n- Amser aros\n" in email.body


def test_a_moderators_change_to_the_organisations_contact_details_is_emailed(provider, moderator, org, service,
                                                                            sent):
    with sent():
        services.organisation_contact_update(organisation=org, values={"phone": "029 2000 0000", "website":
                                             "https://own.example.org"}, by=moderator)
    [email] = mail.outbox
    assert (email.subject, email.to) == ("A moderator changed the contact details of Own organisation",
                                         ["own@example.org"])
    assert "What changed:\n- Phone number\n- Website\n\n" in email.body
    assert f"See them: http://127.0.0.1:8000/manage/organisations/{org.public_id}/contact/" in email.body
    assert "029 2000 0000" not in email.body


def test_a_providers_own_contact_details_email_nobody(provider, org, sent):
    with sent():
        services.organisation_contact_update(organisation=org, values={"phone": "029 2000 0000"}, by=provider)
    assert mail.outbox == []


def test_a_moderators_plain_confirmation_emails_nobody(provider, moderator, service, sent):
    with sent():
        services.service_confirm(service=service, by=moderator)
    assert mail.outbox == []


def test_a_moderator_confirming_facts_an_import_left_unsaid_is_emailed_with_the_edit_once(
    provider, moderator, service, sent,
):
    Service.objects.filter(pk=service.pk).update(unstated_by_import=["age_min", "age_max"])
    service.refresh_from_db()
    with sent():
        services.service_edit(service=service, by=moderator, confirm=True,
                              values=services.form_values_from_service(service, referral_phone="02999 999999"))
    [email] = mail.outbox
    assert "What changed:\n- Youngest age (years)\n- Oldest age (years)\n- Referral phone\n\n" in email.body


def test_changes_to_several_listings_and_the_contact_details_are_one_email(provider, moderator, org, service, areas,
                                                                           sent):
    ServiceFactory(organisation=org, name="Second service", coverage=[areas["W06000015"]])
    second = Service.objects.get(name="Second service")
    with sent():
        services.organisation_contact_update(organisation=org, values={"phone": "029 2000 0000"}, by=moderator)
        edit(service, moderator, referral_phone="02999 999999")
        edit(second, moderator, referral_phone="02888 888888")
    [email] = mail.outbox
    assert email.subject == "A moderator changed the listings of Own organisation"
    body = email.body
    assert body.index("The organisation's contact details\nWhat changed:\n- Phone number\n") \
        < body.index("Own service\nWhat changed:\n- Referral phone\n") \
        < body.index("Second service\nWhat changed:\n- Referral phone\n")


def _refuse(*args, **kwargs):
    raise smtplib.SMTPServerDisconnected("gone")


def test_changes_whose_email_did_not_go_are_told_by_the_next(provider, moderator, service, office, sent,
                                                            monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr("directory.mail.send_mail", _refuse)
        with sent():
            locations_save(service, moderator, office, "Office one")  # saved all the same
    assert mail.outbox == []
    assert ModeratorChangeNotice.objects.get().emailed_at is None  # recorded only once sent
    with sent():
        edit(service, moderator, referral_phone="02999 999999")
    [email] = mail.outbox
    assert "What changed:\n- Referral phone\n- Where it is based\n\n" in email.body
