"""Email sent once the surrounding transaction commits, so a rolled-back write emails nobody, and
whose failure (the mail server refusing, out of reach, or timing out after `EMAIL_TIMEOUT`) is
logged instead of turning a change already saved into an error page.

Whoever needs to know that a message did not go (a moderator's invitation: the email is how it
reaches the provider) passes `failed`, called after the commit if it did not.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable

from django.core.mail import send_mail
from django.db import transaction

logger = logging.getLogger(__name__)

# Refused, unreachable or timed out (OSError: socket errors and TimeoutError), or the server said no.
SEND_ERRORS = (OSError, smtplib.SMTPException)


def subject_line(text: object) -> str:
    """A subject on one line, its whitespace runs made single spaces. Subjects name services and
    organisations, and a name with a line break in it (posted in a form, or from an imported feed)
    made Django refuse the message (BadHeaderError): a provider's saved change answered with a
    server error and the moderators were not told, and send_review_requests stopped at that listing."""
    return " ".join(str(text).split())


def send_after_commit(subject: str, body: str, recipients: list[str], *,
                      failed: Callable[[], None] | None = None) -> None:
    subject = subject_line(subject)

    def deliver() -> None:
        try:
            send_mail(subject, body, None, recipients)
        except SEND_ERRORS as error:
            # The subject says what it was about; the addresses are left out of the log.
            logger.warning("Email not sent (%s): %s: %s", subject, type(error).__name__, error)
            if failed is not None:
                failed()

    transaction.on_commit(deliver)
