"""A provider who forgets their password resets it by email, without anyone learning which
addresses have an account."""

from __future__ import annotations

import logging
import re
import smtplib
import threading
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directory.accounts.services import account_language_set
from directory.mail import BACKGROUND_THREAD_NAME
from tests.factories import UserFactory

NEW_PASSWORD = "Another-long-pass-77"


@pytest.fixture
def user(db):
    # Chose English for emails (tests/directory/test_mail_languages.py tests the others).
    user = UserFactory(username="p@example.org", email="p@example.org")
    account_language_set(user=user, language="en")
    return user


def wait_for_sending() -> None:
    """The reset email goes from a thread of its own, after the answer (directory.mail)."""
    for thread in threading.enumerate():
        if thread.name == BACKGROUND_THREAD_NAME:
            thread.join(timeout=10)


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    def post(email: str, *, wait: bool = True, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("accounts:password_reset"), {"email": email}, **extra)
        if wait:
            wait_for_sending()
        return response
    return post


def link_path() -> str:
    url = next(line for line in mail.outbox[-1].body.splitlines() if "/accounts/password-reset/" in line)
    return url[url.index("/accounts/"):].strip()


def test_the_sign_in_page_links_to_the_reset(client, db):
    html = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse("accounts:password_reset")}"' in html


def test_a_signed_in_account_page_says_how_to_change_the_password_in_english_and_welsh(client, user, ask):
    """Signed in, the sign-in page's "Forgotten your password?" is out of sight: someone wanting to change
    theirs found no way to from their account."""
    client.force_login(user)
    html = client.get(reverse("accounts:settings")).content.decode()
    assert f'<a class="govuk-link" href="{reverse("accounts:password_reset")}">Change your password</a>' in html
    assert "we email you a link to choose a new one" in html
    welsh = client.get("/cy" + reverse("accounts:settings")).content.decode()
    assert 'href="/cy/accounts/password-reset/">Newid eich cyfrinair</a>' in welsh
    # And the page it leads to works signed in.
    assert client.get(reverse("accounts:password_reset")).status_code == 200
    assert ask("p@example.org").status_code == 302
    assert [m.to for m in mail.outbox] == [["p@example.org"]]


def test_a_reset_is_emailed_and_its_link_sets_a_password_once(client, user, ask, settings):
    response = ask("P@Example.org")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_sent")
    assert [m.to for m in mail.outbox] == [["p@example.org"]]
    assert mail.outbox[0].subject == "Reset your servicemap password"
    assert f"{settings.SITE_URL.rstrip('/')}/accounts/password-reset/" in mail.outbox[0].body

    form = client.get(link_path(), follow=True)  # Django moves the token into the session
    html = form.content.decode()
    assert "Choose a new password" in html
    assert re.search(r'<input [^>]*id="id_new_password1"[^>]*autocomplete="new-password"', html)
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    client.logout()
    again = client.get(link_path(), follow=True).content.decode()
    assert "This link cannot be used" in again and "new_password1" not in again


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, user, ask):
    known = ask("p@example.org")
    unknown = ask("nobody@example.org")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert len(mail.outbox) == 1
    page = client.get(reverse("accounts:password_reset_sent")).content.decode()
    assert "If the address you entered has an account" in page


def test_a_reset_link_expires_after_a_day(client, user, ask, settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 24 * 60 * 60
    ask("p@example.org")
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        page = client.get(link_path(), follow=True).content.decode()
    assert "This link cannot be used" in page
    user.refresh_from_db()
    assert not user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        ("short", "short", "too short"),
        ("1234567890123", "1234567890123", "entirely numeric"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "The two passwords do not match."),
    ],
)
def test_the_new_password_is_validated(client, user, ask, password1, password2, message):
    ask("p@example.org")
    set_url = client.get(link_path(), follow=True).redirect_chain[-1][0]
    page = client.post(set_url, {"new_password1": password1, "new_password2": password2})
    assert page.status_code == 200 and message in page.content.decode()
    assert "There is a problem" in page.content.decode()
    user.refresh_from_db()
    assert not user.check_password(password1)


def test_many_requests_from_one_client_are_refused_without_saying_anything_of_accounts(ask, user, settings):
    settings.PASSWORD_RESET_RATE = "2/hour"
    for _ in range(2):
        assert ask("p@example.org").status_code == 302
    refused = ask("p@example.org")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
    assert "no email has been sent" in refused.content.decode()
    for address in ("nobody@example.org", "p@example.org"):  # the same answer whether an account exists or not
        response = ask(address)
        assert response.status_code == 429 and "no email has been sent" in response.content.decode()
    assert len(mail.outbox) == 2
    assert ask("p@example.org", REMOTE_ADDR="192.0.2.77").status_code == 302, "another client"


def test_the_reset_pages_are_in_welsh(client, user):
    html = client.get("/cy" + reverse("accounts:password_reset")).content.decode()
    assert "Ailosod eich cyfrinair" in html
    assert get_user_model().objects.count() == 1


