"""A provider who forgets their password resets it by email, without anyone learning which
addresses have an account."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

NEW_PASSWORD = "Another-long-pass-77"


@pytest.fixture
def user(db):
    return UserFactory(username="p@example.org", email="p@example.org")


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    def post(email: str, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("accounts:password_reset"), {"email": email}, **extra)
    return post


def link_path() -> str:
    url = next(line for line in mail.outbox[-1].body.splitlines() if "/accounts/password-reset/" in line)
    return url[url.index("/accounts/"):].strip()


def test_the_sign_in_page_links_to_the_reset(client, db):
    html = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse("accounts:password_reset")}"' in html


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
