"""close_unused_accounts: unused staff accounts are warned, closed and erased (the rules are
directory/accounts/dormancy.py); a closed account's holder is told what to do; a moderator opens one
again; the last moderator stays open."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from io import StringIO
from smtplib import SMTPException
from unittest import mock

import pytest
import time_machine
from axes.models import AccessLog
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from directory.accounts.models import AccountDormancy, Membership
from directory.accounts.services import account_language_set, moderator_create
from directory.accounts.unused_accounts import account_erase
from directory.models import Service, ServiceChange, WaitingTimeReport
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ServiceFactory,
    UserFactory,
    WaitingTimeReportFactory,
)
from tests.job_log import job_log

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PASSWORD = "a-long-test-password"
WRONG_PASSWORD_MESSAGE = "Enter a correct email address and password"


def day(n: int) -> datetime:
    """`n` days after START, at the job's time."""
    return START + timedelta(days=n)


@pytest.fixture(autouse=True)
def _periods(settings):
    settings.CLOSE_UNUSED_ACCOUNTS_DAYS, settings.UNUSED_ACCOUNT_WARNING_DAYS = 365, 30
    settings.ERASE_CLOSED_ACCOUNTS_DAYS = 90


def run(at: datetime, *arguments: str) -> str:
    """The job at `at`, as cron runs it; what it logged. Emails sent after its commits are sent."""
    with time_machine.travel(at, tick=False), job_log() as log:
        call_command("close_unused_accounts", *arguments, stdout=StringIO())
    return log.getvalue()


def provider(email: str = "p@example.org", *, organisation=None, joined: datetime = START):
    user = UserFactory(username=email, email=email, date_joined=joined)
    MembershipFactory(user=user, organisation=organisation or OrganisationFactory(name="Example charity"))
    return user


def moderator(email: str = "mod@example.org", *, joined: datetime = START):
    user = moderator_create(email=email, password=PASSWORD).user
    get_user_model().objects.filter(pk=user.pk).update(date_joined=joined)
    return user


def sign_in(client: Client, username: str, password: str = PASSWORD, *, at: datetime):
    with time_machine.travel(at, tick=False):
        return client.post(reverse("accounts:login"), {"username": username, "password": password})


def refreshed(user):
    return get_user_model().objects.get(pk=user.pk)


def warnings_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address] and "will be closed" in m.subject]


def test_a_holder_is_warned_once_a_month_before_the_limit(django_capture_on_commit_callbacks):
    user = provider()
    moderator(joined=day(330))  # in use: not warned

    run(day(335) - timedelta(minutes=1))
    assert warnings_to("p@example.org") == []

    run(day(335))
    run(day(336))
    [warning] = warnings_to("p@example.org")
    assert "used since 5 January 2026" in warning.body and "sign in by 5 January 2027" in warning.body
    assert "/accounts/login/" in warning.body
    assert refreshed(user).is_active
    assert AccountDormancy.objects.get(user=user).warned_at == day(335)


def test_an_account_is_closed_at_the_limit_and_its_listings_stay_with_the_organisation(
        django_capture_on_commit_callbacks):
    organisation = OrganisationFactory(name="Example charity")
    user = provider(organisation=organisation)
    ServiceFactory(organisation=organisation, name="Play therapy")
    moderator(joined=day(360))
    run(day(335))

    run(day(365) - timedelta(minutes=1))
    assert refreshed(user).is_active

    with django_capture_on_commit_callbacks(execute=True):
        log = run(day(365))

    assert not refreshed(user).is_active
    assert Membership.objects.filter(user=user, organisation=organisation).exists()  # for opening it again
    assert Service.objects.filter(organisation=organisation, name="Play therapy").exists()
    [told] = [m for m in mail.outbox if m.to == ["mod@example.org"]]
    assert "p@example.org (Example charity)" in told.body
    assert re.search(r"No open account can now edit the listings of:\s+- Example charity", told.body)
    assert "1 closed" in log and "1 organisation(s) left with no account able to edit their listings" in log
    assert "edit their listings (moderators told)." in log
    assert "p@example.org" not in log  # counts only: the lines go to a file every day


