"""Emails to providers and moderators. Plain text, rendered from templates/emails/."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from directory import mail
from directory.accounts.roles import moderator_users, organisation_member_emails
from directory.models import ServiceChange


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def send(subject: str, template: str, context: dict, recipients: list[str]) -> None:
    """Send after the surrounding transaction commits (`directory.mail`): a notification that
    cannot be sent is logged; the change it is about is saved all the same, and is in the queues."""
    if not recipients:
        return
    body = render_to_string(template, {"site_url": settings.SITE_URL, **context})
    mail.send_after_commit(subject, body, recipients)


def moderator_emails() -> list[str]:
    return [email for email in moderator_users().values_list("email", flat=True) if email]


def change_submitted(change: ServiceChange) -> None:
    send(
        _("Waiting for approval: %(name)s") % {"name": change.service.name},
        "emails/change_submitted.txt",
        {"change": change, "url": absolute(reverse("listings:change_detail", args=[change.pk]))},
        moderator_emails(),
    )


def change_decided(change: ServiceChange) -> None:
    """Tell whoever submitted the change (or, failing that, the organisation's editors)."""
    submitter = change.submitted_by.email if change.submitted_by and change.submitted_by.email else None
    recipients = [submitter] if submitter else organisation_member_emails(change.service.organisation_id)
    approved = change.state == ServiceChange.State.APPROVED
    subject = _("Your change to %(name)s was approved") if approved else _("Your change to %(name)s was not approved")
    send(
        subject % {"name": change.service.name},
        "emails/change_decided.txt",
        {"change": change, "approved": approved, "url": absolute(decided_link(change))},
        recipients,
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
