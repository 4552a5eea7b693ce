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
from directory.listings.services import problem_report_reopen, problem_report_resolve
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
    # Never chased (the job had not run, or a backlog on its first run): the moderators are told, no more.
    assert due(date(2025, 3, 30)) == [(1, REPORT_ESCALATION)]
    assert due(date(2025, 3, 17)) == [(1, REPORT_ESCALATION)]


def report(service, reason: str = "area", *, made: datetime = MADE, emailed_to: str = "providers",
           comment: str = "", reminded_at: datetime | None = None) -> ProblemReport:
    return ProblemReport.objects.create(service=service, reason=reason, created_at=made, emailed_to=emailed_to,
                                        comment=comment, reminded_at=reminded_at)


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
    assert sent() == [("Reminder: problem report about Own service still open after a week", ["own@example.org"])]
    print(f"\n--- the reminder ---\n{message.subject}\n\n{message.body}")
    assert ('- Own service (Own organisation): "It does not cover my area", reported on 3 March 2025, '
            "open for 7 days.") in message.body
    assert "This problem report about your listing is still open a week or more after it was made:" in message.body
    assert "Please check the listing, put right what is wrong, and mark the report as resolved:" in message.body
    assert f"{SITE}/manage/#problem-reports" in message.body.split()
    assert "If a report is still open two weeks after it was made, the moderators are told." in message.body
    assert "Ring the office" not in message.body  # the comment is read on the page
    assert "Comments left with the reports are not copied into emails" in message.body
    assert "Emailed a provider account of “Own organisation”: 0 problem report(s) open two weeks, 1 open a week" \
        in out and "own@example.org" not in out
    made.refresh_from_db()
    assert made.reminded_at == datetime(2025, 3, 10, 7, 20, tzinfo=UTC) and made.escalated_at is None
    assert made.reminded_to == ProblemReport.EmailedTo.PROVIDERS

    mail.outbox.clear()
    assert "0 problem report(s) reminded" in run("2025-03-10")  # twice a day: nothing twice
    assert "0 problem report(s) reminded" in run("2025-03-16")
    assert mail.outbox == []

    run("2025-03-17")
    [message] = mail.outbox
    assert sent() == [("Problem report about Own service still open after two weeks", ["mod@example.org"])]
    print(f"\n--- the escalation ---\n{message.subject}\n\n{message.body}")
    assert ('- Own service (Own organisation): "It does not cover my area", reported on 3 March 2025, '
            "open for 14 days. The provider's editors were emailed about it when it was made, and reminded on "
            "10 March 2025.") in message.body
    assert "This problem report is still open two weeks or more after it was made. Please chase the provider, or put " \
           "the listing right yourselves." in message.body
    assert "It is in the moderation queue, where you can mark it as resolved once the listing is right:" in message.body
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
    assert sent() == [("Reminder: problem report about Own service still open after a week", ["own@example.org"])]


def test_with_no_provider_account_the_moderators_are_reminded_then_told_once_each(moderator, db):
    service = ServiceFactory(name="Unkept", organisation=OrganisationFactory(name="No accounts"))
    report(service, "closed", emailed_to="moderators")

    run("2025-03-10")
    [reminder] = mail.outbox
    assert sent() == [("Reminder: problem report about Unkept still open after a week", ["mod@example.org"])]
    assert "Its provider has no account on servicemap to tell, so it comes to the moderators:" in reminder.body
    assert ProblemReport.objects.get().reminded_to == ProblemReport.EmailedTo.MODERATORS
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
    report(service, "area", made=datetime(2025, 2, 20, 12, tzinfo=UTC))  # 18 days by the run: told only
    report(second, "closed", emailed_to="")
    report(theirs, "criteria")
    report(unkept, "other", made=datetime(2025, 2, 20, 12, tzinfo=UTC), emailed_to="moderators")

    out = run("2025-03-10")

    assert sorted(sent()) == [
        ("2 problem reports still open after two weeks", ["mod@example.org"]),
        ("Reminder: problem report about Second service still open after a week", ["own@example.org"]),
        ("Reminder: problem report about Theirs still open after a week", ["other@example.org"]),
    ]
    own = next(m for m in mail.outbox if m.to == ["own@example.org"]).body
    assert "Second service (Own organisation)" in own
    assert "Own service" not in own and "Theirs" not in own and "Unkept" not in own
    moderators = next(m for m in mail.outbox if m.to == ["mod@example.org"]).body
    print(f"\n--- the moderators' email ---\n{moderators}")
    assert moderators.count("Own service (Own organisation)") == 1
    assert moderators.count("Unkept (No accounts)") == 1
    assert "Second service" not in moderators and "Theirs" not in moderators
    assert "Their providers have no account on servicemap to tell, so they come" not in moderators
    assert "2 problem report(s) reminded and 2 told to the moderators, in 3 email(s)" in out
    assert ProblemReport.objects.filter(reminded_at__isnull=True).count() == 0
    assert ProblemReport.objects.filter(escalated_at__isnull=False).count() == 2


