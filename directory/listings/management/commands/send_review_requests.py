"""Email review requests and wait reminders that are due. Run daily from cron; safe to run twice."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory import mail, mail_language
from directory.accounts.languages import emails_by_language
from directory.accounts.roles import moderator_users, organisation_member_emails, organisation_members
from directory.listings import notifications, reminders
from directory.models import WAIT_STALE_AFTER_DAYS, ReviewRequest, Service, WaitingTimeReport
from servicemap.scheduled_jobs import ScheduledCommand

SUBJECTS = {
    reminders.FIRST: _("Please check your listing: %(name)s"),
    reminders.REMINDER: _("Reminder: please check your listing: %(name)s"),
    reminders.URGENT: _("Urgent: %(name)s has not been checked for 13 months"),
    reminders.WAIT: _("Please update the waiting time for %(name)s"),
}


class Command(ScheduledCommand):
    help = (
        "Send review requests: at 11 months since a listing was last confirmed, a reminder at 12, an urgent "
        "request at 13 (also to moderators), and a wait reminder when a wait is 5 weeks old. Every request "
        "sent is recorded, so running it again the same day sends nothing twice. Logs what it sent, with the time; "
        "a dry run prints the addresses it would send to."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send and record nothing.")

    def run(self, log: logging.Logger, *, dry_run: bool = False, **options) -> str:
        today = timezone.localdate()
        newest_wait = WaitingTimeReport.objects.filter(service=OuterRef("pk")).order_by("-as_of", "-recorded_at", "-id")
        rows = (
            Service.objects.published()
            .exclude(status=Service.Status.CLOSED)
            .annotate(wait_id=Subquery(newest_wait.values("id")[:1]), wait_as_of=Subquery(newest_wait.values("as_of")[:1]))
            .select_related("organisation")
            .order_by("name", "id")
        )
        services = {s.pk: s for s in rows}
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
        count, not_sent, nobody = 0, 0, 0
        for due in reminders.due_requests(facts, today=today, sent=sent):
            service = services[due.service_id]
            providers = organisation_member_emails(service.organisation_id)
            moderators_too = due.kind == reminders.URGENT or not providers
            readers = emails_by_language(_readers(service, moderators_too=moderators_too))
            recipients = sorted(email for emails in readers.values() for email in emails)
            if not recipients:
                log.error("Nobody to send %s for “%s” to: no provider account or moderator", due.kind, service.name)
                nobody += 1
                continue
            if not dry_run:
                try:
                    if not self._send(service, due, readers, no_provider_account=not providers):
                        continue
                except mail.SEND_ERRORS as error:
                    # Nothing recorded: tried again on the next run. The others are still sent.
                    log.error("Could not send %s for “%s”: %s", due.kind, service.name, mail.describe_error(error))
                    not_sent += 1
                    continue
            count += 1
            # A real run's lines go to a log file every day (deploy/crontab): they say who, not the
            # addresses (they are in the ReviewRequest). A dry run, typed by hand, prints them.
            if dry_run:
                self.stdout.write(f"Would send {due.kind} for “{service.name}” ({service.organisation.name}) "
                                  f"to {', '.join(recipients)}")
            else:
                log.info("Sent %s for “%s” (%s) to %s", due.kind, service.name, service.organisation.name,
                         _who(len(providers), len(recipients) - len(providers)))
        summary = (f"{count} review request(s) {'due (dry run: none sent)' if dry_run else 'sent'}, "
                   f"{not_sent} could not be sent, {nobody} had nobody to go to.")
        # A failing exit, so cron tells whoever reads its mail. Nothing is recorded for these: due again next run.
        problems = []
        if not_sent:
            problems.append(f"{not_sent} review request(s) could not be sent; they will be tried again on the next run.")
        if nobody:
            problems.append(f"{nobody} review request(s) had nobody to go to: make a moderator account "
                            "(manage.py create_moderator) and they go on the next run.")
        if problems:
            raise CommandError(f"{summary} {' '.join(problems)}")
        return summary

    def _send(
        self, service: Service, due: reminders.Due, readers: dict[str, list[str]], *, no_provider_account: bool
    ) -> bool:
        """Record then send, in one transaction: a failed send leaves no record, so it is retried
        tomorrow. One message per language among the readers; if a later one fails, the earlier ones
        go again tomorrow with it (a repeat rather than a request never sent)."""
        letters = [
            (mail_language.write(language, lambda: self._compose(service, due, no_provider_account)), emails)
            for language, emails in readers.items()
        ]
        recipients = sorted(email for emails in readers.values() for email in emails)
        try:
            with transaction.atomic():
                ReviewRequest.objects.create(
                    service=service, kind=due.kind, basis=due.basis, recipients=", ".join(recipients)
                )
                for letter, emails in letters:
                    send_mail(letter.subject, letter.body, None, emails)
        except IntegrityError:
            return False  # another run sent it a moment ago
        return True

    @staticmethod
    def _compose(service: Service, due: reminders.Due, no_provider_account: bool) -> tuple[str, str]:
        """The subject and body in the active language (links to its pages, its dates). Sent to the
        moderators instead of a provider, it says so: it reads as written to whoever keeps the listing."""
        # The listing's own page, not the dashboard: a moderator's (and a large organisation's) dashboard
        # is a list of every service, without the dashboard's "Everything is still correct" button.
        page = "listings:wait_update" if due.kind == reminders.WAIT else "listings:service_edit"
        context = {
            "service": service, "kind": due.kind, "url": notifications.absolute(reverse(page, args=[service.public_id])),
            "no_provider_account": no_provider_account,
        }
        if due.kind == reminders.WAIT:
            # The reminder is due at five weeks, but one missed (the cron down, a wait given late)
            # goes later: it says how old the wait really is and whether it is already flagged.
            age_days = (timezone.localdate() - service.wait_as_of).days
            context.update(wait_as_of=service.wait_as_of, wait_age_weeks=age_days // 7,
                           wait_is_stale=age_days > WAIT_STALE_AFTER_DAYS)
        return SUBJECTS[due.kind] % {"name": service.name}, render_to_string("emails/review_request.txt", context)


def _readers(service: Service, *, moderators_too: bool) -> QuerySet:
    """The accounts a request goes to: the organisation's editors, and the moderators if asked."""
    accounts = Q(pk__in=organisation_members(service.organisation_id).values("pk"))
    if moderators_too:
        accounts |= Q(pk__in=moderator_users().values("pk"))
    return get_user_model().objects.filter(accounts)


def _who(providers: int, moderators: int) -> str:
    def counted(count: int, what: str) -> str:
        return f"{count} {what}{'' if count == 1 else 's'}"

    if not providers:
        return f"{counted(moderators, 'moderator')} (no provider account)"
    if not moderators:
        return counted(providers, "provider account")
    return f"{counted(providers, 'provider account')} and {counted(moderators, 'moderator')}"
