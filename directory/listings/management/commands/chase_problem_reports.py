"""Chase problem reports left open. Run daily from cron; safe to run twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.core.mail import send_mail
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory import mail, mail_language
from directory.accounts.languages import emails_by_language
from directory.accounts.roles import moderator_users
from directory.listings import notifications, reminders, selectors
from directory.models import ProblemReport
from servicemap.scheduled_jobs import ScheduledCommand

Address = tuple[str, str]  # (email, the language it is written to in)
DueItem = tuple[int, str]  # (report_id, reminders.REPORT_REMINDER or REPORT_ESCALATION)
PROVIDERS, MODERATORS = ProblemReport.EmailedTo.PROVIDERS, ProblemReport.EmailedTo.MODERATORS


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
        "Chase problem reports left open: a week after a report was made, remind the people who can put it "
        "right (its provider's editors, or the moderators if it has none: whom a new report would email); at "
        "two weeks, tell the moderators, saying for each whether its editors were emailed and reminded. Each "
        "once per report (ProblemReport.reminded_at and reminded_to, escalated_at); a report first seen past "
        "two weeks (a backlog) is only told to the moderators. One email per person per run listing all of "
        "theirs, without the reporters' comments. Logs what it sent, with the time; a dry run prints the "
        "addresses it would send to."
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
        for report_id, kind in nobody:
            what = "the reminder" if kind == reminders.REPORT_REMINDER else "the two-week notice"
            log.error("Nobody to send %s about “%s” to: no provider account or moderator", what,
                      reports[report_id].service.name)
        if dry_run:
            for reader in readers.values():
                self.stdout.write(f"Would email {reader.email}: {_counts(reader)}")
            failed: set[str] = set()
        else:
            failed = _send(readers, log)
        chased = [item for item, keys in sent_to.items() if not keys & failed]
        if not dry_run:
            _record(reports, chased, timezone.now())
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
    """Who can put each organisation's listings right (selectors.problem_report_readers, which a new
    report's email asks too): looked up once per organisation per run, the moderators once."""

    def __init__(self) -> None:
        self._of: dict[int, tuple[list[Address], str]] = {}
        self._moderators: list[Address] | None = None

    def of(self, organisation_id: int) -> tuple[list[Address], str]:
        """Their addresses, and whether they are the provider's editors or the moderators."""
        if organisation_id not in self._of:
            users, whom = selectors.problem_report_readers(organisation_id=organisation_id)
            self._of[organisation_id] = (self.moderators() if whom == MODERATORS else _addresses(users), whom)
        return self._of[organisation_id]

    def moderators(self) -> list[Address]:
        if self._moderators is None:
            self._moderators = _addresses(moderator_users())
        return self._moderators


def _addresses(users: QuerySet) -> list[Address]:
    return [(email, language) for language, emails in emails_by_language(users).items() for email in emails]


def _readers(reports: dict[int, ProblemReport], due: list[DueItem]):
    """Each reader's email (by address), the addresses each due (report_id, kind) goes to, and those
    that have nobody to go to. Notes on each due report what its email says of its provider's editors."""
    recipients = _Recipients()
    readers: dict[str, Reader] = {}
    sent_to: dict[DueItem, set[str]] = {}
    nobody = []
    for report_id, kind in due:
        report = reports[report_id]
        people, whom = recipients.of(report.service.organisation_id)
        _note_the_editors(report, has_editors=whom == PROVIDERS)
        if kind == reminders.REPORT_ESCALATION:
            people, whom = recipients.moderators(), MODERATORS
        if not people:
            nobody.append((report_id, kind))
            continue
        sent_to[(report_id, kind)] = {email.lower() for email, _language in people}
        for email, language in people:
            reader = readers.setdefault(email.lower(), Reader(email=email, language=language))
            reader.moderator |= whom == MODERATORS
            (reader.reminders if kind == reminders.REPORT_REMINDER else reader.escalations).append(report)
    return readers, sent_to, nobody


def _note_the_editors(report: ProblemReport, *, has_editors: bool) -> None:
    """What is true, as the email goes, of the provider's editors: whether it has any to tell now, and
    whether they were emailed about this report when it was made and reminded of it (it may have had
    none then, or the report may be a backlog's, first chased at two weeks)."""
    report.provider_has_editors = has_editors
    report.editors_emailed = report.emailed_to == PROVIDERS
    report.editors_reminded_at = report.reminded_at if report.reminded_to == PROVIDERS else None


def _send(readers: dict[str, Reader], log: logging.Logger) -> set[str]:
    """Send each reader's email; the keys of those that could not be sent."""
    failed: set[str] = set()
    for key, reader in readers.items():
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
    return failed


@transaction.atomic
def _record(reports: dict[int, ProblemReport], chased: list[DueItem], now: datetime) -> None:
    """Record what went to all its readers: each reminder with whom it went to, and each escalation.
    A report escalated without a reminder (first chased at two weeks) gets its `reminded_at` too, with
    nobody in `reminded_to`, so no later run reminds anyone of it."""
    reminded = [pk for pk, kind in chased if kind == reminders.REPORT_REMINDER]
    escalated = [pk for pk, kind in chased if kind == reminders.REPORT_ESCALATION]
    to_editors = [pk for pk in reminded if reports[pk].provider_has_editors]
    ProblemReport.objects.filter(pk__in=to_editors).update(reminded_at=now, reminded_to=PROVIDERS)
    ProblemReport.objects.filter(pk__in=reminded).exclude(pk__in=to_editors) \
        .update(reminded_at=now, reminded_to=MODERATORS)
    ProblemReport.objects.filter(pk__in=escalated).update(escalated_at=now)
    ProblemReport.objects.filter(pk__in=escalated, reminded_at__isnull=True).update(reminded_at=now)


def _compose(reader: Reader) -> tuple[str, str]:
    """The subject and body in the active language (links to its pages, its dates and reasons)."""
    body = render_to_string("emails/problem_reports_open.txt", {
        "reader": reader, "url": notifications.problem_reports_link(for_moderators=reader.moderator),
        "any_comment": any(report.comment for report in reader.reminders + reader.escalations),
        "count": len(reader.reminders) + len(reader.escalations),
    })
    return _subject(reader), body


def _subject(reader: Reader) -> str:
    """Names the listing when the email is about one report; else says how many."""
    if len(reader.reminders) + len(reader.escalations) == 1:
        [report] = reader.reminders + reader.escalations
        one = (_("Problem report about %(name)s still open after two weeks") if reader.escalations
               else _("Reminder: problem report about %(name)s still open after a week"))
        return one % {"name": report.service.name}
    if reader.escalations:
        n = len(reader.escalations)
        return ngettext("%(n)s problem report still open after two weeks",
                        "%(n)s problem reports still open after two weeks", n) % {"n": n}
    n = len(reader.reminders)
    return ngettext("Reminder: %(n)s problem report still open after a week",
                    "Reminder: %(n)s problem reports still open after a week", n) % {"n": n}


def _who(reader: Reader) -> str:
    if reader.moderator:
        return "a moderator"
    organisations = sorted({report.service.organisation.name for report in reader.reminders})
    return f"a provider account of {', '.join(f'“{name}”' for name in organisations)}"


def _counts(reader: Reader) -> str:
    return (f"{len(reader.escalations)} problem report(s) open two weeks, "
            f"{len(reader.reminders)} open a week")
