"""Chase problem reports left open. Run daily from cron; safe to run twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.core.mail import send_mail
from django.core.management.base import CommandError
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from directory import mail, mail_language
from directory.accounts.roles import moderator_users, organisation_members
from directory.listings import notifications, reminders, selectors
from directory.models import ProblemReport
from servicemap.scheduled_jobs import ScheduledCommand

Address = tuple[str, str]  # (email, the language it is written to in)


@dataclass
class Reader:
    """One person's email of a run: the reports they are reminded of and, a moderator, told of."""

    email: str
    language: str
    moderator: bool = False
    reminders: list[ProblemReport] = field(default_factory=list)
    escalations: list[ProblemReport] = field(default_factory=list)


class Command(ScheduledCommand):
    help = (
        "Chase problem reports left open: a week after a report was made, remind the people who were emailed "
        "about it (or would have been: its provider's editors, or the moderators if it has none); at two weeks, "
        "tell the moderators. Each once per report (ProblemReport.reminded_at, escalated_at), and one email per "
        "person per run listing all of theirs, without the reporters' comments. Logs what it sent, with the time; "
        "a dry run prints the addresses it would send to."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send and record nothing.")

    def run(self, log: logging.Logger, *, dry_run: bool = False, **options) -> str:
        today = timezone.localdate()
        reports = {report.pk: report for report in selectors.problem_report_list_to_chase(today=today)}
        due = reminders.problem_reports_due(
            [reminders.ReportFacts(report.pk, timezone.localdate(report.created_at), report.reminded_at is not None,
                                   report.escalated_at is not None) for report in reports.values()],
            today=today, remind_after_days=ProblemReport.REMIND_AFTER_DAYS,
            escalate_after_days=ProblemReport.ESCALATE_AFTER_DAYS,
        )
        readers, sent_to, nobody = _readers(reports, due)
        for item in nobody:
            report = reports[item[0]]
            log.error("Nobody to send %s about “%s” to: no provider account or moderator", item[1], report.service.name)
        failed: set[str] = set()
        for key, reader in readers.items():
            if dry_run:
                self.stdout.write(f"Would email {reader.email}: {_counts(reader)}")
                continue
            letter = mail_language.write(reader.language, lambda reader=reader: _compose(reader))
            try:
                send_mail(letter.subject, letter.body, None, [reader.email])
            except mail.SEND_ERRORS as error:
                # Its reports are not recorded as chased: tried again, for all their readers, on the next run.
                log.error("Could not email %s: %s", _who(reader), mail.describe_error(error))
                failed.add(key)
                continue
            # The lines go to a log file every day: who, never the address.
            log.info("Emailed %s: %s", _who(reader), _counts(reader))
        chased = [item for item, keys in sent_to.items() if not keys & failed]
        if not dry_run:
            now = timezone.now()
            ProblemReport.objects.filter(pk__in=[pk for pk, kind in chased if kind == reminders.REPORT_REMINDER]) \
                .update(reminded_at=now)
            ProblemReport.objects.filter(pk__in=[pk for pk, kind in chased if kind == reminders.REPORT_ESCALATION]) \
                .update(escalated_at=now)
        reminded = sum(kind == reminders.REPORT_REMINDER for _pk, kind in chased)
        summary = (f"{reminded} problem report(s) reminded and {len(chased) - reminded} told to the moderators, in "
                   f"{len(readers) - len(failed)} email(s){' (dry run: none sent)' if dry_run else ''}; "
                   f"{len(failed)} email(s) could not be sent, {len(nobody)} had nobody to go to.")
        problems = []
        if failed:
            problems.append(f"{len(failed)} email(s) could not be sent; their reports are chased again on the next run.")
        if nobody:
            problems.append("Some had nobody to go to: make a moderator account (manage.py create_moderator) "
                            "and they go on the next run.")
        if problems:
            raise CommandError(f"{summary} {' '.join(problems)}")
        return summary


class _Recipients:
    """Who is emailed about a report: looked up once per organisation, and once for the moderators."""

    def __init__(self) -> None:
        self._editors: dict[int, list[Address]] = {}
        self._moderators: list[Address] | None = None

    def editors(self, organisation_id: int) -> list[Address]:
        if organisation_id not in self._editors:
            self._editors[organisation_id] = _addresses(organisation_members(organisation_id))
        return self._editors[organisation_id]

    def moderators(self) -> list[Address]:
        if self._moderators is None:
            self._moderators = _addresses(moderator_users())
        return self._moderators

    def reminded(self, report: ProblemReport) -> tuple[list[Address], bool]:
        """The people first emailed about it, or who would have been (notifications.problem_reported):
        the provider's editors or, if it has none with an address, the moderators; and whether the
        moderators."""
        if report.emailed_to != ProblemReport.EmailedTo.MODERATORS and (editors := self.editors(report.service.organisation_id)):
            return editors, False
        return self.moderators(), True


def _addresses(users: QuerySet) -> list[Address]:
    return sorted({(email, language or mail_language.BOTH)
                   for email, language in users.values_list("email", "account_settings__language") if email})


def _readers(reports: dict[int, ProblemReport], due: list[tuple[int, str]]):
    """Each reader's email (by address), the addresses each due (report_id, kind) goes to, and those
    that have nobody to go to."""
    recipients = _Recipients()
    readers: dict[str, Reader] = {}
    sent_to: dict[tuple[int, str], set[str]] = {}
    nobody = []
    for report_id, kind in due:
        report = reports[report_id]
        if kind == reminders.REPORT_REMINDER:
            people, moderators = recipients.reminded(report)
        else:
            people, moderators = recipients.moderators(), True
            report.provider_has_editors = bool(recipients.editors(report.service.organisation_id))
        if not people:
            nobody.append((report_id, kind))
            continue
        sent_to[(report_id, kind)] = {email.lower() for email, _language in people}
        for email, language in people:
            reader = readers.setdefault(email.lower(), Reader(email=email, language=language))
            reader.moderator |= moderators
            (reader.reminders if kind == reminders.REPORT_REMINDER else reader.escalations).append(report)
    for reader in readers.values():  # a report the moderators are reminded of and told of: listed once
        reader.reminders = [report for report in reader.reminders if report not in reader.escalations]
    return readers, sent_to, nobody


def _compose(reader: Reader) -> tuple[str, str]:
    """The subject and body in the active language (links to its pages, its dates and reasons)."""
    page = "listings:moderation" if reader.moderator else "listings:dashboard"
    subject = (_("Problem reports still open after two weeks") if reader.escalations
               else _("Reminder: problem reports still open after a week"))
    body = render_to_string("emails/problem_reports_open.txt", {
        "reader": reader, "url": notifications.absolute(reverse(page) + "#problem-reports"),
        "any_comment": any(report.comment for report in reader.reminders + reader.escalations),
        "escalate_after_days": ProblemReport.ESCALATE_AFTER_DAYS,
    })
    return subject, body


def _who(reader: Reader) -> str:
    if reader.moderator:
        return "a moderator"
    organisations = sorted({report.service.organisation.name for report in reader.reminders})
    return f"a provider account of {', '.join(f'“{name}”' for name in organisations)}"


def _counts(reader: Reader) -> str:
    return (f"{len(reader.escalations)} problem report(s) open two weeks, "
            f"{len(reader.reminders)} open a week")