def test_the_email_is_in_the_readers_language(service, provider, moderator):
    account_language_set(user=provider, language="cy")
    report(service, "area")
    run("2025-03-10")
    [message] = mail.outbox
    print(f"\n--- the Welsh reminder ---\n{message.subject}\n\n{message.body}")
    assert message.subject == "Nodyn atgoffa: adroddiad am broblem ynghylch Own service sy'n dal ar agor ar ôl wythnos"
    assert ('- Own service (Own organisation): "Nid yw\'n cwmpasu fy ardal i", adroddwyd ar 3 Mawrth 2025, '
            "ar agor ers 7 diwrnod.") in message.body
    assert f"{SITE}/cy/manage/#problem-reports" in message.body.split()
    assert "Hello" not in message.body and "reported on" not in message.body


def test_an_editor_who_has_not_chosen_a_language_gets_both_welsh_first(service, moderator):
    MembershipFactory(user=UserFactory(email="unset@example.org"), organisation=service.organisation)
    report(service, "area")
    run("2025-03-10")
    [message] = mail.outbox
    assert message.subject == ("Nodyn atgoffa: adroddiad am broblem ynghylch Own service sy'n dal ar agor ar ôl "
                               "wythnos / Reminder: problem report about Own service still open after a week")
    assert message.body.index(f"{SITE}/cy/manage/") < message.body.index(f"{SITE}/manage/")


def test_a_dry_run_prints_the_addresses_and_sends_and_records_nothing(service, provider, moderator):
    report(service)
    report(service, "closed", made=datetime(2025, 3, 12, 9, tzinfo=UTC))
    with time_machine.travel(datetime(2025, 3, 20, 7, 20, tzinfo=UTC), tick=False):
        out = StringIO()
        call_command("chase_problem_reports", "--dry-run", stdout=out)
    assert "Would email own@example.org: 0 problem report(s) open two weeks, 1 open a week" in out.getvalue()
    assert "Would email mod@example.org: 1 problem report(s) open two weeks, 0 open a week" in out.getvalue()
    assert mail.outbox == []
    assert ProblemReport.objects.filter(reminded_at__isnull=True, escalated_at__isnull=True).count() == 2


def _refuse(subject, body, from_email, recipients, **kwargs):
    if recipients == ["mod@example.org"]:
        raise smtplib.SMTPRecipientsRefused({to: (550, f"<{to}> rejected".encode()) for to in recipients})
    mail.outbox.append(mail.EmailMessage(subject, body, from_email, recipients))


def test_what_could_not_be_sent_is_chased_again_on_the_next_run_and_the_run_fails(
    service, provider, moderator, monkeypatch,
):
    made = report(service)  # 17 days old by the run: the moderators are told
    later = report(service, "closed", made=datetime(2025, 3, 13, 9, tzinfo=UTC))  # 7 days: the editors reminded
    monkeypatch.setattr("directory.listings.management.commands.chase_problem_reports.send_mail", _refuse)
    with pytest.raises(CommandError, match="1 email"):
        run("2025-03-20")
    made.refresh_from_db()
    later.refresh_from_db()
    assert (made.reminded_at, made.escalated_at) == (None, None)
    assert later.reminded_at is not None  # the editors' went
    assert sent() == [("Reminder: problem report about Own service still open after a week", ["own@example.org"])]

    monkeypatch.undo()
    mail.outbox.clear()
    out = run("2025-03-21")
    assert sent() == [("Problem report about Own service still open after two weeks", ["mod@example.org"])]
    assert "0 problem report(s) reminded and 1 told to the moderators" in out
    made.refresh_from_db()
    assert made.escalated_at is not None


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
    assert "Nobody to send the reminder about “Unkept” to: no provider account or moderator" in log.getvalue()
    made.refresh_from_db()
    assert made.reminded_at is None  # due again once there is someone


