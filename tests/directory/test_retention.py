"""prune_personal_data: staff personal data past its period is removed (directory/retention.py);
what the app still needs is kept, whatever its age."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from axes.models import AccessAttempt, AccessLog
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from directory.accounts.models import Invitation
from directory.models import ProblemReport, ReviewRequest
from tests.factories import (
    AcceptedInvitationFactory,
    InvitationFactory,
    MembershipFactory,
    ProblemReportFactory,
    ResolvedProblemReportFactory,
    ReviewRequestFactory,
    ServiceFactory,
    UserFactory,
)
from tests.job_log import job_log

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 10, 2, 15, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
PASSWORD = "a-long-test-password"


def _days(days: int) -> timedelta:
    return timedelta(days=days)


def prune(*arguments: str) -> tuple[str, str]:
    """Run the job at NOW as cron does; what it logged and what it printed."""
    out = StringIO()
    with time_machine.travel(NOW, tick=False), job_log() as log:
        call_command("prune_personal_data", *arguments, stdout=out)
    return log.getvalue(), out.getvalue()


def sign_in(client: Client, username: str, password: str, *, at: datetime, address: str = "203.0.113.7") -> int:
    with time_machine.travel(at, tick=False):
        return client.post(reverse("accounts:login"), {"username": username, "password": password},
                           REMOTE_ADDR=address).status_code


def test_sign_in_records_older_than_their_period_are_removed_and_one_just_inside_it_is_kept(settings):
    settings.RETAIN_SIGN_IN_RECORDS_DAYS = 90
    UserFactory(username="old@example.org")
    UserFactory(username="recent@example.org")
    assert sign_in(Client(), "old@example.org", PASSWORD, at=NOW - _days(90) - MINUTE) == 302
    assert sign_in(Client(), "recent@example.org", PASSWORD, at=NOW - _days(90) + MINUTE) == 302

    prune()

    assert list(AccessLog.objects.values_list("username", flat=True)) == ["recent@example.org"]


def test_the_sign_in_period_is_the_settings(settings):
    settings.RETAIN_SIGN_IN_RECORDS_DAYS = 10
    UserFactory(username="p@example.org")
    sign_in(Client(), "p@example.org", PASSWORD, at=NOW - _days(10) - MINUTE)

    prune()

    assert not AccessLog.objects.exists()


def test_an_accounts_current_lock_out_is_kept_and_an_ended_one_removed(settings):
    settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME = 5, 1
    UserFactory(username="locked@example.org")
    UserFactory(username="was-locked@example.org")
    for _ in range(5):
        sign_in(Client(), "locked@example.org", "wrong", at=NOW - timedelta(hours=1) + MINUTE)
        sign_in(Client(), "was-locked@example.org", "wrong", at=NOW - timedelta(hours=1) - MINUTE)

    prune()

    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["locked@example.org"]
    # Still locked out: the right password is refused until the hour is up.
    assert sign_in(Client(), "locked@example.org", PASSWORD, at=NOW) == 429


def test_invitations_are_removed_a_period_after_they_were_used_or_expired(settings):
    settings.RETAIN_INVITATIONS_DAYS, settings.INVITATION_MAX_AGE_DAYS = 30, 7
    AcceptedInvitationFactory(email="used-long-ago@example.org", accepted_at=NOW - _days(30) - MINUTE)
    AcceptedInvitationFactory(email="used-lately@example.org", accepted_at=NOW - _days(30) + MINUTE)
    # Made (and emailed) 37 days ago: its link expired 30 days ago.
    InvitationFactory(email="expired-long-ago@example.org", created_at=NOW - _days(37) - MINUTE)
    InvitationFactory(email="expired-lately@example.org", created_at=NOW - _days(37) + MINUTE)
    InvitationFactory(email="pending@example.org", created_at=NOW - _days(1))

    prune()

    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "expired-lately@example.org", "pending@example.org", "used-lately@example.org"]


def test_resolved_problem_reports_are_removed_a_period_after_and_open_ones_are_kept(settings):
    settings.RETAIN_RESOLVED_PROBLEM_REPORTS_DAYS = 365
    ResolvedProblemReportFactory(comment="resolved long ago", resolved_at=NOW - _days(365) - MINUTE)
    ResolvedProblemReportFactory(comment="resolved lately", resolved_at=NOW - _days(365) + MINUTE)
    ProblemReportFactory(comment="open for years", created_at=NOW - _days(3 * 365))

    prune()

    assert sorted(ProblemReport.objects.values_list("comment", flat=True)) == ["open for years", "resolved lately"]


def test_a_review_requests_addresses_are_blanked_after_their_period_and_the_record_kept(settings):
    settings.RETAIN_REVIEW_REQUEST_ADDRESSES_DAYS = 365
    old = ReviewRequestFactory(sent_at=NOW - _days(365) - MINUTE, recipients="a@example.org, b@example.org")
    recent = ReviewRequestFactory(sent_at=NOW - _days(365) + MINUTE, recipients="c@example.org")

    prune()

    assert ReviewRequest.objects.get(pk=old.pk).recipients == ""
    assert ReviewRequest.objects.get(pk=recent.pk).recipients == "c@example.org"


def test_a_review_request_whose_addresses_were_blanked_is_not_sent_again(settings):
    """Deleting the row would have sent the urgent request again: it is how the job knows it went."""
    settings.RETAIN_REVIEW_REQUEST_ADDRESSES_DAYS = 365
    service = ServiceFactory(last_confirmed_at=date(2025, 1, 10))
    MembershipFactory(organisation=service.organisation, user=UserFactory(username="p@example.org"))
    with time_machine.travel(datetime(2026, 2, 11, 7, 15, tzinfo=UTC)):  # 13 months: the urgent request
        call_command("send_review_requests", stdout=StringIO())
    assert len(mail.outbox) == 1

    prune()  # 13 months later: the listing was never confirmed
    with time_machine.travel(NOW + timedelta(hours=5)):
        call_command("send_review_requests", stdout=StringIO())

    assert ReviewRequest.objects.get().recipients == ""
    assert len(mail.outbox) == 1


def test_a_dry_run_removes_nothing_and_logs_counts_never_addresses(settings):
    UserFactory(username="p@example.org")
    sign_in(Client(), "p@example.org", PASSWORD, at=NOW - _days(settings.RETAIN_SIGN_IN_RECORDS_DAYS + 1))
    AcceptedInvitationFactory(email="invited@example.org", accepted_at=NOW - _days(365))
    ResolvedProblemReportFactory(resolved_at=NOW - _days(400))
    ReviewRequestFactory(sent_at=NOW - _days(400), recipients="reviewer@example.org")

    logged, printed = prune("--dry-run")

    assert (AccessLog.objects.count(), Invitation.objects.count(), ProblemReport.objects.count()) == (1, 1, 1)
    assert ReviewRequest.objects.get().recipients == "reviewer@example.org"
    assert ("1 sign-in records, 0 failed sign-in records, 0 ended lock-outs and failed sign-in counts, "
            "1 invitations, 1 resolved problem reports, 1 review request addresses would be removed "
            "(dry run: nothing removed).") in logged
    assert "@" not in logged + printed and "203.0.113" not in logged + printed


def test_a_run_logs_its_start_and_its_counts_and_a_second_run_finds_nothing(settings):
    ResolvedProblemReportFactory(resolved_at=NOW - _days(400))
    ReviewRequestFactory(sent_at=NOW - _days(400), recipients="reviewer@example.org")

    first, _ = prune()
    second, _ = prune()

    assert "servicemap.jobs.prune_personal_data: started" in first
    assert ": 0 sign-in records, 0 failed sign-in records, 0 ended lock-outs and failed sign-in counts, " \
           "0 invitations, 1 resolved problem reports, 1 review request addresses removed." in first
    assert ": 0 sign-in records, 0 failed sign-in records, 0 ended lock-outs and failed sign-in counts, " \
           "0 invitations, 0 resolved problem reports, 0 review request addresses removed." in second
    assert "@" not in first
