"""The language an account is emailed in (AccountSettings), on the account's page in the admin."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from directory.accounts.languages import preferred_language
from directory.accounts.models import AccountSettings
from directory.accounts.services import account_language_set
from directory.mail_language import BOTH
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PREFIX = "account_settings"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _change_url(user) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def _posted(user, *, language: str, has_row: bool) -> dict:
    """The account's admin page as sent back unchanged but for the language."""
    return {
        "username": user.username, "email": user.email, "first_name": "", "last_name": "", "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"), "date_joined_1": "09:00:00",
        "last_login_0": "", "last_login_1": "",
        f"{PREFIX}-TOTAL_FORMS": "1", f"{PREFIX}-INITIAL_FORMS": "1" if has_row else "0",
        f"{PREFIX}-MIN_NUM_FORMS": "0", f"{PREFIX}-MAX_NUM_FORMS": "1",
        f"{PREFIX}-0-language": language, f"{PREFIX}-0-user": str(user.pk),
        f"{PREFIX}-0-id": str(user.account_settings.pk) if has_row else "",
    }


def test_an_accounts_page_shows_the_language_it_is_emailed_in(admin_client):
    user = UserFactory(username="seren")
    account_language_set(user=user, language="cy")

    page = admin_client.get(_change_url(user)).content.decode()

    assert "Emails in" in page
    assert re.search(rf'<select name="{PREFIX}-0-language"[^>]*>.*?<option value="cy" selected>Welsh</option>',
                     page, re.S)


def test_the_admin_changes_the_language_an_account_is_emailed_in(admin_client):
    user = UserFactory(username="seren")
    account_language_set(user=user, language="cy")

    response = admin_client.post(_change_url(user), _posted(user, language="en", has_row=True))

    assert response.status_code == 302, response.content.decode()
    user.refresh_from_db()
    assert preferred_language(user) == "en"


def test_an_account_that_has_not_chosen_can_be_given_a_language_and_is_left_unchosen_otherwise(admin_client):
    chosen, left = UserFactory(username="a"), UserFactory(username="b")

    assert admin_client.post(_change_url(chosen), _posted(chosen, language="cy", has_row=False)).status_code == 302
    assert admin_client.post(_change_url(left), _posted(left, language="", has_row=False)).status_code == 302

    assert AccountSettings.objects.get(user=chosen).language == "cy"
    assert not AccountSettings.objects.filter(user=left).exists()
    left.refresh_from_db()
    assert preferred_language(left) == BOTH


def test_a_language_not_offered_is_refused_with_a_reason(admin_client):
    user = UserFactory(username="seren")
    account_language_set(user=user, language="cy")

    response = admin_client.post(_change_url(user), _posted(user, language="fr", has_row=True))

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert AccountSettings.objects.get(user=user).language == "cy"


def _listed(admin_client, language: str) -> set[str]:
    page = admin_client.get(reverse("admin:auth_user_changelist"), {"email_language": language}).content.decode()
    return set(re.findall(r'<td class="field-email">([^<]+)</td>', page))


def test_the_account_list_filters_by_language_and_the_add_page_still_works(admin_client):
    welsh, english = UserFactory(username="welsh"), UserFactory(username="english")
    account_language_set(user=welsh, language="cy")
    account_language_set(user=english, language="en")
    account_language_set(user=UserFactory(username="blank"), language="")
    UserFactory(username="no-row")

    assert _listed(admin_client, "cy") == {"welsh@example.org"}
    assert _listed(admin_client, "en") == {"english@example.org"}
    assert _listed(admin_client, "both") == {"blank@example.org", "no-row@example.org", "root@example.org"}
    add_page = admin_client.get(reverse("admin:auth_user_add"))
    assert add_page.status_code == 200 and f"{PREFIX}-0-language" not in add_page.content.decode()


def test_an_account_closed_here_is_signed_out_everywhere_and_stays_so_when_opened_again(admin_client):
    user = UserFactory(username="seren")
    account_language_set(user=user, language="cy")
    browser = Client()
    browser.force_login(user)
    assert browser.get(reverse("accounts:settings")).status_code == 200

    closing = {**_posted(user, language="cy", has_row=True)}
    del closing["is_active"]  # the box unticked
    assert admin_client.post(_change_url(user), closing).status_code == 302
    assert admin_client.post(_change_url(user), _posted(user, language="cy", has_row=True)).status_code == 302

    user.refresh_from_db()
    assert user.is_active
    response = browser.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not any(s.get_decoded().get(SESSION_KEY) == str(user.pk) for s in Session.objects.all())


def test_changing_an_open_account_here_leaves_its_sessions_alone(admin_client):
    user = UserFactory(username="seren")
    account_language_set(user=user, language="cy")
    browser = Client()
    browser.force_login(user)

    assert admin_client.post(_change_url(user), _posted(user, language="en", has_row=True)).status_code == 302

    assert browser.get(reverse("accounts:settings")).status_code == 200
