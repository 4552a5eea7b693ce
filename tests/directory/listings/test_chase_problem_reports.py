"""Problem reports left open are chased: a reminder at a week, the moderators told at two weeks."""

from __future__ import annotations

import smtplib
from datetime import UTC, date, datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.accounts.services import account_language_set
from directory.listings.reminders import REPORT_ESCALATION, REPORT_REMINDER, ReportFacts, problem_reports_due
from directory.models import ProblemReport
from tests.factories import MembershipFactory, OrganisationFactory, ServiceFactory, UserFactory
from tests.job_log import job_log

SITE = "https://servicemap.example.org"
MADE = datetime(2025, 3, 3, 16, 30, tzinfo=UTC)  # a Monday afternoon


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def test_a_reminder_is_due_a_week_after_the_report_and_the_escalation_two_weeks_after_each_once():
    def due(today: date, **sent) -> list[tuple[int, str]]:
        return problem_reports_due([ReportFacts(1, date(2025, 3, 3), **sent)], today=today,
                                   remind_after_days=7, escalate_after_days=14)

    assert due(date(2025, 3, 9)) == []
    assert due(date(2025, 3, 10)) == [(1, REPORT_REMINDER)]
    assert due(date(2025, 3, 16), reminded=True) == []
    assert due(date(2025, 3, 17), reminded=True) == [(1, REPORT_ESCALATION)]
    assert due(date(2025, 3, 30), reminded=True, escalated=True) == []
    # Never chased (the job had not run): both, as the reminder goes to other people.
    assert due(date(2025, 3, 30)) == [(1, REPORT_REMINDER), (1, REPORT_ESCALATION)]


def report(service, reason: str = "area", *, made: datetime = MADE, emailed_to: str = "providers",
           comment: str = "") -> ProblemReport:
    return ProblemReport.objects.create(service=service, reason=reason, created_at=made, emailed_to=emailed_to,
                                        comment=comment)


def run(day: str, *args: str) -> str:
    """The job's log of a run at 07:20 on `day` (local time, as cron runs it)."""
    with time_machine.travel(datetime.fromisoformat(f"{day}T07:20:00+00:00"), tick=False), job_log() as log:
        call_command("chase_problem_reports", *args, stdout=StringIO())
    return log.getvalue()


def sent() -> list[tuple[str, list[str]]]:
    return [(m.subject, m.to) for m in mail.outbox]


def test_the_editors_are_reminded_a_week_after_a_report_once_and_the_moderators_told_a_week_later(
    service, provider, moderator,
):
    made = report(service, "area", comment="Ring the office on Tuesdays instead.")

    assert "0 problem report(s) reminded" in run("2025-03-09")
    assert mail.outbox == []

    out = run("2025-03-10")
    [message] = mail.outbox
    assert sent() == [("Reminder: problem reports still open after a week", ["own@example.org"])]
    print(f"\n--- the reminder ---\n{message.subject}\n\n{message.body}")
    assert ('- Own service (Own organisation): "It does not cover my area", reported on 3 March 2025, '
            "open for 7 days.") in message.body
    assert "These problem reports about your listings are still open a week or more" in message.body
    assert f"{SITE}/manage/#problem-reports" in message.body.split()
    assert "If a report is still open two weeks after it was made, the moderators are told." in message.body
    assert "Ring the office" not in message.body  # the comment is read on the page
    assert "Comments left with the reports are not copied into emails" in message.body
    assert "Emailed a provider account of “Own organisation”: 0 problem report(s) open two weeks, 1 open a week" \
        in out and "own@example.org" not in out
    made.refresh_from_db()
    assert made.reminded_at == datetime(2025, 3, 10, 7, 20, tzinfo=UTC) and made.escalated_at is None

    mail.outbox.clear()
    assert "0 problem report(s) reminded" in run("2025-03-10")  # twice a day: nothing twice
    assert "0 problem report(s) reminded" in run("2025-03-16")
    assert mail.outbox == []

    run("2025-03-17")
    [message] = mail.outbox
    assert sent() == [("Problem reports still open after two weeks", ["mod@example.org"])]
    print(f"\n--- the escalation ---\n{message.subject}\n\n{message.body}")
    assert ('- Own service (Own organisation): "It does not cover my area", reported on 3 March 2025, '
            "open for 14 days.") in message.body
    assert "its editors were emailed about them and reminded after a week" in message.body
    assert "no account" not in message.body
    assert f"{SITE}/moderation/#problem-reports" in message.body.split()
    assert "Ring the office" not in message.body
    made.refresh_from_db()
    assert made.escalated_at == datetime(2025, 3, 17, 7, 20, tzinfo=UTC)

    mail.outbox.clear()
    run("2025-03-17")
    run("2025-04-30")
    assert mail.outbox == []