def test_a_run_that_closes_nothing_does_not_say_the_moderators_were_told(django_capture_on_commit_callbacks):
    # Every day's log line ended "0 organisation(s) left with ... (moderators told)": nobody was told anything.
    provider()
    moderator(joined=day(330))
    with django_capture_on_commit_callbacks(execute=True):
        log = run(day(335))  # a warning, nothing closed
    assert "0 closed" in log and "1 account(s) warned" in log
    assert "0 organisation(s) left with no account able to edit their listings." in log
    assert "moderators told" not in log
    assert not [m for m in mail.outbox if m.to == ["mod@example.org"]]


def test_moderators_are_not_told_an_organisation_is_left_unedited_while_another_account_can_edit_it(
        django_capture_on_commit_callbacks):
    organisation = OrganisationFactory(name="Example charity")
    ServiceFactory(organisation=organisation)
    provider(organisation=organisation)
    provider("colleague@example.org", organisation=organisation, joined=day(360))
    moderator(joined=day(360))
    run(day(335))
    with django_capture_on_commit_callbacks(execute=True):
        run(day(365))

    [told] = [m for m in mail.outbox if m.to == ["mod@example.org"]]
    assert "p@example.org (Example charity)" in told.body and "No open account" not in told.body


def test_a_sign_in_after_the_warning_keeps_the_account_open():
    user = provider()
    run(day(335))
    assert sign_in(Client(), "p@example.org", at=day(340)).status_code == 302

    run(day(365))
    run(day(400))

    assert refreshed(user).is_active
    assert len(warnings_to("p@example.org")) == 1


def test_an_account_found_long_past_the_limit_gets_its_full_notice_before_it_is_closed():
    user = provider(joined=day(-800))
    run(day(0))
    assert len(warnings_to("p@example.org")) == 1 and refreshed(user).is_active
    run(day(29))
    assert refreshed(user).is_active
    run(day(30))
    assert not refreshed(user).is_active


def test_a_warning_the_mail_server_refuses_is_tried_again_and_the_account_not_closed_without_it():
    user = provider()
    with mock.patch("directory.accounts.unused_accounts.send_mail", side_effect=SMTPException("refused")), \
            pytest.raises(CommandError, match="1 warning"):
        run(day(335))
    assert not AccountDormancy.objects.filter(user=user, warned_at__isnull=False).exists()

    run(day(370))  # past the limit, but the warning has only just gone
    assert refreshed(user).is_active and len(warnings_to("p@example.org")) == 1
    run(day(400))
    assert not refreshed(user).is_active


def test_a_dry_run_counts_and_changes_nothing():
    user = provider(joined=day(-800))
    log = run(day(0), "--dry-run")
    assert "1 account(s) would be warned" in log and "Dry run: nothing changed, nothing sent." in log
    assert mail.outbox == [] and not AccountDormancy.objects.exists() and refreshed(user).is_active


def test_the_last_active_moderator_is_never_closed_and_the_log_says_so(django_capture_on_commit_callbacks):
    only = moderator()
    run(day(335))
    log = run(day(400))

    assert refreshed(only).is_active
    assert "1 left open as the last moderator" in log and "WARNING" in log and "create_moderator" in log


def kept_notices_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address] and "kept open" in m.subject]


def test_the_last_moderator_is_told_their_account_is_kept_open_not_warned_that_it_will_close():
    only = moderator()  # has not chosen a language: both, Welsh first

    log = run(day(335))
    run(day(336))
    run(day(400))

    assert warnings_to("mod@example.org") == [] and refreshed(only).is_active
    [notice] = kept_notices_to("mod@example.org")
    assert notice.subject == ("Caiff eich cyfrif servicemap ei gadw ar agor: dyma'r cymedrolwr olaf / "
                              "Your servicemap account is kept open: it is the last moderator")
    welsh, english = notice.body.split("-" * 40)
    assert welsh.startswith("Scroll down for English.") and "5 Ionawr 2026" in welsh and "gymedrolwr" in welsh
    assert "not been used since 5 January 2026" in english and "no other moderator is using the site, so yours is kept open" in english
    assert "make someone else a moderator" in english and "/accounts/login/" in english
    assert "If you do not sign in by" not in notice.body
    assert "1 last moderator(s) told their account stays open" in log


