"""Sign-in (rate-limited), sessions that expire, invitations that work once and expire, moderators."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape
from io import StringIO

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from directory.accounts import services
from directory.accounts.models import Invitation, Membership
from directory.accounts.roles import is_moderator
from directory.models import Organisation, ServiceChange
from tests.factories import (
    AcceptedInvitationFactory,
    InvitationFactory,
    MembershipFactory,
    OrganisationFactory,
    ServiceFactory,
    UnpublishedServiceFactory,
    UserFactory,
)

PASSWORD = "a-long-test-password"


@pytest.fixture
def user(db):
    return UserFactory(username="p@example.org", email="p@example.org")


def test_sign_in_goes_to_the_dashboard(client, user):
    response = client.post(reverse("accounts:login"), {"username": "p@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("listings:dashboard")


def test_a_failed_sign_in_keeps_the_address_never_the_password_and_gives_browsers_their_hints(client, user):
    page = client.post(reverse("accounts:login"), {"username": "p@example.org", "password": "Secret-typed-123"})
    html = page.content.decode()
    assert "Enter a correct email address and password" in html
    assert "Secret-typed-123" not in html
    assert re.search(r'<input [^>]*id="id_username"[^>]*value="p@example.org"', html)
    assert re.search(r'<input [^>]*id="id_username"[^>]*autocomplete="username"', html)
    assert re.search(r'<input [^>]*id="id_password"[^>]*autocomplete="current-password"', html)


def _summary(html: str) -> list[str]:
    """The error summary's items, as a screen reader lists them."""
    items = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", items, re.S)]


@pytest.mark.parametrize(("prefix", "expected"), [
    ("", ["Enter your email address.", "Enter your password."]),
    ("/cy", ["Rhowch eich cyfeiriad e-bost.", "Rhowch eich cyfrinair."]),
])
def test_an_empty_sign_in_says_in_the_error_summary_which_field_is_missing(client, db, prefix, expected):
    # Django's "This field is required." twice said nothing of which box, nor what to put in it.
    page = client.post(prefix + "/accounts/login/", {})
    assert page.status_code == 200
    assert _summary(page.content.decode()) == expected
    assert 'id="id_username-error" class="govuk-error-message"' in page.content.decode()


def test_a_form_s_own_error_message_is_not_given_the_field_s_name_again(moderator_client):
    page = moderator_client.post(reverse("accounts:invite"), {"email": "not-an-address", "new_organisation": "x" * 201})
    assert _summary(page.content.decode()) == [
        "Enter an email address in the correct format, like name@example.org.",  # the form's own
        # GOV.UK's wording for a limit names the box itself (directory/form_messages.py).
        "The name of the new organisation must be 200 characters or fewer. It has 201.",
    ]


def test_a_wrong_password_s_message_in_the_error_summary_links_to_the_email_box(client, user):
    # GOV.UK: each message in the summary is a link to a box; this one was plain text, a dead end
    # for a keyboard user, who lands on the summary.
    page = client.post(reverse("accounts:login"), {"username": "p@example.org", "password": "Secret-typed-123"})
    html = page.content.decode()
    assert re.search(
        r'govuk-error-summary__list">\s*<li><a href="#id_username">Enter a correct email address and password', html
    )
    assert 'id="id_username"' in html