def test_a_resolved_report_is_not_chased(service, provider, moderator):
    made = report(service)
    made.resolved_at = datetime(2025, 3, 5, tzinfo=UTC)
    made.save()
    run("2025-03-20")
    assert mail.outbox == []


def test_a_report_held_back_by_the_quiet_day_reminds_the_editors_who_would_have_been_emailed(
    service, provider, moderator,
):
    report(service, "closed", emailed_to="")
    run("2025-03-10")
    assert sent() == [("Reminder: problem reports still open after a week", ["own@example.org"])]


def test_with_no_provider_account_the_moderators_are_reminded_then_told_once_each(moderator, db):
    service = ServiceFactory(name="Unkept", organisation=OrganisationFactory(name="No accounts"))
    report(service, "closed", emailed_to="moderators")

    run("2025-03-10")
    [reminder] = mail.outbox
    assert sent() == [("Reminder: problem reports still open after a week", ["mod@example.org"])]
    assert "which came to the moderators as their providers have no account" in reminder.body
    assert f"{SITE}/moderation/#problem-reports" in reminder.body.split()
    assert "the moderators are told" not in reminder.body

    mail.outbox.clear()
    run("2025-03-17")
    [escalation] = mail.outbox
    assert escalation.to == ["mod@example.org"]
    assert "open for 14 days. The provider has no account on servicemap to tell." in escalation.body


def test_each_reader_gets_one_email_a_run_listing_all_their_reports(service, provider, moderator, other_provider):
    account_language_set(user=other_provider, language="en")
    second = ServiceFactory(organisation=service.organisation, name="Second service")
    theirs = ServiceFactory(organisation=other_provider.memberships.get().organisation, name="Theirs")
    unkept = ServiceFactory(name="Unkept", organisation=OrganisationFactory(name="No accounts"))
    report(service, "area", made=datetime(2025, 2, 20, 12, tzinfo=UTC))  # 18 days by the run: both due
    report(second, "closed", emailed_to="")
    report(theirs, "criteria")
    report(unkept, "other", made=datetime(2025, 2, 20, 12, tzinfo=UTC), emailed_to="moderators")

    out = run("2025-03-10")

    assert sorted(sent()) == [
        ("Problem reports still open after two weeks", ["mod@example.org"]),
        ("Reminder: problem reports still open after a week", ["other@example.org"]),
        ("Reminder: problem reports still open after a week", ["own@example.org"]),
    ]
    own = next(m for m in mail.outbox if m.to == ["own@example.org"]).body
    assert "Own service (Own organisation)" in own and "Second service (Own organisation)" in own
    assert "Theirs" not in own and "Unkept" not in own
    moderators = next(m for m in mail.outbox if m.to == ["mod@example.org"]).body
    print(f"\n--- the moderators' email ---\n{moderators}")
    # Both escalated; Unkept was theirs to be reminded of too, but is listed once.
    assert moderators.count("Own service (Own organisation)") == 1
    assert moderators.count("Unkept (No accounts)") == 1
    assert "Second service" not in moderators and "Theirs" not in moderators
    assert "These problem reports, which came to the moderators" not in moderators
    assert "4 problem report(s) reminded and 2 told to the moderators, in 3 email(s)" in out
    assert ProblemReport.objects.filter(reminded_at__isnull=True).count() == 0
    assert ProblemReport.objects.filter(escalated_at__isnull=False).count() == 2