def test_the_last_moderators_notice_is_in_their_language():
    account_language_set(user=moderator(), language="cy")
    run(day(335))
    [notice] = [m for m in mail.outbox if m.to == ["mod@example.org"]]
    assert notice.subject == "Caiff eich cyfrif servicemap ei gadw ar agor: dyma'r cymedrolwr olaf"
    assert "Hello" not in notice.body and "/cy/accounts/login/" in notice.body


def test_the_kept_moderator_is_warned_once_another_moderator_is_in_use_and_closed_a_notice_after():
    kept = moderator("old-mod@example.org")
    run(day(335))
    assert len(kept_notices_to("old-mod@example.org")) == 1
    moderator("new-mod@example.org", joined=day(340))

    run(day(341))
    assert len(warnings_to("old-mod@example.org")) == 1
    run(day(370))
    assert refreshed(kept).is_active
    run(day(371))
    assert not refreshed(kept).is_active


def test_a_dormant_moderator_is_closed_while_another_moderator_is_in_use():
    dormant = moderator("old-mod@example.org")
    active = moderator("mod@example.org", joined=day(390))
    run(day(335))
    run(day(400))
    assert not refreshed(dormant).is_active and refreshed(active).is_active


def test_a_closed_account_is_erased_its_period_later_and_its_changes_keep_a_number(settings):
    user = provider()
    wait = WaitingTimeReportFactory(service=ServiceFactory(), recorded_by=user)
    LogEntry.objects.create(user=user, content_type=ContentType.objects.get_for_model(user), object_id=str(user.pk),
                            object_repr="p@example.org", action_flag=CHANGE)
    sign_in(Client(), "p@example.org", "wrong", at=day(364))  # a sign-in record with the address
    moderator(joined=day(450))
    run(day(335))
    run(day(365))

    run(day(365 + 90) - timedelta(minutes=1))
    assert refreshed(user).email == "p@example.org"
    run(day(365 + 90))

    erased = refreshed(user)
    assert (erased.username, erased.email, erased.is_active) == (f"erased-account-{user.pk}", "", False)
    assert not erased.has_usable_password()
    assert not Membership.objects.filter(user=erased).exists()
    assert WaitingTimeReport.objects.get(pk=wait.pk).recorded_by_id == user.pk  # the history still tells it apart
    assert LogEntry.objects.get(object_id=str(user.pk)).object_repr == f"erased-account-{user.pk}"
    assert not AccessLog.objects.filter(username="p@example.org").exists()
    assert sign_in(Client(), "p@example.org", at=day(460)).status_code == 200  # no such account now


def test_a_closed_accounts_holder_is_told_what_to_do_and_nobody_else_learns_it_exists():
    provider()
    run(day(335))
    run(day(365))

    right = sign_in(Client(), "p@example.org", at=day(366)).content.decode()
    assert "closed because it had not been used for 1 year" in right and "ask a moderator" in right
    assert WRONG_PASSWORD_MESSAGE not in right

    wrong = sign_in(Client(), "p@example.org", "not-the-password", at=day(366)).content.decode()
    nobody = sign_in(Client(), "nobody@example.org", "not-the-password", at=day(366)).content.decode()
    for page in (wrong, nobody):
        assert WRONG_PASSWORD_MESSAGE in page and "closed" not in page


def signed_in(user, *, at: datetime) -> Client:
    client = Client()
    with time_machine.travel(at, tick=False):
        client.force_login(user)
    return client


def test_an_open_session_ends_when_its_account_is_closed(settings):
    settings.SESSION_COOKIE_AGE = 2 * 365 * 24 * 3600  # so that only the closing can end it
    user = provider()
    client = signed_in(user, at=START)
    with time_machine.travel(day(364), tick=False):
        assert client.get(reverse("listings:dashboard")).status_code == 200
    run(day(335))
    run(day(365))
    with time_machine.travel(day(366), tick=False):
        assert client.get(reverse("listings:dashboard")).status_code == 302