def test_a_report_resolved_after_its_reminder_is_not_told_to_the_moderators(service, provider, moderator):
    made = report(service)
    run("2025-03-10")
    assert len(mail.outbox) == 1
    made.resolved_at = datetime(2025, 3, 12, 10, tzinfo=UTC)
    made.save()
    mail.outbox.clear()
    out = run("2025-03-17")
    assert mail.outbox == []
    assert "0 problem report(s) reminded and 0 told to the moderators, in 0 email(s)" in out
    made.refresh_from_db()
    assert made.escalated_at is None


def test_a_report_reopened_is_chased_by_its_age_as_if_never_resolved(service, provider, moderator):
    made = report(service)
    with time_machine.travel(datetime(2025, 3, 4, 10, tzinfo=UTC)):
        problem_report_resolve(report=made, by=provider)
    assert "0 problem report(s) reminded" in run("2025-03-10")
    with time_machine.travel(datetime(2025, 3, 11, 10, tzinfo=UTC)):
        problem_report_reopen(report=made, by=provider)
    # Open again at eight days: its editors are reminded (problem_report_readers), then the moderators told.
    run("2025-03-12")
    assert sent() == [("Reminder: problem report about Own service still open after a week", ["own@example.org"])]
    mail.outbox.clear()
    run("2025-03-17")
    assert sent() == [("Problem report about Own service still open after two weeks", ["mod@example.org"])]


def test_a_report_reopened_after_its_reminder_is_not_reminded_again(service, provider, moderator):
    made = report(service)
    run("2025-03-10")
    assert len(mail.outbox) == 1
    with time_machine.travel(datetime(2025, 3, 12, 10, tzinfo=UTC)):
        problem_report_resolve(report=made, by=provider)
    with time_machine.travel(datetime(2025, 3, 13, 10, tzinfo=UTC)):
        problem_report_reopen(report=made, by=provider)
    mail.outbox.clear()
    assert "0 problem report(s) reminded and 0 told to the moderators" in run("2025-03-13")
    assert mail.outbox == []
    run("2025-03-17")
    assert sent() == [("Problem report about Own service still open after two weeks", ["mod@example.org"])]
    made.refresh_from_db()
    assert made.escalated_at is not None and made.is_open


def test_a_backlog_report_first_chased_past_two_weeks_is_told_to_the_moderators_only_and_never_reminded(
    service, provider, moderator,
):
    # The first run over reports made before the job ran: the editors are not reminded that day, nor later.
    made = report(service, "area")
    out = run("2025-03-20")
    [message] = mail.outbox
    assert sent() == [("Problem report about Own service still open after two weeks", ["mod@example.org"])]
    print(f"\n--- the escalation of a backlog's report ---\n{message.subject}\n\n{message.body}")
    assert ('- Own service (Own organisation): "It does not cover my area", reported on 3 March 2025, '
            "open for 17 days. The provider's editors were emailed about it when it was made, and have not been "
            "reminded.") in message.body
    assert "0 problem report(s) reminded and 1 told to the moderators, in 1 email(s)" in out
    made.refresh_from_db()
    now = datetime(2025, 3, 20, 7, 20, tzinfo=UTC)
    assert (made.reminded_at, made.reminded_to, made.escalated_at) == (now, "", now)

    mail.outbox.clear()
    assert "0 problem report(s) reminded and 0 told to the moderators" in run("2025-03-20")  # twice a day
    run("2025-03-21")
    run("2025-04-30")
    assert mail.outbox == []


def _escalation_line(run_day: str = "2025-03-17") -> str:
    run(run_day)
    [message] = [m for m in mail.outbox if m.to == ["mod@example.org"]]
    return next(line for line in message.body.splitlines() if line.startswith("- Own service"))


def test_the_moderators_are_told_the_provider_has_no_editors_only_if_it_has_none_as_the_email_goes(
    service, moderator,
):
    # No editor when it was reported, nor at the reminder (the moderators'): the provider has none to tell.
    made = report(service, emailed_to="moderators")
    run("2025-03-10")
    made.refresh_from_db()
    assert made.reminded_to == ProblemReport.EmailedTo.MODERATORS
    mail.outbox.clear()
    assert _escalation_line().endswith("open for 14 days. The provider has no account on servicemap to tell.")


