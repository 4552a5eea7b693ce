"""Emails to providers and moderators. Plain text, rendered from templates/emails/, each in its
reader's language (directory/mail_language.py): written once per language among the recipients,
and a message to each of them, so no reader sees the others' addresses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory import mail_language
from directory.accounts.languages import emails_by_language
from directory.accounts.roles import moderator_users
from directory.listings import fields, selectors
from directory.models import ModeratorChangeNotice, ProblemReport, ServiceChange

# After an email about a problem report, the same people are not emailed about another for this
# long while that report is open: its email led them to the page that lists every open report.
PROBLEM_REPORTS_QUIET_FOR = timedelta(days=1)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def send(readers: QuerySet, compose_subject, template: str, context, *,
         sent: Callable[[], None] | None = None) -> None:
    """Send after the surrounding transaction commits (`directory.mail`): a notification that
    cannot be sent is logged; the change it is about is saved all the same, and is in the queues.
    `compose_subject` and `context` are called in each reader's language (links, dates, words);
    `sent`, once every reader's message went (`mail_language.send_after_commit`)."""

    def compose() -> tuple[str, str]:
        return compose_subject(), render_to_string(template, {"site_url": settings.SITE_URL, **context()})

    mail_language.send_after_commit(emails_by_language(readers), compose, sent=sent)


def moderator_emails() -> list[str]:
    return [email for email in moderator_users().values_list("email", flat=True) if email]


def change_submitted(change: ServiceChange, *, sent: Callable[[], None],
                     replacing: ServiceChange | None = None) -> None:
    """Email the moderators about a change sent for approval, at once, if nothing else sent was
    waiting (`replacing`: the provider's earlier change this one takes the place of, which was).
    `sent` records that they were told (services.change_moderators_emailed), called only once the
    email went to every moderator: one the mail server did not take leaves the change for the digest.

    Otherwise the change waits for the daily digest (`changes_waiting`, sent by send_review_requests):
    a day of 30 changes is one email when the first comes and one the next morning, not 30. A
    moderator already told of one change waiting opens the queue, which lists them all."""
    others_waiting = replacing is not None or selectors.change_others_sent_waiting(change=change)
    readers = moderator_users()
    if others_waiting or not readers.exclude(email="").exists():
        return  # the digest tells them, once there is a moderator to tell
    send(
        readers,
        lambda: _("Waiting for approval: %(name)s") % {"name": change.service.name},
        "emails/change_submitted.txt",
        lambda: {"change": change, "url": absolute(reverse("listings:change_detail", args=[change.pk]))},
        sent=sent,
    )


def changes_waiting(changes: list[ServiceChange]) -> tuple[str, str]:
    """The daily digest's subject and body, in the active language: each change with its link, and
    the queue's. One change is named in the subject as the immediate email names it."""
    if len(changes) == 1:
        subject = _("Waiting for approval: %(name)s") % {"name": changes[0].service.name}
    else:
        subject = ngettext("%(n)s change waiting for approval", "%(n)s changes waiting for approval",
                           len(changes)) % {"n": len(changes)}
    return subject, render_to_string("emails/changes_waiting.txt", {
        "items": [(change, absolute(reverse("listings:change_detail", args=[change.pk]))) for change in changes],
        "queue_url": absolute(reverse("listings:moderation") + "#changes"),
    })


def change_decided(change: ServiceChange) -> None:
    """Tell whoever submitted the change (or, failing that, the organisation's editors)."""
    readers = selectors.change_decision_readers(change=change)
    approved = change.state == ServiceChange.State.APPROVED

    def subject() -> str:
        # Named as the body names it: "your new listing", or "your change".
        if change.kind == ServiceChange.Kind.NEW:
            chosen = (_("Your new listing %(name)s was approved") if approved
                      else _("Your new listing %(name)s was not approved"))
        else:
            chosen = (_("Your change to %(name)s was approved") if approved
                      else _("Your change to %(name)s was not approved"))
        return chosen % {"name": change.service.name}

    send(
        readers, subject, "emails/change_decided.txt",
        lambda: {"change": change, "approved": approved, "url": absolute(decided_link(change))},
    )


def decided_link(change: ServiceChange) -> str:
    """Where the email sends the provider: after a rejection, to the page where they can act on it.

    A rejected edit starts again from what was sent (`?from=rejected` on the edit page, which fills
    the form with it); a rejected new listing is sent again by editing it, so its edit page. An
    approval needs nothing done, so the dashboard."""
    if change.state != ServiceChange.State.REJECTED:
        return reverse("listings:dashboard")
    edit = reverse("listings:service_edit", args=[change.service.public_id])
    return edit + "?from=rejected" if change.kind == ServiceChange.Kind.EDIT else edit