def test_the_address_signs_in_in_any_case(client, user):
    response = client.post(reverse("accounts:login"), {"username": " P@Example.ORG ", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("listings:dashboard")


def test_sign_in_is_locked_after_five_failures_even_with_the_right_password(client, user, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = client.post(reverse("accounts:login"), {"username": "p@example.org", "password": "wrong"})
        assert response.status_code == 200
        assert "Enter a correct email address and password" in response.content.decode()
    response = client.post(reverse("accounts:login"), {"username": "p@example.org", "password": "wrong"})
    assert response.status_code == 429
    response = client.post(reverse("accounts:login"), {"username": "p@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_lifts_after_the_cool_off(client, user):
    start = timezone.now()
    with time_machine.travel(start):
        for _ in range(5):
            client.post(reverse("accounts:login"), {"username": "p@example.org", "password": "wrong"})
    with time_machine.travel(start + timedelta(hours=1, minutes=1)):
        response = client.post(reverse("accounts:login"), {"username": "p@example.org", "password": PASSWORD})
    assert response.status_code == 302


def test_one_client_trying_a_password_on_many_addresses_is_paused_before_any_is_checked(client, user, settings):
    # django-axes locks one address from one client: a few common passwords tried on every provider's
    # address would never lock any of them.
    settings.SIGN_IN_FAILURE_RATE = "3/hour"
    login = reverse("accounts:login")
    start = timezone.now().replace(minute=10, second=0, microsecond=0)  # 50 minutes before the window ends
    with time_machine.travel(start, tick=False):
        for address in ("a@example.org", "b@example.org", "c@example.org"):
            assert client.post(login, {"username": address, "password": "Password123!"}).status_code == 200
        response = client.post(login, {"username": "p@example.org", "password": PASSWORD})
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session  # refused before the password was checked
        assert int(response["Retry-After"]) == 50 * 60
        assert "signing in from it is paused. Try again in about 50 minutes" in response.content.decode()
        # Another connection is not paused with it.
        other = client_class_for(client)(REMOTE_ADDR="192.0.2.7")
        assert other.post(login, {"username": "p@example.org", "password": PASSWORD}).status_code == 302
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert client.post(login, {"username": "p@example.org", "password": PASSWORD}).status_code == 302


def test_signing_in_with_the_right_password_is_never_counted_against_the_client(client, user, settings):
    settings.SIGN_IN_FAILURE_RATE = "2/hour"
    for _ in range(4):
        assert client.post(reverse("accounts:login"), {"username": "p@example.org", "password": PASSWORD}).status_code == 302
        client.post(reverse("accounts:logout"))


def client_class_for(client):
    return type(client)


def test_sessions_expire_after_eight_hours(client, user):
    start = timezone.now()
    with time_machine.travel(start):
        client.post(reverse("accounts:login"), {"username": "p@example.org", "password": PASSWORD})
        assert client.get(reverse("listings:dashboard")).status_code == 200
    with time_machine.travel(start + timedelta(hours=8, minutes=1)):
        response = client.get(reverse("listings:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_sign_out_needs_a_post(client, user):
    client.force_login(user)
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("listings:dashboard")).status_code == 302


@pytest.fixture
def invitation(db, django_capture_on_commit_callbacks):
    moderator = services.moderator_create(email="mod@example.org", password=PASSWORD).user
    with django_capture_on_commit_callbacks(execute=True):
        return services.invitation_create(
            email="New@Example.org", organisation=OrganisationFactory(name="Invited org"), invited_by=moderator
        )


def invitation_path() -> str:
    body = mail.outbox[-1].body
    url = next(line for line in body.splitlines() if "/accounts/invitation/" in line)
    return url[url.index("/accounts/"):].strip()


def test_an_invitation_is_emailed_and_sets_a_password_once(client, invitation):
    assert mail.outbox[-1].to == ["new@example.org"]
    path = invitation_path()
    assert client.get(path).status_code == 200
    response = client.post(path, {"password1": "a-good-long-passphrase", "password2": "a-good-long-passphrase"})
    assert response["Location"] == reverse("listings:dashboard")
    user = get_user_model().objects.get(email="new@example.org")
    assert Membership.objects.filter(user=user, organisation__name="Invited org").exists()
    assert client.get(reverse("listings:dashboard")).status_code == 200  # signed in

    client.logout()
    response = client.get(path)
    assert response.status_code == 400
    assert "already been used" in response.content.decode()


@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        ("short", "short", "too short"),
        ("password123", "password123", "too common"),
        ("12345678901234", "12345678901234", "entirely numeric"),
        ("a-good-long-passphrase", "a-different-passphrase", "do not match"),
    ],
)
def test_invitation_passwords_are_validated(client, invitation, password1, password2, message):
    response = client.post(invitation_path(), {"password1": password1, "password2": password2})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert f'value="{password1}"' not in response.content.decode()  # never sent back into the page
    assert f'value="{password2}"' not in response.content.decode()
    assert not get_user_model().objects.filter(email="new@example.org").exists()


@pytest.mark.parametrize(
    ("password", "welsh"),
    [
        ("short", "Mae'r cyfrinair hwn yn rhy fyr"),
        ("password123", "Mae'r cyfrinair hwn yn rhy gyffredin"),
        ("12345678901234", "Rhifau yn unig sydd yn y cyfrinair hwn"),
    ],
)
def test_a_welsh_invitation_says_what_is_wrong_with_the_password_in_welsh(client, invitation, password, welsh):
    response = client.post("/cy" + invitation_path(), {"password1": password, "password2": password})
    html = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200 and welsh in html
    assert "This password" not in html
    assert not get_user_model().objects.filter(email="new@example.org").exists()


def test_an_invitation_expires(client, invitation):
    path = invitation_path()
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.get(path)
    assert response.status_code == 400
    assert "expired" in response.content.decode()


def test_a_tampered_invitation_link_is_refused(client, invitation):
    path = invitation_path()
    response = client.get(path[:-3] + "xyz/")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_an_existing_account_signs_in_to_accept(client, invitation):
    existing = UserFactory(username="new@example.org", email="new@example.org")
    path = invitation_path()
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    client.force_login(existing)
    assert client.post(path)["Location"] == reverse("listings:dashboard")
    assert Membership.objects.filter(user=existing, organisation__name="Invited org").exists()


def test_an_invitation_to_someone_with_an_account_says_to_sign_in_not_to_choose_a_password(
    client, db, django_capture_on_commit_callbacks
):
    # A provider invited to a second organisation was told "Choose a password here", and the link
    # then opened the sign-in page without a word of why.
    moderator = services.moderator_create(email="mod@example.org", password=PASSWORD).user
    UserFactory(username="kept@example.org", email="kept@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(email="Kept@example.org", organisation=OrganisationFactory(), invited_by=moderator)
        services.invitation_create(email="fresh@example.org", organisation=OrganisationFactory(), invited_by=moderator)
    kept, fresh = (" ".join(message.body.split()) for message in mail.outbox)
    assert "You already have an account on servicemap: sign in with it here to accept" in kept
    assert "Mae gennych gyfrif ar servicemap eisoes: mewngofnodwch ag ef yma i dderbyn" in kept  # Welsh first
    assert "Choose a password" not in kept
    assert "Choose a password here" in fresh and "already have an account" not in fresh
    path = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/invitation/" in line)
    page = client.get(path[path.index("/accounts/"):].strip(), follow=True)
    assert page.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "An account with this email address already exists: sign in to accept the invitation." in (
        page.content.decode()
    )


def test_an_invitation_for_someone_else_cannot_be_accepted_by_a_signed_in_user(client, invitation):
    client.force_login(UserFactory(email="someone@example.org"))
    path = invitation_path()
    opened = client.get(path)
    assert opened.status_code == 400  # told at once, not offered an Accept button that fails
    html = opened.content.decode()
    assert "sent to a different email address" in html and "Accept invitation" not in html
    assert "You are signed in as someone@example.org" in html
    response = client.post(path)
    assert response.status_code == 400
    assert not Membership.objects.exists()

    signed_out = client.post(reverse("accounts:logout"), {"next": path})
    assert signed_out["Location"] == path
    assert client.get(path).status_code == 200  # now the invitation's own password form


@pytest.fixture
def moderator_client(client, db):
    client.force_login(services.moderator_create(email="mod@example.org", password=PASSWORD).user)
    return client


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "a" * 250 + "@example.org", "new_organisation": "Long"}, "Their work email address must be 254 characters or fewer"),
        ({"email": "carol@example.org", "new_organisation": " listed TRUST "}, "is already listed"),
        ({"email": "carol@example.org", "new_organisation": "New trust", "organisation": "LISTED"}, "not both"),
        ({"email": "carol@example.org"}, "Choose an organisation, or enter the name of a new one."),
    ],
)
def test_an_invitation_the_form_cannot_send_says_why_and_makes_nothing(moderator_client, data, message):
    listed = OrganisationFactory(name="Listed trust")
    data = {**data, "organisation": listed.pk} if data.get("organisation") == "LISTED" else data
    response = moderator_client.post(reverse("accounts:invite"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Invitation.objects.exists()
    assert list(Organisation.objects.values_list("name", flat=True)) == ["Listed trust"]


@pytest.mark.parametrize(
    "typed",
    [
        "ŵyr a wyresau",  # the English name, Welsh letters in another case: SQLite's iexact folded A-Z alone
        "  ŴYR   A WYRESAU ",
        "Tŷ Ŵyr Cymru",  # the Welsh name, likewise
        "TŶ ŴYR CYMRU",
        "tŷ ŵyr\tcymru",
        "Ty\u0302 Ŵyr Cymru",  # "ŷ" typed as "y" and a combining circumflex
    ],
)
def test_a_new_organisation_named_as_a_listed_one_in_any_case_or_spacing_is_refused(moderator_client, typed):
    OrganisationFactory(name_en="Ŵyr a Wyresau", name_cy="Tŷ Ŵyr Cymru")
    response = moderator_client.post(reverse("accounts:invite"), {"email": "carol@example.org", "new_organisation": typed})
    assert response.status_code == 200
    assert "An organisation with this name is already listed" in unescape(response.content.decode())
    assert Organisation.objects.count() == 1
    assert not Invitation.objects.exists()


def test_a_new_organisation_whose_name_differs_by_an_accent_is_a_new_one(moderator_client):
    OrganisationFactory(name_en="Ŵyr a Wyresau", name_cy="Tŷ Ŵyr Cymru")
    response = moderator_client.post(reverse("accounts:invite"), {"email": "carol@example.org", "new_organisation": "Ty Wyr Cymru"})
    assert response.status_code == 302
    assert sorted(Organisation.objects.values_list("name_en", flat=True)) == ["Ty Wyr Cymru", "Ŵyr a Wyresau"]
    assert Invitation.objects.get().organisation.name_en == "Ty Wyr Cymru"


def _error_summary_and_email_box(html: str) -> tuple[str, str]:
    summary = html[html.index('class="govuk-error-summary"') : html.index("<h1")]
    box = re.search(r'<input[^>]*name="email"[^>]*>', html).group(0)
    return unescape(" ".join(re.sub(r"<[^>]+>", " ", summary).split())), box


@pytest.mark.parametrize(
    ("page", "said"),
    [
        ("", "This is your own email address: enter the work email address of the person you are inviting."),
        ("/cy", "Dyma'ch cyfeiriad e-bost eich hun: rhowch gyfeiriad e-bost gwaith y person rydych yn ei wahodd."),
    ],
)
def test_a_moderator_cannot_invite_their_own_address(moderator_client, page, said):
    # It sent the moderator an invitation they could not usefully accept, without a word.
    listed = OrganisationFactory(name="Listed trust")
    response = moderator_client.post(
        page + reverse("accounts:invite"), {"email": " MOD@example.org ", "organisation": listed.pk, "language": "en"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    summary, box = _error_summary_and_email_box(html)
    assert said in summary and 'href="#id_email"' in html
    assert 'aria-invalid="true"' in box or "govuk-input--error" in box
    assert 'value=" MOD@example.org "' in box  # what was typed stays, as typed
    assert f'<option value="{listed.pk}" selected>' in html
    assert not Invitation.objects.exists() and not mail.outbox


@pytest.mark.parametrize(
    ("page", "said"),
    [
        ("", "kept@example.org can already edit Listed trust's listings: enter someone else's email address."),
        ("/cy", "Gall kept@example.org olygu cofnodion Listed trust eisoes: rhowch gyfeiriad e-bost rhywun arall."),
    ],
)
def test_someone_who_already_edits_the_organisation_is_not_invited_to_it_again(moderator_client, page, said):
    listed = OrganisationFactory(name="Listed trust")
    MembershipFactory(user=UserFactory(username="kept", email="Kept@example.org"), organisation=listed)
    response = moderator_client.post(
        page + reverse("accounts:invite"), {"email": "kept@example.org", "organisation": listed.pk}
    )
    assert response.status_code == 200
    summary, box = _error_summary_and_email_box(response.content.decode())
    assert said in summary and 'value="kept@example.org"' in box
    assert not Invitation.objects.exists() and not mail.outbox
    # To another organisation they are invited as before.
    other = OrganisationFactory(name="Other trust")
    response = moderator_client.post(
        reverse("accounts:invite"), {"email": "kept@example.org", "organisation": other.pk}
    )
    assert response.status_code == 302
    assert Invitation.objects.get().organisation == other


@pytest.mark.django_db(transaction=True)
def test_an_invitation_to_a_new_organisation_with_a_line_break_in_its_name_is_emailed(moderator_client):
    """The subject names the organisation: Django refuses a subject with a line break, so the moderator
    got a server error and the provider no email, though the invitation was saved."""
    response = moderator_client.post(
        reverse("accounts:invite"), {"email": "carol@example.org", "new_organisation": "New\r\ntrust", "language": "en"},
    )

    assert response.status_code == 302
    assert Invitation.objects.get().email == "carol@example.org"
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("You are invited to keep New trust's listings up to date", ["carol@example.org"])
    ]


def test_create_moderator_command(db, monkeypatch):
    monkeypatch.setenv("MOD_PASSWORD", "a-good-long-passphrase")
    out = StringIO()
    call_command("create_moderator", "boss@example.org", "--password-env", "MOD_PASSWORD", stdout=out)
    assert "Created moderator boss@example.org" in out.getvalue()
    user = get_user_model().objects.get(email="boss@example.org")
    assert is_moderator(user)
    assert user.check_password("a-good-long-passphrase")


def test_create_moderator_refuses_a_weak_password(db, monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.setenv("MOD_PASSWORD", "password")
    with pytest.raises(CommandError, match="too short|too common"):
        call_command("create_moderator", "boss@example.org", "--password-env", "MOD_PASSWORD")


def test_create_moderator_refuses_a_bad_address_before_asking_for_a_password(db, monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.setattr("getpass.getpass", lambda prompt="": pytest.fail("asked for a password"))
    with pytest.raises(CommandError, match="Enter a valid email address"):
        call_command("create_moderator", "boss.example.org")
    assert not get_user_model().objects.exists()


def test_create_moderator_with_no_terminal_to_type_in_says_how_to_give_the_password(db, monkeypatch):
    """Run from a script or cron with no terminal, getpass read an empty stdin: EOFError traceback."""
    from django.core.management.base import CommandError

    def no_terminal(prompt=""):
        raise EOFError

    monkeypatch.setattr("getpass.getpass", no_terminal)
    with pytest.raises(CommandError, match="No password typed.*--password-env"):
        call_command("create_moderator", "boss@example.org")
    assert not get_user_model().objects.exists()


def test_create_moderator_asks_for_the_password_twice_and_refuses_a_mistyped_one(db, monkeypatch):
    from django.core.management.base import CommandError

    typed = iter(["a-good-long-passphrase", "a-good-long-passphrasf"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    with pytest.raises(CommandError, match="did not match"):
        call_command("create_moderator", "boss@example.org")
    assert not get_user_model().objects.exists()

    typed = iter(["a-good-long-passphrase", "a-good-long-passphrase"])
    call_command("create_moderator", "boss@example.org", stdout=StringIO())
    assert get_user_model().objects.get(email="boss@example.org").check_password("a-good-long-passphrase")


def test_a_superuser_is_a_moderator_and_a_plain_user_is_not(db):
    assert is_moderator(get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD))
    assert not is_moderator(UserFactory())


def test_recent_invitations_scroll_inside_their_own_box_on_a_phone(client, invitation):
    client.force_login(invitation.invited_by)
    html = client.get(reverse("accounts:invite")).content.decode()
    assert "New@Example.org".lower() in html
    # The wrapper scrolls sideways (servicemap.css) so the page itself does not, and is reachable by keyboard.
    assert re.search(
        r'<div class="sm-table-wrap" tabindex="0" role="region" aria-labelledby="recent-invitations">\s*<table', html
    )


def test_opening_the_sign_out_address_explains_and_offers_the_button_without_signing_out(client, user):
    client.force_login(user)
    page = client.get(reverse("accounts:logout"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "You are signed in as p@example.org" in html
    assert re.search(rf'<form method="post" action="{reverse("accounts:logout")}">', html)
    assert client.get(reverse("listings:dashboard")).status_code == 200  # still signed in
    client.logout()
    assert "You are signed out" in client.get(reverse("accounts:logout")).content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_invitation_is_accepted_outside_a_test_s_transaction_too(client):
    """Accepting locks the invitation (select_for_update), which Django refuses outside a transaction
    (on PostgreSQL, as in production; SQLite has no such lock to refuse):
    with `@transaction.atomic` on the function above it instead, every acceptance was a server error,
    hidden from the tests by the transaction each test runs in."""
    moderator = services.moderator_create(email="mod@example.org", password=PASSWORD).user
    services.invitation_create(email="new@example.org", organisation=OrganisationFactory(name="Invited org"),
                               invited_by=moderator, language="en")
    response = client.post(invitation_path(), {"password1": "a-good-long-passphrase",
                                               "password2": "a-good-long-passphrase", "language": "cy"})
    assert response.status_code == 302 and response["Location"] == reverse("listings:dashboard")
    user = get_user_model().objects.get(email="new@example.org")
    assert Membership.objects.filter(user=user, organisation__name="Invited org").exists()
    assert user.account_settings.language == "cy"


@pytest.mark.django_db
@pytest.mark.parametrize("url", [reverse("accounts:login"), reverse("accounts:password_reset")])
def test_no_sign_in_page_moves_the_cursor_past_the_skip_link(client, url):
    """Django's sign-in form autofocuses its username box: a keyboard or screen-reader user then
    starts past the skip link, the header and the heading."""
    page = client.get(url).content.decode()

    assert 'name="username"' in page or 'name="email"' in page
    assert "autofocus" not in page


def test_the_locked_out_page_offers_a_password_reset_which_lifts_the_lock(client, user):
    for _ in range(5):
        response = client.post(reverse("accounts:login"), {"username": "p@example.org", "password": "wrong"})

    assert response.status_code == 429
    assert f'href="{reverse("accounts:password_reset")}"' in response.content.decode()


@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_signing_out_says_so_on_the_page_it_leads_to(client, user, prefix):
    client.force_login(user)

    page = client.post(prefix + reverse("accounts:logout"), follow=True)

    assert "_auth_user_id" not in client.session
    assert ("Rydych wedi allgofnodi" if prefix else "You are signed out") in page.content.decode()


@pytest.mark.parametrize("length", [300, 60_000])
def test_an_address_too_long_for_any_account_is_refused_as_a_wrong_one_before_any_look_up(client, user, length):
    # 60,000 characters made SQLite's case-blind match raise (the 503 page); past 255, django-axes
    # stored the attempt's username, which PostgreSQL's column refuses (a 500).
    page = client.post(reverse("accounts:login"), {"username": "p" * length + "@example.org", "password": "x"})

    assert page.status_code == 200
    assert "Enter a correct email address and password" in page.content.decode()
    assert not AccessAttempt.objects.exists()


def test_a_next_address_holding_a_control_character_is_kept_without_it(client, user):
    # The sign-in page's own address is sent on without them first (control_characters middleware).
    page = client.get(reverse("accounts:login") + "?next=/manage/%00%1B?page=2", follow=True)

    assert page.redirect_chain == [("/accounts/login/?next=%2Fmanage%2F%3Fpage%3D2", 302)]
    assert '<input type="hidden" name="next" value="/manage/?page=2">' in page.content.decode()
    # A sent form's next, which no redirect can clean: the page it names, without them.
    response = client.post(reverse("accounts:login"),
                           {"username": "p@example.org", "password": PASSWORD, "next": "/manage/\x00"})
    assert response["Location"] == "/manage/"
    # Sent to an address holding one (no form of ours does): refused, not signed in.
    refused = client.post(reverse("accounts:login") + "?next=/manage/%00",
                          {"username": "p@example.org", "password": PASSWORD})
    assert refused.status_code == 400


def test_recent_invitations_say_which_were_not_accepted_before_their_link_expired(moderator_client):
    """An invitation never accepted read "Not yet" for ever, as if its provider could still accept
    it: the moderator waited for someone whose link no longer worked, instead of inviting them again."""
    moderator = get_user_model().objects.get(email="mod@example.org")
    sent = timezone.make_aware(datetime(2026, 3, 2, 10, 0))
    for email, days_ago in (("fresh@example.org", 6), ("stale@example.org", 8)):
        InvitationFactory(email=email, invited_by=moderator, created_at=sent - timedelta(days=days_ago))
    AcceptedInvitationFactory(email="done@example.org", invited_by=moderator, created_at=sent - timedelta(days=9))

    with time_machine.travel(sent, tick=False):
        rows = {
            cells[0]: cells[3]
            for cells in (
                [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
                for row in re.findall(r"<tr[^>]*>(.*?)</tr>", moderator_client.get(reverse("accounts:invite")).content.decode())
            )
            if cells
        }
        welsh = moderator_client.get("/cy" + reverse("accounts:invite")).content.decode()

    assert rows["fresh@example.org"] == "Not yet"
    assert rows["stale@example.org"] == "No: its link expired on 1 Mar 2026"
    assert rows["done@example.org"] != "Not yet" and "expired" not in rows["done@example.org"]
    assert "Naddo: daeth ei ddolen i ben ar 1 Maw 2026" in welsh


def _withdraw_path(invitation) -> str:
    return reverse("accounts:invitation_withdraw", args=[invitation.public_id])


def test_a_moderator_withdraws_an_invitation_not_yet_accepted_and_its_link_stops_working(
    client, invitation, moderator_client,
):
    """An invitation sent to a mistyped address, or to someone who then left, could not be taken
    back: its link let whoever held it choose a password and edit the organisation's listings for a week."""
    path = invitation_path()
    page = moderator_client.get(reverse("accounts:invite")).content.decode()
    assert f'action="{_withdraw_path(invitation)}"' in page
    assert "Withdraw<span class=\"govuk-visually-hidden\"> the invitation to new@example.org</span>" in page

    response = moderator_client.post(_withdraw_path(invitation), follow=True)

    assert response.redirect_chain == [(reverse("accounts:invite"), 302)]
    assert "Invitation to new@example.org withdrawn: its link no longer works." in response.content.decode()
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    client.logout()
    assert "not valid" in client.get(path).content.decode()
    refused = client.post(path, {"password1": "a-good-long-passphrase", "password2": "a-good-long-passphrase"})
    assert refused.status_code == 400
    assert not get_user_model().objects.filter(email="new@example.org").exists()


def test_an_accepted_invitation_is_not_withdrawn_and_offers_no_button(moderator_client):
    """Accepted, it is the record of who gave the provider access: kept, and the moderator told why."""
    accepted = AcceptedInvitationFactory(email="done@example.org")
    expired = InvitationFactory(email="late@example.org", created_at=timezone.now() - timedelta(days=8))
    page = moderator_client.get(reverse("accounts:invite")).content.decode()
    assert _withdraw_path(accepted) not in page
    assert _withdraw_path(expired) not in page  # its link already does not work

    response = moderator_client.post(_withdraw_path(accepted), follow=True)

    assert "done@example.org has already accepted this invitation, so it cannot be withdrawn." in response.content.decode()
    assert Invitation.objects.filter(pk=accepted.pk, accepted_at__isnull=False).exists()
    welsh = moderator_client.post("/cy" + _withdraw_path(accepted), follow=True).content.decode()
    assert "Mae done@example.org eisoes wedi derbyn y gwahoddiad hwn, felly ni ellir ei dynnu&#x27;n ôl." in welsh


def test_only_a_moderator_withdraws_an_invitation_and_only_by_post(client, invitation, moderator_client):
    assert moderator_client.get(_withdraw_path(invitation)).status_code == 405
    provider = UserFactory(email="p@example.org")
    MembershipFactory(user=provider, organisation=invitation.organisation)
    client.force_login(provider)
    assert client.post(_withdraw_path(invitation)).status_code == 403
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def _remove_path(membership) -> str:
    return reverse("accounts:membership_remove", args=[membership.pk])


@pytest.fixture
def leaver(db):
    """A provider who has left their organisation, with an invitation there from before not yet accepted."""
    user = UserFactory(username="gone@example.org", email="gone@example.org")
    organisation = OrganisationFactory(name="Left org")
    InvitationFactory(email="Gone@example.org", organisation=organisation)
    return MembershipFactory(user=user, organisation=organisation)


def test_a_moderator_removes_a_providers_access_after_being_asked_and_the_account_stays(moderator_client, leaver):
    """Removing a provider who had left was possible only in the Django admin, which a moderator made
    with create_moderator cannot open: their access stayed for as long as their account did."""
    stays = MembershipFactory(user=UserFactory(email="stays@example.org"), organisation=leaver.organisation)
    other_invitation = InvitationFactory(email="someone@example.org", organisation=leaver.organisation)
    page = moderator_client.get(reverse("accounts:invite")).content.decode()
    assert f'href="{_remove_path(leaver)}"' in page
    assert 'Remove access<span class="govuk-visually-hidden"> of gone@example.org to Left org</span>' in page

    question = moderator_client.get(_remove_path(leaver))

    assert question.status_code == 200
    html = unescape(question.content.decode())
    assert "Are you sure you want to remove gone@example.org's access to Left org?" in html
    assert "they can no longer sign in to edit Left org's listings" in html
    assert "their past changes stay in the listings' history" in html
    assert Membership.objects.filter(pk=leaver.pk).exists()  # asking changes nothing

    response = moderator_client.post(_remove_path(leaver), follow=True)

    assert response.redirect_chain == [(reverse("accounts:invite"), 302)]
    assert "gone@example.org can no longer edit Left org's listings." in unescape(response.content.decode())
    assert not Membership.objects.filter(pk=leaver.pk).exists()
    assert get_user_model().objects.filter(pk=leaver.user_id).exists()  # the history names them
    assert Membership.objects.filter(pk=stays.pk).exists()
    # Its link would have given the access back.
    assert list(Invitation.objects.filter(organisation=leaver.organisation)) == [other_invitation]
    assert _remove_path(leaver) not in response.content.decode()


def test_a_removed_provider_loses_the_organisations_listings_at_once_and_is_signed_out_if_nothing_is_left(
    moderator_client, leaver,
):
    service = ServiceFactory(organisation=leaver.organisation)
    elsewhere = MembershipFactory(user=UserFactory(email="both@example.org"))
    both = MembershipFactory(user=elsewhere.user, organisation=leaver.organisation)
    theirs, other = Client(), Client()
    theirs.force_login(leaver.user)
    other.force_login(elsewhere.user)
    edit = reverse("listings:service_edit", args=[service.public_id])
    assert theirs.get(edit).status_code == other.get(edit).status_code == 200

    moderator_client.post(_remove_path(leaver))
    moderator_client.post(_remove_path(both))

    # Nothing left to edit: their session ends now, not at sign-out.
    assert theirs.get(edit)["Location"].startswith(reverse("accounts:login"))
    # Still an editor elsewhere: signed in, but not to this organisation's listings.
    assert other.get(edit).status_code in (403, 404)
    assert other.get(reverse("listings:dashboard")).status_code == 200


def test_only_a_moderator_removes_access(client, leaver):
    path = _remove_path(leaver)
    assert client.get(path)["Location"].startswith(reverse("accounts:login"))
    assert client.post(path)["Location"].startswith(reverse("accounts:login"))
    # A provider cannot remove a colleague: only a moderator invites, so only one removes.
    colleague = MembershipFactory(user=UserFactory(email="colleague@example.org"), organisation=leaver.organisation)
    client.force_login(colleague.user)
    assert client.get(path).status_code == 403
    assert client.post(path).status_code == 403
    assert Membership.objects.filter(pk=leaver.pk).exists()


def test_removing_access_reads_in_welsh(moderator_client, leaver):
    path = "/cy" + _remove_path(leaver)
    question = unescape(moderator_client.get(path).content.decode())
    assert "Ydych chi'n siŵr eich bod am ddileu mynediad gone@example.org i Left org?" in question
    done = unescape(moderator_client.post(path, follow=True).content.decode())
    assert "Ni all gone@example.org olygu cofnodion Left org mwyach." in done


def test_removing_access_no_longer_there_is_a_404(moderator_client, leaver):
    path = _remove_path(leaver)
    leaver.delete()
    assert moderator_client.get(path).status_code == 404
    assert moderator_client.post(path).status_code == 404


def _queue_row(html: str, name: str) -> str:
    rows = [row for row in html.split("<tr") if name in row]
    assert len(rows) == 1, name
    return rows[0]


def test_a_removed_providers_waiting_changes_stay_to_be_decided_and_every_page_says_they_left(
    moderator_client, leaver, django_capture_on_commit_callbacks,
):
    """Their changes stayed in the queue with nothing saying the sender had gone, and the decision was
    emailed to them, who could no longer act on it, rather than to the organisation's editors."""
    stays = MembershipFactory(user=UserFactory(username="stays"), organisation=leaver.organisation)
    theirs = ServiceChange.objects.create(
        service=UnpublishedServiceFactory(organisation=leaver.organisation, name="Leavers listing"),
        kind=ServiceChange.Kind.NEW, submitted_by=leaver.user)
    colleagues = ServiceChange.objects.create(
        service=UnpublishedServiceFactory(organisation=leaver.organisation, name="Colleagues listing"),
        kind=ServiceChange.Kind.NEW, submitted_by=stays.user)
    queue = reverse("listings:moderation")
    assert "No longer has access" not in moderator_client.get(queue).content.decode()

    question = unescape(moderator_client.get(_remove_path(leaver)).content.decode())
    assert "They sent 1 change to Left org's listings that is still waiting for approval." in question
    assert "marked as sent by someone who no longer has access, to be approved or rejected on its merits" in question
    assert f'href="{queue}#changes"' in question

    done = unescape(moderator_client.post(_remove_path(leaver), follow=True).content.decode())

    assert ("gone@example.org can no longer edit Left org's listings. The change they sent is still waiting for "
            "approval in the moderation queue.") in done
    assert set(ServiceChange.objects.values_list("state", flat=True)) == {ServiceChange.State.PENDING}
    listed = moderator_client.get(queue).content.decode()
    assert "No longer has access" in _queue_row(listed, "Leavers listing")
    assert "No longer has access" not in _queue_row(listed, "Colleagues listing")
    detail = unescape(moderator_client.get(reverse("listings:change_detail", args=[theirs.pk])).content.decode())
    assert "gone@example.org no longer has access to Left org's listings. Decide this change on its merits" in detail
    other = moderator_client.get(reverse("listings:change_detail", args=[colleagues.pk])).content.decode()
    assert 'id="submitter-left"' not in other

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moderator_client.post(reverse("listings:change_reject", args=[theirs.pk]), {"reason": "No phone number."})
    theirs.refresh_from_db()
    assert theirs.state == ServiceChange.State.REJECTED
    # Told to who can still act on it (edit the listing), not to who left.
    assert [message.to for message in mail.outbox] == [["stays@example.org"]]
    decided = unescape(moderator_client.get(reverse("listings:change_detail", args=[theirs.pk])).content.decode())
    assert 'id="submitter-left"' not in decided  # said while it waits; once decided, the history is the record


def test_removing_a_provider_with_several_changes_waiting_counts_them_and_none_leaves_nothing_to_say(
    moderator_client, leaver,
):
    elsewhere = UnpublishedServiceFactory(name="Other org listing")  # another organisation's: not counted
    for name in ("One", "Two"):
        ServiceChange.objects.create(service=UnpublishedServiceFactory(organisation=leaver.organisation, name=name),
                                     kind=ServiceChange.Kind.NEW, submitted_by=leaver.user)
    ServiceChange.objects.create(service=elsewhere, kind=ServiceChange.Kind.NEW, submitted_by=leaver.user)
    question = unescape(moderator_client.get(_remove_path(leaver)).content.decode())
    assert "They sent 2 changes to Left org's listings that are still waiting for approval." in question
    welsh = unescape(moderator_client.get("/cy" + _remove_path(leaver)).content.decode())
    assert "Anfonon nhw 2 newid i gofnodion Left org sy'n dal i aros am gymeradwyaeth." in welsh

    ServiceChange.objects.filter(submitted_by=leaver.user).update(state=ServiceChange.State.WITHDRAWN)
    question = moderator_client.get(_remove_path(leaver)).content.decode()
    assert 'id="pending-changes"' not in question
    done = unescape(moderator_client.post(_remove_path(leaver), follow=True).content.decode())
    assert "still waiting for approval" not in done


@pytest.fixture
def many_editors(db, monkeypatch):
    """Five people editing three organisations, two to a page of the list."""
    from directory.accounts import views

    monkeypatch.setattr(views, "MEMBERSHIPS_PAGE_SIZE", 2)
    cardiff = OrganisationFactory(name_en="Cardiff Trust", name_cy="Ymddiriedolaeth Caerdydd")
    wyr = OrganisationFactory(name_en="Ŵyr a Wyresau")
    bangor = OrganisationFactory(name_en="Bangor Centre")
    for username, organisation in [("ann", cardiff), ("bea", cardiff), ("cai", wyr), ("dai", bangor), ("eve", bangor)]:
        MembershipFactory(user=UserFactory(username=username), organisation=organisation)


def _people_emails(html: str) -> list[str]:
    table = html[html.index('id="people"'):]
    return re.findall(r'<td class="govuk-table__cell">([a-z]+@example\.org)</td>', table)


def test_who_can_edit_listings_is_listed_a_page_at_a_time(moderator_client, many_editors, django_assert_max_num_queries):
    invite = reverse("accounts:invite")
    first = unescape(moderator_client.get(invite).content.decode())
    assert _people_emails(first) == ["dai@example.org", "eve@example.org"]  # by organisation: Bangor first
    assert "Showing 1 to 2 of 5" in first
    assert 'aria-label="Pages of who can edit listings"' in first
    assert 'href="?people_page=2#people"' in first
    with django_assert_max_num_queries(20):
        last = unescape(moderator_client.get(invite + "?people_page=3").content.decode())
    assert _people_emails(last) == ["cai@example.org"]
    # A page past the end (a link kept after people were removed) shows the last, not an error.
    assert _people_emails(unescape(moderator_client.get(invite + "?people_page=9").content.decode())) == ["cai@example.org"]


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("cardiff", ["ann@example.org", "bea@example.org"]),  # part of the name, any case
        ("  CAERDYDD ", ["ann@example.org", "bea@example.org"]),  # the Welsh name
        ("Ŵyr", ["cai@example.org"]),
        ("ŵyr a", ["cai@example.org"]),  # Welsh letters in any case too (SQLite's LIKE folds A-Z alone)
        ("ŴYR A WYRESAU", ["cai@example.org"]),
        ("eve@", ["eve@example.org"]),  # part of an email address
    ],
)
def test_who_can_edit_listings_is_found_by_organisation_name_or_email(moderator_client, many_editors, search, found):
    html = unescape(moderator_client.get(reverse("accounts:invite"), {"people": search}).content.decode())
    assert _people_emails(html) == found
    assert f"{len(found)} found" in html
    assert 'Clear the search</a>' in html


def test_a_search_of_who_can_edit_listings_keeps_to_its_pages_and_says_when_nothing_matches(
    moderator_client, many_editors,
):
    invite = reverse("accounts:invite")
    html = unescape(moderator_client.get(invite, {"people": "example.org"}).content.decode())
    assert 'href="?people=example.org&amp;people_page=2#people"' in moderator_client.get(
        invite, {"people": "example.org"}).content.decode()
    assert "5 found: Showing 1 to 2 of 5" in html

    none = unescape(moderator_client.get(invite, {"people": "Swansea"}).content.decode())
    assert "No one who can edit listings matches this search." in none
    assert _people_emails(none) == []
    assert 'value="Swansea"' in none  # what was typed stays in the box

    too_long = unescape(moderator_client.get(invite, {"people": "x" * 201}).content.decode())
    assert "<title>Error: Invite a provider" in too_long
    assert "Enter 200 characters or fewer to search by organisation name or email address." in too_long
    assert len(_people_emails(too_long)) == 2  # the list stays, unsearched


def test_with_no_one_editing_listings_the_invite_page_says_so_and_offers_no_search(moderator_client):
    html = unescape(moderator_client.get(reverse("accounts:invite")).content.decode())
    assert "No one can edit an organisation's listings yet." in html
    assert 'name="people"' not in html
