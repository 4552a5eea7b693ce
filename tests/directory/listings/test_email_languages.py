"""Every email is written in its reader's language (their account's choice), whatever the language
of the page or job that sends it: Welsh words, Welsh dates and /cy/ links for an account that chose
Welsh, English for one that chose English, both (Welsh first) for one that has not chosen or an
invitation whose reader the moderator does not know. Several readers: one message per language."""

from __future__ import annotations

import html
import re
import threading
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from directory.accounts.models import AccountSettings, Invitation
from directory.accounts.services import account_language_set, moderator_create
from directory.listings import services
from directory.mail import BACKGROUND_THREAD_NAME
from directory.mail_language import ENGLISH_BELOW
from directory.models import ServiceChange
from tests.factories import MembershipFactory, OrganisationFactory, ServiceFactory, UserFactory

SITE = "https://servicemap.example.org"
PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["servicemap.example.org", "testserver"]


def account(email: str, language: str | None, *, moderator: bool = False, organisation=None):
    """An account that chose `language` ("cy", "en") or, with None, never chose."""
    if moderator:
        user = moderator_create(email=email, password=PASSWORD).user
    else:
        user = UserFactory(username=email, email=email)
    if organisation is not None:
        MembershipFactory(user=user, organisation=organisation)
    if language is not None:
        account_language_set(user=user, language=language)
    return user


def to(address: str):
    [message] = [m for m in mail.outbox if address in m.to]
    return message


def links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


def assert_welsh(message, *, subject: str, words: str) -> None:
    assert message.subject == subject
    assert words in message.body
    assert "Hello" not in message.body and ENGLISH_BELOW not in message.body
    assert links(message) and all(link.startswith(f"{SITE}/cy/") for link in links(message)), links(message)


def assert_english(message, *, subject: str, words: str) -> None:
    assert message.subject == subject
    assert words in message.body
    assert "Helo" not in message.body
    assert links(message) and not any("/cy/" in link for link in links(message)), links(message)


# Invitations: no account yet, so the moderator says which language (both, Welsh first, unless known).

def invite(client, language: str | None, *, page: str = "", django_capture_on_commit_callbacks) -> None:
    data = {"email": "new@example.org", "new_organisation": "Invited trust"}
    if language is not None:
        data["language"] = language
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page + reverse("accounts:invite"), data)
    assert response.status_code == 302


@pytest.fixture
def moderator_client(client, db):
    client.force_login(account("mod@example.org", "en", moderator=True))
    return client