def test_a_moderator_sees_the_closed_account_and_opens_it_again_with_a_fresh_period():
    organisation = OrganisationFactory(name="Example charity")
    ServiceFactory(organisation=organisation)
    user = provider(organisation=organisation)
    moderator_client = signed_in(moderator(joined=day(360)), at=day(370))
    run(day(335))
    run(day(365))

    with time_machine.travel(day(370), tick=False):
        page = moderator_client.get(reverse("listings:moderation")).content.decode()
        assert "Accounts closed for not being used" in page and "p@example.org" in page
        assert "No one can edit it" in page and "5 Apr 2027" in page  # erased on: 90 days after closing
        response = moderator_client.post(reverse("accounts:account_reopen", args=[user.pk]))
    assert response.status_code == 302
    assert refreshed(user).is_active
    assert AccountDormancy.objects.get(user=user).reopened_by.email == "mod@example.org"

    # Opened on day 370, not signed in to since: the whole period again, with a warning first.
    run(day(370 + 335) - timedelta(minutes=1))
    assert len(warnings_to("p@example.org")) == 1
    run(day(370 + 335))
    assert refreshed(user).is_active and len(warnings_to("p@example.org")) == 2
    assert sign_in(Client(), "p@example.org", at=day(370 + 336)).status_code == 302


def test_only_a_moderator_can_open_a_closed_account_and_only_by_post(moderator_client):
    user = provider()
    run(day(335))
    run(day(365))
    url = reverse("accounts:account_reopen", args=[user.pk])

    assert Client().post(url).status_code == 302 and not refreshed(user).is_active  # to the sign-in page
    other = Client()
    other.force_login(UserFactory(username="someone@example.org"))
    assert other.post(url).status_code == 403 and not refreshed(user).is_active
    assert moderator_client.get(url).status_code == 405
    assert moderator_client.post(reverse("accounts:account_reopen", args=[999999])).status_code == 404


def test_an_open_or_erased_account_cannot_be_opened_again(moderator_client):
    user = provider()
    page = moderator_client.post(reverse("accounts:account_reopen", args=[user.pk]), follow=True).content.decode()
    assert "This account is not closed, or has already been erased." in page
    assert not AccountDormancy.objects.filter(user=user).exists()


def test_an_account_ticked_active_again_in_the_admin_is_not_closed_again_at_once():
    user = provider()
    run(day(335))
    run(day(365))
    get_user_model().objects.filter(pk=user.pk).update(is_active=True)  # an administrator, in the admin
    run(day(366))
    run(day(500))
    assert refreshed(user).is_active


def test_a_listings_history_names_an_erased_account_by_its_number(moderator_client):
    user = provider()
    service = ServiceFactory(organisation=user.memberships.get().organisation)
    WaitingTimeReportFactory(service=service, recorded_by=user)
    ServiceChange.objects.create(service=service, kind=ServiceChange.Kind.EDIT, state=ServiceChange.State.REJECTED,
                                 submitted_by=user, decided_by=user, decided_at=START, reason="Wrong area")
    account_erase(user=user, now=day(500))

    page = moderator_client.get(reverse("listings:history", args=[service.public_id])).content.decode()

    assert page.count(f"erased-account-{user.pk}") == 3  # who recorded the wait, sent the change and decided it
    assert "p@example.org" not in page


def test_the_moderation_pages_closed_accounts_take_the_same_queries_however_many(django_assert_max_num_queries):
    from directory.accounts.selectors import account_list_closed_unused

    for n in range(5):
        user = provider(f"p{n}@example.org")
        MembershipFactory(user=user)
    run(day(335))
    run(day(365))
    with django_assert_max_num_queries(3):
        closed = account_list_closed_unused()
    assert len(closed) == 5 and all(len(account.organisations) == 2 for account in closed)
