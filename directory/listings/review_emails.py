"""Review requests gathered into emails: one per group of listings that go to the same readers.

A run used to send one email per listing due: a moderator had one for every listing whose
organisation has no provider account (46 on the sample directory's first run), a provider one for
each of their listings the same morning. Now each group of readers gets one email listing all of
theirs, by kind, most pressing first; written once per language among them, a message to each
(`directory.mail_language`). Its requests are recorded and sent together (the command), so the
grouping decides what a failed send leaves for the next run: that email's requests, all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from directory.listings import notifications, reminders
from directory.models import WAIT_STALE_AFTER_DAYS, Service

# The subject of an email about one listing.
SUBJECTS = {
    reminders.FIRST: _("Please check your listing: %(name)s"),
    reminders.REMINDER: _("Reminder: please check your listing: %(name)s"),
    reminders.URGENT: _("Urgent: %(name)s has not been checked for 13 months"),
    reminders.WAIT: _("Please update the waiting time for %(name)s"),
}
# Most pressing first: the order of an email's sections, and the kind a subject names.
KIND_ORDER = (reminders.URGENT, reminders.REMINDER, reminders.FIRST, reminders.WAIT)

Readers = dict[str, list[str]]  # language -> addresses (`emails_by_language`)


@dataclass(frozen=True)
class Request:
    """One listing's request, as its email gives it. `providers`: how many of the provider's
    editors have an address (none: it goes to the moderators instead, and the email says so)."""

    service: Service
    due: reminders.Due
    providers: int

    @property
    def no_provider_account(self) -> bool:
        return not self.providers


@dataclass
class ReviewEmail:
    """The requests one group of readers is sent in a run (written once per language, a message to each)."""

    readers: Readers
    requests: list[Request] = field(default_factory=list)

    @property
    def recipients(self) -> list[str]:
        return sorted(email for emails in self.readers.values() for email in emails)

    @property
    def listings(self) -> int:
        """How many listings it is about (a listing may have a confirmation and a wait due)."""
        return len({request.service.pk for request in self.requests})


def group_by_readers(requests: Iterable[tuple[Readers, Request]]) -> list[ReviewEmail]:
    """One email per distinct set of readers (in their languages), in the order each set first
    comes, its requests by kind (most pressing first), then by the listing's name."""
    emails: dict[tuple, ReviewEmail] = {}
    for readers, request in requests:
        key = tuple((language, tuple(addresses)) for language, addresses in sorted(readers.items()))
        emails.setdefault(key, ReviewEmail(readers=readers)).requests.append(request)
    for email in emails.values():
        email.requests.sort(key=_order)
    return list(emails.values())


def _order(request: Request) -> tuple:
    service = request.service
    return KIND_ORDER.index(request.due.kind), service.name.casefold(), service.organisation.name.casefold(), service.pk


def compose(email: ReviewEmail) -> tuple[str, str]:
    """The subject and body in the active language (links to its pages, its dates): call it under
    `mail_language.write`. An email about one request reads as it always has."""
    if len(email.requests) == 1:
        [request] = email.requests
        return SUBJECTS[request.due.kind] % {"name": request.service.name}, render_to_string(
            "emails/review_request.txt", _item(request))
    sections = [
        {"kind": kind, "items": items}
        for kind in KIND_ORDER
        if (items := [_item(request) for request in email.requests if request.due.kind == kind])
    ]
    return _subject(email), render_to_string("emails/review_requests.txt", {
        "sections": sections,
        "to_check": any(request.due.kind != reminders.WAIT for request in email.requests),
        # Said once when it is true of every listing, else on each listing it is true of.
        "no_provider_account": all(request.no_provider_account for request in email.requests),
    })


def _subject(email: ReviewEmail) -> str:
    """Names the listing when the email is about one (its confirmation and its wait both due), else
    says how many."""
    kinds = {request.due.kind for request in email.requests}
    if email.listings == 1:
        service = email.requests[0].service
        return str(SUBJECTS[min(kinds, key=KIND_ORDER.index)] % {"name": service.name})
    n = email.listings
    urgent = len({request.service.pk for request in email.requests if request.due.kind == reminders.URGENT})
    if urgent == n:
        return ngettext("Urgent: please check %(n)s listing", "Urgent: please check %(n)s listings", n) % {"n": n}
    if urgent:
        # "Urgent" heads the subject only when it is true of every listing: else it says how many.
        return ngettext("Please check %(n)s listing (%(urgent)s urgent)",
                        "Please check %(n)s listings (%(urgent)s urgent)", n) % {"n": n, "urgent": urgent}
    if kinds == {reminders.WAIT}:
        return ngettext("Please update the waiting time for %(n)s listing",
                        "Please update the waiting times for %(n)s listings", n) % {"n": n}
    return ngettext("Please check %(n)s listing", "Please check %(n)s listings", n) % {"n": n}


def _item(request: Request) -> dict:
    """What the email says of one request, with its link: the listing's own page, not the dashboard
    (a moderator's, and a large organisation's, lists every service, without the dashboard's
    "Everything is still correct" button)."""
    service, kind = request.service, request.due.kind
    page = "listings:wait_update" if kind == reminders.WAIT else "listings:service_edit"
    item = {
        "service": service, "kind": kind, "url": notifications.absolute(reverse(page, args=[service.public_id])),
        "no_provider_account": request.no_provider_account,
    }
    if kind == reminders.WAIT:
        # The reminder is due at five weeks, but one missed (the cron down, a wait given late) goes
        # later: it says how old the wait really is and whether it is already flagged.
        age_days = (timezone.localdate() - service.wait_as_of).days
        item.update(wait_as_of=service.wait_as_of, wait_age_weeks=age_days // 7,
                    wait_is_stale=age_days > WAIT_STALE_AFTER_DAYS)
    return item
