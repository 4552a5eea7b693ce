"""Emails to providers and moderators. Plain text, rendered from templates/emails/."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from directory.accounts.roles import moderator_users, organisation_member_emails
from directory.models import ServiceChange


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def send(subject: str, template: str, context: dict, recipients: list[str]) -> None:
    """Send after the surrounding transaction commits, so a rolled-back write emails nobody."""
    if not recipients:
        return
    body = render_to_string(template, {"site_url": settings.SITE_URL, **context})
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients))


def moderator_emails() -> list[str]:
    return [email for email in moderator_users().values_list("email", flat=True) if email]


def change_submitted(change: ServiceChange) -> None:
    send(
        f"Waiting for approval: {change.service.name}",
        "emails/change_submitted.txt",
        {"change": change, "url": absolute(reverse("listings:change_detail", args=[change.pk]))},
        moderator_emails(),
    )


def change_decided(change: ServiceChange) -> None:
    """Tell whoever submitted the change (or, failing that, the organisation's editors)."""
    submitter = change.submitted_by.email if change.submitted_by and change.submitted_by.email else None
    recipients = [submitter] if submitter else organisation_member_emails(change.service.organisation_id)
    verb = "approved" if change.state == ServiceChange.State.APPROVED else "not approved"
    send(
        f"Your change to {change.service.name} was {verb}",
        "emails/change_decided.txt",
        {"change": change, "verb": verb, "url": absolute(reverse("listings:dashboard"))},
        recipients,
    )