def problem_reports_link(*, for_moderators: bool) -> str:
    """The page listing the open problem reports its reader can resolve, in the active language: the
    moderation queue, or the provider's dashboard."""
    return absolute(reverse("listings:moderation" if for_moderators else "listings:dashboard") + "#problem-reports")


def problem_reported(report: ProblemReport) -> str:
    """Email the people who can put a reported listing right; returns whom (a
    `ProblemReport.EmailedTo`), or "" when nobody was emailed.

    The provider's editors, who keep the listing, if it has any with an address; otherwise the
    moderators, who see every report in their queue but would else not know of one until they looked
    (`selectors.problem_report_readers`, which chase_problem_reports asks too). Anyone may report, so
    a flood of reports must not become a flood of email: while an earlier report emailed to the same
    people (the organisation's editors, or the moderators) less than `PROBLEM_REPORTS_QUIET_FOR` ago
    is open, nobody is emailed; the page the email links to lists every open report. The caller
    decides for one report at a time (services._lock_problem_reports), or two at the same moment would
    each miss the other and both send one.

    The email names the listing, the reason chosen and how many reports are open, and links to them.
    Not the comment: it is free text typed by anyone, checked only for the slips that are easy to
    recognise (directory/personal_data.py), and an email cannot be taken back from a mailbox as a
    resolved report is deleted here (directory/retention.py); it is read on the page."""
    service = report.service
    readers, emailed_to = selectors.problem_report_readers(organisation_id=service.organisation_id)
    for_moderators = emailed_to == ProblemReport.EmailedTo.MODERATORS
    theirs = (ProblemReport.objects.all() if for_moderators
              else ProblemReport.objects.filter(service__organisation_id=service.organisation_id))
    open_reports = theirs.filter(resolved_at__isnull=True)
    if open_reports.filter(emailed_to=emailed_to, created_at__gt=report.created_at - PROBLEM_REPORTS_QUIET_FOR) \
            .exclude(pk=report.pk).exists():
        return ""
    context = {"report": report, "for_moderators": for_moderators, "open_count": open_reports.count()}
    send(
        readers,
        lambda: _("Problem reported: %(name)s") % {"name": service.name},
        "emails/problem_reported.txt",
        lambda: {**context, "url": problem_reports_link(for_moderators=for_moderators)},
    )
    return emailed_to


# The order the forms show the fields in, and a moderator's change email lists them in.
_LISTING_ORDER = (*fields.EDITABLE_FIELDS, fields.LOCATIONS, fields.WAIT)


def _listing_order(field: str) -> int:
    return _LISTING_ORDER.index(field) if field in _LISTING_ORDER else len(_LISTING_ORDER)


def moderator_changes(notices: list[ModeratorChangeNotice]) -> tuple[str, str]:
    """The subject and body, in the active language, of the email telling an organisation's editors
    what moderators changed of what the public sees of them (`notices`, all of one organisation, oldest
    first: services.moderator_changes_send): each listing once, however many times it was saved, with
    its fields in the order the forms show them, and the organisation's contact details if they were
    changed. What the public sees of their service is no longer what they last said, and they keep it.

    The fields are named as the change and history pages name them; their values are not copied in
    (the history page, behind sign-in, shows them). The moderator is named by role, as every email
    names them."""
    organisation = notices[0].organisation
    items: dict[int | None, dict] = {}
    for notice in notices:
        item = items.setdefault(notice.service_id, {"service": notice.service, "changed": set(), "restored": None})
        item["changed"].update(notice.changed)
        item["restored"] = notice.restored or item["restored"]
    listed = []
    for item in sorted(items.values(), key=lambda item: (item["service"] is not None, str(item["service"] or ""))):
        service = item["service"]
        if service is None:
            listed.append({
                "service": None, "restored": None,
                "changed": [fields.organisation_field_label(f) for f in fields.ORGANISATION_CONTACT_FIELDS
                            if f in item["changed"]],
                "url": absolute(reverse("listings:organisation_contact", args=[organisation.public_id])),
            })
            continue
        listed.append({
            "service": service, "restored": item["restored"],
            "changed": [fields.field_label(f) for f in sorted(item["changed"], key=_listing_order)],
            "url": absolute(reverse("directory:service_detail", args=[service.public_id])),
            "history_url": absolute(reverse("listings:history", args=[service.public_id])),
        })
    if len(listed) > 1:
        subject = _("A moderator changed the listings of %(name)s") % {"name": organisation.name}
    elif listed[0]["service"] is None:
        subject = _("A moderator changed the contact details of %(name)s") % {"name": organisation.name}
    elif listed[0]["restored"]:
        subject = _("A moderator restored an earlier version of %(name)s") % {"name": listed[0]["service"].name}
    else:
        subject = _("A moderator changed %(name)s") % {"name": listed[0]["service"].name}
    body = render_to_string("emails/listing_changed.txt", {
        "site_url": settings.SITE_URL, "organisation": organisation, "items": listed,
    })
    return subject, body