def test_the_email_is_in_the_readers_language(service, provider, moderator):
    account_language_set(user=provider, language="cy")
    report(service, "area")
    run("2025-03-10")
    [message] = mail.outbox
    print(f"\n--- the Welsh reminder ---\n{message.subject}\n\n{message.body}")
    assert message.subject == "Nodyn atgoffa: adroddiadau am broblemau sy'n dal ar agor ar ôl wythnos"
    assert ('- Own service (Own organisation): "Nid yw\'n cwmpasu fy ardal i", adroddwyd ar 3 Mawrth 2025, '
            "ar agor ers 7 diwrnod.") in message.body
    assert f"{SITE}/cy/manage/#problem-reports" in message.body.split()
    assert "Hello" not in message.body and "reported on" not in message.body


def test_an_editor_who_has_not_chosen_a_language_gets_both_welsh_first(service, moderator):
    MembershipFactory(user=UserFactory(email="unset@example.org"), organisation=service.organisation)
    report(service, "area")
    run("2025-03-10")
    [message] = mail.outbox
    assert message.subject == ("Nodyn atgoffa: adroddiadau am broblemau sy'n dal ar agor ar ôl wythnos / "
                               "Reminder: problem reports still open after a week")
    assert message.body.index(f"{SITE}/cy/manage/") < message.body.index(f"{SITE}/manage/")


def test_a_dry_run_prints_the_addresses_and_sends_and_records_nothing(service, provider, moderator):
    report(service)
    with time_machine.travel(datetime(2025, 3, 20, 7, 20, tzinfo=UTC), tick=False):
        out = StringIO()
        call_command("chase_problem_reports", "--dry-run", stdout=out)
    assert "Would email own@example.org: 0 problem report(s) open two weeks, 1 open a week" in out.getvalue()
    assert "Would email mod@example.org: 1 problem report(s) open two weeks, 0 open a week" in out.getvalue()
    assert mail.outbox == []
    assert ProblemReport.objects.filter(reminded_at__isnull=True, escalated_at__isnull=True).count() == 1


def _refuse(subject, body, from_email, recipients, **kwargs):
    if recipients == ["mod@example.org"]:
        raise smtplib.SMTPRecipientsRefused({to: (550, f"<{to}> rejected".encode()) for to in recipients})
    mail.outbox.append(mail.EmailMessage(subject, body, from_email, recipients))


def test_what_could_not_be_sent_is_chased_again_on_the_next_run_and_the_run_fails(
    service, provider, moderator, monkeypatch,
):
    made = report(service)
    monkeypatch.setattr("directory.listings.management.commands.chase_problem_reports.send_mail", _refuse)
    with pytest.raises(CommandError, match="1 email"):
        run("2025-03-20")
    made.refresh_from_db()
    assert made.reminded_at is not None and made.escalated_at is None  # the editors' went
    assert sent() == [("Reminder: problem reports still open after a week", ["own@example.org"])]

    monkeypatch.undo()
    mail.outbox.clear()
    out = run("2025-03-21")
    assert sent() == [("Problem reports still open after two weeks", ["mod@example.org"])]
    assert "0 problem report(s) reminded and 1 told to the moderators" in out


def test_a_refused_email_is_logged_without_the_address(service, provider, moderator, monkeypatch):
    report(service)
    monkeypatch.setattr("directory.listings.management.commands.chase_problem_reports.send_mail", _refuse)
    with job_log() as log, pytest.raises(CommandError), \
            time_machine.travel(datetime(2025, 3, 20, 7, 20, tzinfo=UTC), tick=False):
        call_command("chase_problem_reports", stdout=StringIO())
    assert "ERROR servicemap.jobs.chase_problem_reports: Could not email a moderator: SMTPRecipientsRefused" \
        in log.getvalue()
    assert "mod@example.org" not in log.getvalue()


def test_with_nobody_to_go_to_the_run_fails_saying_what_to_do(db):
    service = ServiceFactory(name="Unkept", organisation=OrganisationFactory(name="No accounts"))
    made = report(service, emailed_to="moderators")
    with pytest.raises(CommandError, match="create_moderator"), job_log() as log, \
            time_machine.travel(datetime(2025, 3, 10, 7, 20, tzinfo=UTC), tick=False):
        call_command("chase_problem_reports", stdout=StringIO())
    assert "Nobody to send report_reminder about “Unkept” to" in log.getvalue()
    made.refresh_from_db()
    assert made.reminded_at is None  # due again once there is someone
