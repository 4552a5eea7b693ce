"""Email review requests and wait reminders that are due, and the moderators' digest of changes waiting for
approval they were not emailed about. Run daily from cron; safe to run twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from directory import mail, mail_language
from directory.accounts.languages import emails_by_language
from directory.accounts.roles import moderator_users, organisation_member_emails, organisation_members
from directory.listings import notifications, reminders, review_emails, selectors
from directory.listings import services as listing_services
from directory.listings.review_emails import Readers, Request, ReviewEmail
from directory.models import ModeratorChangeNotice, ReviewRequest, Service, ServiceChange, WaitingTimeReport
from servicemap.scheduled_jobs import ScheduledCommand


class Command(ScheduledCommand):
    help = (
        "Send review requests: at 11 months since a listing was last confirmed, a reminder at 12, an urgent "
        "request at 13 (also to moderators), and a wait reminder when a wait is 5 weeks old. One email per "
        "group of listings that go to the same people (in each reader's language), listing all of theirs. "
        "Every request sent is recorded, so running it again the same day sends nothing twice. Logs what it "
        "sent, with the time; a dry run prints the addresses it would send to. Also the moderators' daily "
        "digest of the changes sent for approval they were not emailed about at once (others were waiting), and "
        "the moderators' changes to listings held back from their providers (an email about others had just gone)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send and record nothing.")

    def run(self, log: logging.Logger, *, dry_run: bool = False, **options) -> str:
        services = _services_to_chase()
        facts = [
            reminders.ServiceFacts(
                service_id=s.pk,
                confirmed_on=s.last_confirmed_at or timezone.localdate(s.created_at),
                wait_id=s.wait_id,
                wait_as_of=s.wait_as_of,
            )
            for s in services.values()
        ]
        sent = set(ReviewRequest.objects.filter(service__in=services.keys()).values_list("service_id", "kind", "basis"))
        due = reminders.due_requests(facts, today=timezone.localdate(), sent=sent)
        readers, nobody = _readers([(services[d.service_id], d) for d in due])
        for request in nobody:
            log.error("Nobody to send %s for “%s” to: no provider account or moderator", request.due.kind,
                      request.service.name)
        count, not_sent, messages = 0, 0, 0
        for email in review_emails.group_by_readers(readers):
            if dry_run:
                self.stdout.write(_described(email))
                count, messages = count + len(email.requests), messages + len(email.recipients)
                continue
            sent_messages = _deliver(email, log)
            if sent_messages is None:
                not_sent += len(email.requests)
            elif sent_messages:
                count, messages = count + len(email.requests), messages + sent_messages
        waiting = _changes_waiting(log, dry_run=dry_run, write=self.stdout.write)
        held = _moderator_changes(log, dry_run=dry_run, write=self.stdout.write)
        summary = (f"{count} review request(s) {'due' if dry_run else 'sent'} in {messages} email(s)"
                   f"{' (dry run: none sent)' if dry_run else ''}, "
                   f"{not_sent} could not be sent, {len(nobody)} had nobody to go to. {waiting.summary(dry_run)} "
                   f"{held.summary(dry_run)}")
        # A failing exit, so cron tells whoever reads its mail. Nothing is recorded for these: due again next run.
        problems = []
        if not_sent:
            problems.append(f"{not_sent} review request(s) could not be sent; they will be tried again on the next run.")
        if nobody:
            problems.append(f"{len(nobody)} review request(s) had nobody to go to: make a moderator account "
                            "(manage.py create_moderator) and they go on the next run.")
        problems += waiting.problems()
        if held.not_sent:
            problems.append(f"Moderators' changes to {held.not_sent} organisation(s) could not be sent to their "
                            "providers; they will be tried again on the next run.")
        if problems:
            raise CommandError(f"{summary} {' '.join(problems)}")
        return summary


def _services_to_chase() -> dict[int, Service]:
    """The published listings that are not closed, by id, each with its newest wait's id and date."""
    newest_wait = WaitingTimeReport.objects.filter(service=OuterRef("pk")).order_by("-as_of", "-recorded_at", "-id")
    rows = (
        Service.objects.published()
        .exclude(status=Service.Status.CLOSED)
        .annotate(wait_id=Subquery(newest_wait.values("id")[:1]), wait_as_of=Subquery(newest_wait.values("as_of")[:1]))
        .select_related("organisation")
        .order_by("name", "id")
    )
    return {s.pk: s for s in rows}