def test_a_provider_that_gained_editors_after_the_reminder_is_said_to_have_editors_not_yet_emailed(
    service, moderator,
):
    report(service, emailed_to="moderators")
    run("2025-03-10")  # the moderators are reminded: the provider has no editor yet
    MembershipFactory(user=UserFactory(email="new@example.org"), organisation=service.organisation)
    mail.outbox.clear()
    line = _escalation_line()
    assert line.endswith("open for 14 days. The provider's editors have not been emailed about it.")
    assert "no account" not in line


def test_a_provider_that_gained_editors_before_the_reminder_has_them_reminded_and_the_moderators_are_told_so(
    service, moderator,
):
    made = report(service, emailed_to="moderators")
    editor = UserFactory(email="new@example.org")
    MembershipFactory(user=editor, organisation=service.organisation)
    account_language_set(user=editor, language="en")
    run("2025-03-10")
    assert sent() == [("Reminder: problem report about Own service still open after a week", ["new@example.org"])]
    made.refresh_from_db()
    assert made.reminded_to == ProblemReport.EmailedTo.PROVIDERS
    mail.outbox.clear()
    assert _escalation_line().endswith("open for 14 days. The provider's editors were reminded of it on 10 March 2025.")


def test_a_provider_whose_editors_have_all_gone_is_said_to_have_none(service, provider, moderator):
    report(service)
    run("2025-03-10")
    provider.is_active = False
    provider.save()
    mail.outbox.clear()
    assert _escalation_line().endswith("open for 14 days. The provider has no account on servicemap to tell.")


def test_the_escalation_says_in_welsh_what_the_editors_were_told(service, provider, moderator):
    account_language_set(user=moderator, language="cy")
    report(service)
    run("2025-03-10")
    mail.outbox.clear()
    run("2025-03-17")
    [message] = mail.outbox
    print(f"\n--- the Welsh escalation ---\n{message.subject}\n\n{message.body}")
    assert message.subject == "Adroddiad am broblem ynghylch Own service sy'n dal ar agor ar ôl pythefnos"
    assert "ar agor ers 14 diwrnod. Cafodd golygyddion y darparwr e-bost amdano pan gafodd ei wneud, a chawsant eu " \
           "hatgoffa ar 10 Mawrth 2025." in message.body
    assert f"{SITE}/cy/moderation/#problem-reports" in message.body.split()


def test_the_subject_counts_the_reports_when_there_are_several(service, provider, moderator):
    account_language_set(user=moderator, language="cy")
    second = ServiceFactory(organisation=service.organisation, name="Second service")
    for made in (report(service), report(second, "closed")):
        assert made.emailed_to == "providers"
    run("2025-03-10")
    assert sent() == [("Reminder: 2 problem reports still open after a week", ["own@example.org"])]
    assert "These problem reports about your listings are still open a week or more after they were made:" \
        in mail.outbox[0].body
    assert "Please check each listing, put right what is wrong" in mail.outbox[0].body
    mail.outbox.clear()
    run("2025-03-17")
    assert sent() == [("2 adroddiad am broblemau sy'n dal ar agor ar ôl pythefnos", ["mod@example.org"])]
    assert "Mae'r adroddiadau hyn am broblemau yn dal ar agor bythefnos neu fwy ar ôl eu gwneud. Holwch y " \
           "darparwyr" in mail.outbox[0].body


def test_the_migration_records_whom_earlier_reminders_went_to_by_the_rule_of_then(service, provider, moderator):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("directory.migrations.0014_problem_report_reminded_to")
    reminded = datetime(2025, 3, 10, 7, 20, tzinfo=UTC)
    provider.memberships.update(created_at=datetime(2025, 1, 6, tzinfo=UTC))
    to_editors = report(service, reminded_at=reminded)
    to_moderators = report(service, emailed_to="moderators", reminded_at=reminded)
    unkept = report(ServiceFactory(organisation=OrganisationFactory(name="No accounts")), reminded_at=reminded)
    joined_later = ServiceFactory(organisation=OrganisationFactory(name="Joined later"))
    MembershipFactory(user=UserFactory(email="late@example.org"), organisation=joined_later.organisation,
                      created_at=datetime(2025, 3, 12, tzinfo=UTC))
    before_the_editor = report(joined_later, reminded_at=reminded)
    not_reminded = report(service)

    migration.record_whom_earlier_reminders_went_to(apps, None)

    def whom(made: ProblemReport) -> str:
        made.refresh_from_db()
        return made.reminded_to

    assert [whom(made) for made in (to_editors, to_moderators, unkept, before_the_editor, not_reminded)] == [
        "providers", "moderators", "moderators", "moderators", "",
    ]