def test_an_invitation_the_moderator_sends_in_welsh_from_an_english_page_is_in_welsh(
        moderator_client, django_capture_on_commit_callbacks):
    invite(moderator_client, "cy", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert_welsh(to("new@example.org"), subject="Fe'ch gwahoddir i gadw cofnodion Invited trust yn gyfredol",
                 words="Helo,")
    assert "/cy/accounts/invitation/" in to("new@example.org").body


def test_an_invitation_sent_in_english_from_a_welsh_page_is_in_english(
        moderator_client, django_capture_on_commit_callbacks):
    invite(moderator_client, "en", page="/cy", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert_english(to("new@example.org"), subject="You are invited to keep Invited trust's listings up to date",
                   words="Hello,")


def test_an_invitation_to_someone_whose_language_is_not_known_is_in_both_welsh_first(
        moderator_client, django_capture_on_commit_callbacks):
    page = moderator_client.get(reverse("accounts:invite")).content.decode()
    assert re.search(r'value="both" checked', page), "both, Welsh first, is the form's default"

    invite(moderator_client, None, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    message = to("new@example.org")
    assert message.subject == ("Fe'ch gwahoddir i gadw cofnodion Invited trust yn gyfredol / "
                               "You are invited to keep Invited trust's listings up to date")
    body = message.body
    assert body.startswith(ENGLISH_BELOW)
    assert body.index("Helo,") < body.index("Hello,")
    welsh_link, english_link = [link for link in links(message) if "/accounts/invitation/" in link]
    assert welsh_link.startswith(f"{SITE}/cy/accounts/invitation/")
    assert english_link.startswith(f"{SITE}/accounts/invitation/")


@pytest.mark.parametrize("form_language", [None, "en"])
def test_an_invitation_to_an_account_that_chose_welsh_is_in_welsh_only(
        moderator_client, django_capture_on_commit_callbacks, form_language):
    # A provider invited to a second organisation got Welsh and English, though they had chosen Welsh.
    account("New@example.org", "cy", organisation=OrganisationFactory(name="First trust"))
    invite(moderator_client, form_language, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert_welsh(to("new@example.org"), subject="Fe'ch gwahoddir i gadw cofnodion Invited trust yn gyfredol",
                 words="Mae gennych gyfrif ar servicemap eisoes")


def test_an_invitation_to_an_account_that_chose_english_is_in_english_from_a_welsh_page(
        moderator_client, django_capture_on_commit_callbacks):
    account("new@example.org", "en")
    invite(moderator_client, None, page="/cy", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert_english(to("new@example.org"), subject="You are invited to keep Invited trust's listings up to date",
                   words="You already have an account on servicemap")


def test_an_invitation_to_an_account_that_never_chose_is_in_the_moderators_choice(
        moderator_client, django_capture_on_commit_callbacks):
    account("new@example.org", None)
    invite(moderator_client, None, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert to("new@example.org").body.startswith(ENGLISH_BELOW)


@pytest.mark.parametrize(("page", "hint"), [
    ("", "If they already have an account with a language chosen for its emails, the invitation is in that "
         "language instead."),
    ("/cy", "Os oes ganddyn nhw gyfrif eisoes sydd wedi dewis iaith ar gyfer ei e-byst, bydd y gwahoddiad yn yr "
            "iaith honno yn lle hynny."),
])
def test_the_invitation_form_says_an_existing_accounts_own_language_wins(moderator_client, page, hint):
    # The hint said only "They choose their own when they accept": a moderator choosing English for
    # someone whose account had chosen Welsh saw no hint that the invitation would go in Welsh.
    form = moderator_client.get(page + reverse("accounts:invite")).content.decode()
    described = re.search(r'<fieldset class="govuk-fieldset" aria-describedby="([^"]+)"', form)
    hint_id = re.search(rf'<div id="([^"]+)" class="govuk-hint">[^<]*{re.escape(hint)}', html.unescape(form))
    assert hint_id and described and hint_id.group(1) in described.group(1).split()


def test_an_unknown_invitation_language_is_refused_and_nothing_is_sent(moderator_client):
    response = moderator_client.post(reverse("accounts:invite"), {
        "email": "new@example.org", "new_organisation": "Invited trust", "language": "fr"})
    assert response.status_code == 200
    assert "Choose the language of the invitation from the list." in response.content.decode()
    assert not Invitation.objects.exists() and mail.outbox == []


def accept_path() -> str:
    line = next(line for line in mail.outbox[-1].body.splitlines() if "/accounts/invitation/" in line)
    return line[line.index("/accounts/"):].strip()


@pytest.mark.parametrize(("page", "language"), [("/cy", "cy"), ("", "en")])
def test_accepting_an_invitation_offers_the_page_s_language_and_keeps_the_choice(
        moderator_client, django_capture_on_commit_callbacks, page, language):
    invite(moderator_client, None, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    moderator_client.logout()
    form = moderator_client.get(page + accept_path()).content.decode()
    assert re.search(rf'name="language" type="radio" value="{language}" checked', form)

    other = "en" if language == "cy" else "cy"
    moderator_client.post(page + accept_path(), {"password1": "a-good-long-passphrase",
                                                 "password2": "a-good-long-passphrase", "language": other})
    user = get_user_model().objects.get(email="new@example.org")
    assert AccountSettings.objects.get(user=user).language == other


# Changes sent and decided: moderators each in their own language, the provider in theirs.

@pytest.fixture
def readers(org):
    return {
        "mod-cy": account("mod-cy@example.org", "cy", moderator=True),
        "mod-en": account("mod-en@example.org", "en", moderator=True),
        "mod-unset": account("mod-unset@example.org", None, moderator=True),
        "provider-cy": account("provider-cy@example.org", "cy", organisation=org),
        "provider-en": account("provider-en@example.org", "en", organisation=org),
    }


@pytest.mark.parametrize("page", ["", "/cy"])
def test_a_change_waiting_for_approval_goes_to_each_moderator_in_their_language(
        client, service, readers, page, django_capture_on_commit_callbacks):
    client.force_login(readers["provider-en"])
    from tests.directory.listings.conftest import form_data

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page + reverse("listings:service_edit", args=[service.public_id]),
                               form_data(service, age_max="16"))
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["mod-cy@example.org", "mod-en@example.org",
                                                    "mod-unset@example.org"]
    assert all(len(m.to) == 1 for m in mail.outbox)  # one message per language
    assert_welsh(to("mod-cy@example.org"), subject="Yn aros am gymeradwyaeth: Own service", words="Own service")
    assert_english(to("mod-en@example.org"), subject="Waiting for approval: Own service", words="Review it:")
    both = to("mod-unset@example.org")
    assert both.subject == "Yn aros am gymeradwyaeth: Own service / Waiting for approval: Own service"
    assert both.body.index("Adolygwch ef:") < both.body.index("Review it:")


@pytest.mark.parametrize(("submitter", "page"), [("provider-cy", ""), ("provider-en", "/cy")])
def test_a_decided_change_goes_to_its_sender_in_their_language_not_the_moderator_s(
        client, service, readers, submitter, page, django_capture_on_commit_callbacks):
    change = services.service_edit(
        service=service, values=services.form_values_from_service(service, status="paused"), by=readers[submitter]
    ).pending
    mail.outbox.clear()
    client.force_login(readers["mod-cy" if page == "" else "mod-en"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page + reverse("listings:change_reject", args=[change.pk]),
                               {"reason": "Please say why."})
    assert response.status_code == 302
    message = to(f"{submitter}@example.org")
    if submitter == "provider-cy":
        assert_welsh(message, subject="Ni chymeradwywyd eich newid i Own service", words="Rheswm: Please say why.")
        assert f"{SITE}/cy/manage/" in message.body
    else:
        assert_english(message, subject="Your change to Own service was not approved",
                       words="Reason: Please say why.")
        assert f"{SITE}/manage/" in message.body


def test_a_decided_change_with_no_sender_goes_to_the_organisation_s_editors_each_in_their_language(
        service, readers, django_capture_on_commit_callbacks):
    change = ServiceChange.objects.create(service=service, kind=ServiceChange.Kind.EDIT, proposed={"age_max": "16.0"})
    with django_capture_on_commit_callbacks(execute=True):
        services.change_approve(change=change, by=readers["mod-en"])
    assert_welsh(to("provider-cy@example.org"), subject="Cymeradwywyd eich newid i Own service", words="Cymeradwywyd")
    assert_english(to("provider-en@example.org"), subject="Your change to Own service was approved",
                   words="was approved")


@pytest.mark.parametrize("approved", [True, False])
def test_a_decided_new_listing_is_called_a_new_listing_in_the_subject_as_in_the_body(
        org, service, readers, approved, django_capture_on_commit_callbacks):
    """"Your change to … was approved" over "Your new listing for … was approved." read as two things."""
    new = ServiceFactory(organisation=org, name="Sibling support", is_published=False)
    change = ServiceChange.objects.create(service=new, kind=ServiceChange.Kind.NEW, proposed={})
    with django_capture_on_commit_callbacks(execute=True):
        if approved:
            services.change_approve(change=change, by=readers["mod-en"])
        else:
            services.change_reject(change=change, by=readers["mod-en"], reason="Please add the areas.")
    if approved:
        assert_welsh(to("provider-cy@example.org"), subject="Cymeradwywyd eich cofnod newydd Sibling support",
                     words="Cymeradwywyd eich cofnod newydd ar gyfer Sibling support.")
        assert_english(to("provider-en@example.org"), subject="Your new listing Sibling support was approved",
                       words="Your new listing for Sibling support was approved.")
    else:
        assert_welsh(to("provider-cy@example.org"), subject="Ni chymeradwywyd eich cofnod newydd Sibling support",
                     words="Ni chymeradwywyd eich cofnod newydd ar gyfer Sibling support.")
        assert_english(to("provider-en@example.org"), subject="Your new listing Sibling support was not approved",
                       words="Your new listing for Sibling support was not approved.")


# Cron jobs: no request at all.

def review_requests(day: date) -> None:
    with time_machine.travel(day):
        call_command("send_review_requests", stdout=StringIO())


def test_review_requests_from_cron_are_in_each_reader_s_language_with_welsh_dates(org, db):
    moderator = account("mod-cy@example.org", "cy", moderator=True)
    account("provider-en@example.org", "en", organisation=org)
    with time_machine.travel(date(2025, 1, 15)):
        ServiceFactory(organisation=org, name="Dated service", last_confirmed_at=date(2025, 1, 15))

    review_requests(date(2025, 12, 15))
    assert_english(to("provider-en@example.org"), subject="Please check your listing: Dated service",
                   words="was last confirmed on 15 January 2025")

    mail.outbox.clear()
    review_requests(date(2026, 2, 15))  # 13 months: urgent, to the moderators too
    assert_english(to("provider-en@example.org"), subject="Urgent: Dated service has not been checked for 13 months",
                   words="This is urgent")
    assert_welsh(to(moderator.email), subject="Brys: nid yw Dated service wedi'i wirio ers 13 mis",
                 words="ddiwethaf ar 15 Ionawr 2025")
    assert len(mail.outbox) == 2


def test_a_welsh_moderator_gets_the_listings_with_no_provider_account_in_one_welsh_email(db):
    account("mod-cy@example.org", "cy", moderator=True)
    account("mod-en@example.org", "en", moderator=True)
    with time_machine.travel(date(2025, 1, 15)):
        for name in ("Alpha", "Bravo", "Charlie"):
            ServiceFactory(name=name, last_confirmed_at=date(2025, 1, 15))

    review_requests(date(2025, 12, 15))

    assert len(mail.outbox) == 2  # one per language
    assert_welsh(to("mod-cy@example.org"), subject="Gwiriwch 3 cofnod",
                 words="Nid yw 3 cofnod wedi'u gwirio ers 11 mis.")
    welsh = to("mod-cy@example.org").body
    assert "Nid oes gan ddarparwyr y cofnodion hyn gyfrif ar servicemap" in welsh
    assert "- Alpha (" in welsh and "): cadarnhawyd ddiwethaf ar 15 Ionawr 2025." in welsh
    assert_english(to("mod-en@example.org"), subject="Please check 3 listings",
                   words="3 listings have not been checked for 11 months.")


def test_a_wait_reminder_to_a_welsh_provider_is_in_welsh(org, db):
    account("provider-cy@example.org", "cy", organisation=org)
    with time_machine.travel(date(2025, 1, 15)):
        ServiceFactory(organisation=org, name="Waiting service", last_confirmed_at=date(2025, 1, 15), wait_weeks=4)
    review_requests(date(2025, 2, 19))  # five weeks after the wait
    assert_welsh(to("provider-cy@example.org"), subject="Diweddarwch yr amser aros ar gyfer Waiting service",
                 words="15 Ionawr 2025")


def test_the_unused_account_warning_and_the_moderators_notice_are_in_each_reader_s_language(
        settings, db, django_capture_on_commit_callbacks):
    settings.CLOSE_UNUSED_ACCOUNTS_DAYS, settings.UNUSED_ACCOUNT_WARNING_DAYS = 365, 30
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        welsh = account("p-cy@example.org", "cy", organisation=OrganisationFactory(name="Example charity"))
        english = account("p-en@example.org", "en", organisation=OrganisationFactory(name="Other charity"))
    moderators = [account("mod-cy@example.org", "cy", moderator=True),
                  account("mod-en@example.org", "en", moderator=True)]
    get_user_model().objects.filter(pk__in=[m.pk for m in moderators]).update(date_joined=start + timedelta(days=360))

    with time_machine.travel(start + timedelta(days=335), tick=False):
        call_command("close_unused_accounts", stdout=StringIO())
    assert_welsh(to(welsh.email), subject="Caiff eich cyfrif servicemap ei gau os na chaiff ei ddefnyddio",
                 words="5 Ionawr 2026")
    assert_english(to(english.email), subject="Your servicemap account will be closed if it is not used",
                   words="5 January 2026")

    mail.outbox.clear()
    with time_machine.travel(start + timedelta(days=365), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        call_command("close_unused_accounts", stdout=StringIO())
    assert_welsh(to("mod-cy@example.org"), subject="Cyfrifon a gaewyd am na chawsant eu defnyddio",
                 words="p-cy@example.org (Example charity)")
    assert_english(to("mod-en@example.org"), subject="Accounts closed for not being used",
                   words="not been used for 1 year")


# Password reset: asked for from any page, by anyone, for an account with its own language.

@pytest.mark.parametrize(("language", "page"), [("cy", ""), ("en", "/cy")])
def test_a_password_reset_is_in_the_account_s_language_not_the_page_s(
        client, db, language, page, django_capture_on_commit_callbacks):
    account("p@example.org", language)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page + reverse("accounts:password_reset"), {"email": "p@example.org"})
    for thread in threading.enumerate():
        if thread.name == BACKGROUND_THREAD_NAME:
            thread.join(timeout=10)
    message = to("p@example.org")
    if language == "cy":
        assert_welsh(message, subject="Ailosod eich cyfrinair servicemap", words="dewiswch gyfrinair newydd")
        assert f"{SITE}/cy/accounts/password-reset/" in message.body
    else:
        assert_english(message, subject="Reset your servicemap password", words="choose a new password")


# The account page where the holder chooses.

def test_the_account_page_is_linked_from_the_header_and_saves_the_language(client, db):
    user = account("p@example.org", None)
    assert client.get(reverse("accounts:settings"))["Location"].startswith(reverse("accounts:login"))
    client.force_login(user)
    dashboard = client.get(reverse("listings:dashboard")).content.decode()
    assert f'href="{reverse("accounts:settings")}"' in dashboard

    page = client.get(reverse("accounts:settings")).content.decode()
    assert "You have not chosen a language yet" in page and " checked" not in page
    # Every email a provider may get is named, the problem reports' too.
    assert "when someone reports a problem with one of your listings" in page

    response = client.post(reverse("accounts:settings"), {"language": "cy"}, follow=True)
    assert "Saved. We will email you in Welsh." in response.content.decode()
    assert AccountSettings.objects.get(user=user).language == "cy"
    page = client.get(reverse("accounts:settings")).content.decode()
    assert 'value="cy" checked' in page and "You have not chosen" not in page


@pytest.mark.parametrize("data", [{}, {"language": "fr"}])
def test_the_account_page_says_what_is_wrong_and_changes_nothing(client, db, data):
    user = account("p@example.org", "en")
    client.force_login(user)
    response = client.post(reverse("accounts:settings"), data)
    assert response.status_code == 200
    assert "Choose the language we should email you in." in response.content.decode()
    assert AccountSettings.objects.get(user=user).language == "en"


def test_the_welsh_account_page_is_in_welsh(client, db):
    client.force_login(account("p@example.org", None))
    page = client.get("/cy" + reverse("accounts:settings")).content.decode().replace("&#x27;", "'")
    assert "Eich cyfrif" in page and "Ym mha iaith y dylem anfon e-byst atoch?" in page
    assert "pan fydd rhywun yn rhoi gwybod am broblem gydag un o'ch cofnodion" in page
    assert "You have not chosen" not in page


def test_a_new_organisation_invited_from_a_welsh_page_is_named_in_english_too(
        moderator_client, django_capture_on_commit_callbacks):
    """`name` on a Welsh page is the Welsh column: the organisation had no name on English pages
    (nor in an English invitation), and a name listed in English was not seen as already listed."""
    invite(moderator_client, "en", page="/cy", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    organisation = Invitation.objects.get().organisation
    assert (organisation.name_en, organisation.name_cy) == ("Invited trust", None)

    response = moderator_client.post("/cy/accounts/invite/", {
        "email": "other@example.org", "new_organisation": "INVITED TRUST", "language": "en"})
    assert response.status_code == 200 and Invitation.objects.count() == 1