def _readers(due: list[tuple[Service, reminders.Due]]) -> tuple[list[tuple[Readers, Request]], list[Request]]:
    """Each due request with whom it goes to, and those with nobody to go to. A listing's requests go
    to its organisation's editors; to the moderators too when urgent or when it has no editor with an
    address. Two queries per organisation, however many of its listings are due."""
    providers: dict[int, list[str]] = {}
    readers_of: dict[tuple[int, bool], Readers] = {}
    to_send, nobody = [], []
    for service, d in due:
        organisation_id = service.organisation_id
        if organisation_id not in providers:
            providers[organisation_id] = organisation_member_emails(organisation_id)
        moderators_too = d.kind == reminders.URGENT or not providers[organisation_id]
        if (organisation_id, moderators_too) not in readers_of:
            readers_of[organisation_id, moderators_too] = emails_by_language(
                _accounts(organisation_id, moderators_too=moderators_too))
        request = Request(service=service, due=d, providers=len(providers[organisation_id]))
        readers = readers_of[organisation_id, moderators_too]
        if any(readers.values()):
            to_send.append((readers, request))
        else:
            nobody.append(request)
    return to_send, nobody


def _accounts(organisation_id: int, *, moderators_too: bool) -> QuerySet:
    """The accounts a request goes to: the organisation's editors, and the moderators if asked."""
    accounts = Q(pk__in=organisation_members(organisation_id).values("pk"))
    if moderators_too:
        accounts |= Q(pk__in=moderator_users().values("pk"))
    return get_user_model().objects.filter(accounts)


def _send(email: ReviewEmail) -> int:
    """Record then send, in one transaction: a failed send leaves none of the email's requests
    recorded, so all are sent again tomorrow. Written once per language among the readers, a message to
    each reader; if a later one fails, the earlier ones go again tomorrow with it (a repeat rather than
    a request never sent).
    The number of messages sent, or 0 if another run recorded one of its requests first."""
    letters = [(mail_language.write(language, lambda: review_emails.compose(email)), addresses)
               for language, addresses in email.readers.items()]
    recipients = ", ".join(email.recipients)
    try:
        with transaction.atomic():
            ReviewRequest.objects.bulk_create([
                ReviewRequest(service=r.service, kind=r.due.kind, basis=r.due.basis, recipients=recipients)
                for r in email.requests
            ])
            for letter, addresses in letters:
                mail.send_each(letter.subject, letter.body, addresses)
    except IntegrityError:
        return 0
    return len(email.recipients)


def _deliver(email: ReviewEmail, log: logging.Logger) -> int | None:
    """Send one email and log it: the number of messages sent (0 if another run sent some of its
    requests a moment ago: the rest go on the next run), or None if it could not be sent."""
    try:
        sent = _send(email)
    except mail.SEND_ERRORS as error:
        # Nothing of this email recorded: all of it tried again on the next run. The others still go.
        for request in email.requests:
            log.error("Could not send %s for “%s”: %s", request.due.kind, request.service.name,
                      mail.describe_error(error))
        return None
    if not sent:
        return 0
    # A real run's lines go to a log file every day (deploy/crontab): they say who, not the
    # addresses (they are in the ReviewRequest). A dry run, typed by hand, prints them.
    for request in email.requests:
        log.info("Sent %s for “%s” (%s) to %s", request.due.kind, request.service.name,
                 request.service.organisation.name, _who(request.providers, len(email.recipients) - request.providers))
    return sent


def _described(email: ReviewEmail) -> str:
    """A dry run's lines for one email: to whom (typed by hand, so the addresses), and what it asks."""
    lines = [f"Would send {len(email.requests)} review request(s) in {len(email.recipients)} email(s) "
             f"to {', '.join(email.recipients)}:"]
    lines += [f"  {r.due.kind} for “{r.service.name}” ({r.service.organisation.name})" for r in email.requests]
    return "\n".join(lines)


def _who(providers: int, moderators: int) -> str:
    def counted(count: int, what: str) -> str:
        return f"{count} {what}{'' if count == 1 else 's'}"

    if not providers:
        return f"{counted(moderators, 'moderator')} (no provider account)"
    if not moderators:
        return counted(providers, "provider account")
    return f"{counted(providers, 'provider account')} and {counted(moderators, 'moderator')}"