def test_a_reset_lifts_the_lock_out_of_the_wrong_passwords_before_it(client, user, ask, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "p@example.org", "password": "wrong"})
    assert client.post(reverse("accounts:login"), {"username": "p@example.org", "password": "wrong"}).status_code == 429

    ask("p@example.org")
    set_url = client.get(link_path(), follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.logout()

    signed_in = client.post(reverse("accounts:login"), {"username": "p@example.org", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("listings:dashboard")


@pytest.mark.parametrize(
    ("password", "welsh"),
    [
        ("short", "Mae'r cyfrinair hwn yn rhy fyr: rhaid iddo gael o leiaf 10 nod."),
        ("1234567890123", "Rhifau yn unig sydd yn y cyfrinair hwn"),
        ("password123", "Mae'r cyfrinair hwn yn rhy gyffredin"),
        ("p@example.org1", "Mae'r cyfrinair hwn yn rhy debyg i'ch cyfeiriad e-bost."),
    ],
)
def test_a_welsh_reset_says_what_is_wrong_with_the_password_in_welsh_by_the_first_box(
    client, user, ask, password, welsh
):
    ask("p@example.org")
    set_url = client.get("/cy" + link_path(), follow=True).redirect_chain[-1][0]
    assert set_url.startswith("/cy/")
    page = client.post(set_url, {"new_password1": password, "new_password2": password})
    html = page.content.decode().replace("&#x27;", "'")
    assert page.status_code == 200 and welsh in html
    for english in ("This password", "Enter the same password as before"):
        assert english not in html, english
    # The summary leads to the box where the password is chosen, and the message sits there.
    assert 'href="#id_new_password1"' in html and 'id="id_new_password1-error"' in html
    user.refresh_from_db()
    assert not user.check_password(password)


class HeldBackend(BaseEmailBackend):
    """A mail server that takes the message only when the test lets it (`release`), as a slow one
    would after `EMAIL_TIMEOUT`; `refuse` makes it refuse the recipients instead."""

    started = threading.Event()
    release = threading.Event()
    refuse = False
    sent: list = []

    def send_messages(self, messages):
        HeldBackend.started.set()
        HeldBackend.release.wait(timeout=3)
        if HeldBackend.refuse:
            raise smtplib.SMTPRecipientsRefused(
                {to: (550, f"5.1.1 <{to}>: Recipient address rejected".encode()) for m in messages for to in m.to})
        HeldBackend.sent.extend(messages)
        return len(messages)


@pytest.fixture
def held_mail(settings):
    HeldBackend.started, HeldBackend.release, HeldBackend.refuse, HeldBackend.sent = (
        threading.Event(), threading.Event(), False, [])
    settings.EMAIL_BACKEND = f"{__name__}.HeldBackend"
    yield HeldBackend
    HeldBackend.release.set()
    wait_for_sending()


def test_the_answer_does_not_wait_for_the_email_which_is_sent_after_it(user, ask, held_mail):
    # Sent inside the request, the answer for an address with an account waited on the mail server
    # and the one for an address without did not: how long it took said whether the account exists.
    response = ask("p@example.org", wait=False)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_sent")
    assert held_mail.sent == [], "the answer came only once the mail server had taken the message"
    assert held_mail.started.wait(timeout=5), "the message was not handed to the mail server"
    held_mail.release.set()
    wait_for_sending()
    assert [m.to for m in held_mail.sent] == [["p@example.org"]]
    assert "/accounts/password-reset/" in held_mail.sent[0].body


def written_in_the_sending_thread(ask, email: str) -> tuple[object, list[str]]:
    """The answer, and the templates rendered in the thread that sends (Django's test signal, sent
    from any thread)."""
    rendered: list[str] = []

    def record(sender, template, **kwargs):
        if threading.current_thread().name == BACKGROUND_THREAD_NAME:
            rendered.append(template.name)

    template_rendered.connect(record)
    try:
        return ask(email), rendered
    finally:
        template_rendered.disconnect(record)


def test_an_address_with_no_account_costs_the_answer_the_same_work_and_is_sent_nothing(user, ask, held_mail):
    held_mail.release.set()
    with CaptureQueriesContext(connection) as known_queries:
        known, known_written = written_in_the_sending_thread(ask, "p@example.org")
    with CaptureQueriesContext(connection) as unknown_queries:
        unknown, unknown_written = written_in_the_sending_thread(ask, "nobody@example.org")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    # The answer renders the same pages, with the same reads of the database (the account's language
    # among them); the message is written either way, after the answer, in the sending thread.
    assert [t.name for t in unknown.templates] == [t.name for t in known.templates]
    assert "emails/password_reset.txt" not in [t.name for t in known.templates]
    assert len(unknown_queries) == len(known_queries)
    assert "emails/password_reset.txt" in known_written and "emails/password_reset.txt" in unknown_written
    assert [m.to for m in held_mail.sent] == [["p@example.org"]]


def test_a_reset_email_the_mail_server_refuses_is_logged_without_the_address(user, ask, held_mail, caplog):
    held_mail.refuse = True
    held_mail.release.set()
    with caplog.at_level(logging.WARNING, logger="directory.mail"):
        response = ask("p@example.org")
    assert response.status_code == 302
    assert "Email not sent (Reset your servicemap password): SMTPRecipientsRefused: 1 recipient refused (550)" \
        in caplog.text
    assert "p@example.org" not in caplog.text