@dataclass(frozen=True)
class ChangesWaiting:
    """What the moderators' digest of changes waiting for approval did."""
    changes: int = 0
    messages: int = 0
    not_sent: int = 0
    nobody: int = 0

    def summary(self, dry_run: bool) -> str:
        return (f"{self.changes} change(s) waiting for approval {'due' if dry_run else 'sent'} to the moderators "
                f"in {self.messages} email(s).")

    def problems(self) -> list[str]:
        if self.not_sent:
            return [f"{self.not_sent} change(s) waiting for approval could not be sent to the moderators; "
                    "they will be tried again on the next run."]
        if self.nobody:
            return [f"{self.nobody} change(s) waiting for approval had no moderator to go to: make a moderator "
                    "account (manage.py create_moderator) and they go on the next run."]
        return []


def _changes_waiting(log: logging.Logger, *, dry_run: bool, write) -> ChangesWaiting:
    """Email the moderators, in one email (written once per language, a message to each), every change
    waiting for approval that they were not emailed about when it was sent (notifications.change_submitted:
    others were waiting), and record it, so each change is emailed about once. Nothing, if there are none."""
    changes = selectors.change_list_not_emailed()
    if not changes:
        return ChangesWaiting()
    readers = emails_by_language(moderator_users())
    if not readers:
        log.error("Nobody to tell of %s change(s) waiting for approval: no moderator", len(changes))
        return ChangesWaiting(nobody=len(changes))
    recipients = [address for addresses in readers.values() for address in addresses]
    if dry_run:
        write(f"Would send {len(changes)} change(s) waiting for approval in {len(recipients)} email(s) "
              f"to {', '.join(recipients)}:")
        for change in changes:
            write(f"  {change.kind} for “{change.service.name}” ({change.service.organisation.name})")
        return ChangesWaiting(changes=len(changes), messages=len(recipients))
    letters = [(mail_language.write(language, lambda: notifications.changes_waiting(changes)), addresses)
               for language, addresses in readers.items()]
    def record() -> bool:
        # Another run, or a moderator emailed at once, recorded some first: the next run sends the rest.
        return ServiceChange.objects.filter(pk__in=[c.pk for c in changes], moderators_emailed_at=None) \
            .update(moderators_emailed_at=timezone.now()) == len(changes)

    try:
        # Recorded and sent together: an email that cannot go leaves them all for the next run.
        if not mail.send_once_recorded(record, letters):
            return ChangesWaiting()
    except mail.SEND_ERRORS as error:
        log.error("Could not send the %s change(s) waiting for approval to the moderators: %s", len(changes),
                  mail.describe_error(error))
        return ChangesWaiting(not_sent=len(changes))
    log.info("Sent %s change(s) waiting for approval to %s moderator(s)", len(changes), len(recipients))
    return ChangesWaiting(changes=len(changes), messages=len(recipients))


@dataclass(frozen=True)
class ModeratorChanges:
    """What telling providers of the moderators' changes held back from them did."""
    organisations: int = 0
    messages: int = 0
    not_sent: int = 0

    def summary(self, dry_run: bool) -> str:
        return (f"Moderators' changes {'due' if dry_run else 'sent'} to {self.organisations} organisation(s) "
                f"in {self.messages} email(s).")


def _moderator_changes(log: logging.Logger, *, dry_run: bool, write) -> ModeratorChanges:
    """Email each organisation's editors the moderators' changes they were not told of: held back
    because an email about others had just gone (listing_services.MODERATOR_CHANGES_QUIET_FOR), or not sent
    then. One email per organisation (listing_services.moderator_changes_send), whatever the quiet while."""
    untold = selectors.moderator_change_notices_untold()
    organisations = {notice.organisation_id: notice.organisation.name for notice in untold}
    if dry_run:
        for name in organisations.values():
            write(f"Would tell the editors of “{name}” of moderators' changes")
        return ModeratorChanges(organisations=len(organisations))
    told, messages, not_sent = 0, 0, 0
    for organisation_id, name in organisations.items():
        try:
            sent = listing_services.moderator_changes_send(organisation_id=organisation_id, quiet=False)
        except mail.SEND_ERRORS as error:
            log.error("Could not tell the editors of “%s” of moderators' changes: %s", name, mail.describe_error(error))
            not_sent += 1
            continue
        if sent:
            log.info("Told %s editor(s) of “%s” of moderators' changes", sent, name)
            told, messages = told + 1, messages + sent
    # Kept only while the quiet while after them needs them.
    ModeratorChangeNotice.objects.filter(
        emailed_at__lt=timezone.now() - listing_services.MODERATOR_CHANGES_QUIET_FOR).delete()
    return ModeratorChanges(organisations=told, messages=messages, not_sent=not_sent)
