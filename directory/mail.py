"""Email sent once the surrounding transaction commits, so a rolled-back write emails nobody, and
whose failure (the mail server refusing, out of reach, or timing out after `EMAIL_TIMEOUT`) is
logged instead of turning a change already saved into an error page.

Whoever needs to know that a message did not go (a moderator's invitation: the email is how it
reaches the provider) passes `failed`, called after the commit if it did not; whoever records that
it went (the moderators told of a change at once) passes `sent`, called only once it has.

Each address is sent a message of its own (`send_each`): a message to several moderators, or to an
organisation's editors, showed each of them all the others' addresses on its "To:" line.

A message whose sending time must not show in the answer (a password reset: only an address with an
account is sent one) goes from a thread of its own (`send_after_response`).
"""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Callable

from django.core.mail import get_connection, send_mail
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


def send_each(subject: str, body: str, recipients: list[str]) -> None:
    """Send the message to each address on its own (its "To:" line names its reader only), over one
    connection to the mail server. Raises what the mail server or the connection raises; the
    addresses before the one that failed were sent theirs."""
    with get_connection() as connection:
        for address in recipients:
            send_mail(subject, body, None, [address], connection=connection)


def send_once_recorded(record: Callable[[], bool], letters: list[tuple[object, list[str]]]) -> bool:
    """Record that its readers were told, then send each letter (subject, body) to its addresses, in one
    transaction: an email that cannot go (the mail server's error is raised) leaves nothing recorded,
    for the next sender. `record()` answers False when another sender recorded some of the same
    first (two runs at once): this one then sends nothing and answers False."""
    class _ToldMeanwhile(Exception):
        pass

    try:
        with transaction.atomic():
            if not record():
                raise _ToldMeanwhile
            for letter, addresses in letters:
                send_each(letter.subject, letter.body, addresses)
    except _ToldMeanwhile:
        return False
    return True


def send_after_commit(subject: str, body: str, recipients: list[str], *,
                      failed: Callable[[], None] | None = None, sent: Callable[[], None] | None = None) -> None:
    subject = subject_line(subject)

    def deliver() -> None:
        if _send(subject, body, recipients):
            if sent is not None:
                sent()
        elif failed is not None:
            failed()

    transaction.on_commit(deliver)


# The name of the threads `send_after_response` starts (the tests wait for them by it).
BACKGROUND_THREAD_NAME = "send-email"


def send_after_response(compose: Callable[[], tuple[str, str]], recipients: list[str]) -> None:
    """Write (`compose` gives the subject and body) and send once the surrounding transaction
    commits, from a thread of its own: the answer to the request waits neither for the mail server
    (up to `EMAIL_TIMEOUT`) nor for the writing (a message in two languages takes longer to write
    than one in one), so how long it takes does not say whether a message went, nor in what
    language. With no `recipients` the same thread is started and writes the message, sending it to
    nobody: a caller with nobody to send to does the same work as one with somebody.

    The app has no job queue: a thread in the process that answered (a gunicorn sync worker or
    runserver). Not a daemon, so a worker stopping gracefully finishes sending first. A failure is
    logged as `send_after_commit` logs it, without the addresses."""

    def deliver() -> None:
        try:
            subject, body = compose()
        except Exception as error:  # noqa: BLE001 - in a thread of its own: see _send
            logger.warning("Email not written: %s", type(error).__name__)
            return
        if recipients:
            _send(subject_line(subject), body, recipients, unexpected_too=True)

    transaction.on_commit(lambda: threading.Thread(target=deliver, name=BACKGROUND_THREAD_NAME).start())


def _send(subject: str, body: str, recipients: list[str], *, unexpected_too: bool = False) -> bool:
    """Send; on failure log it without the addresses and return False. `unexpected_too` logs any
    error so (in a thread of its own, an error not caught would be printed with no one to see it
    but stderr, its message maybe quoting an address)."""
    try:
        send_each(subject, body, recipients)
    except SEND_ERRORS as error:
        # The subject says what it was about; the addresses are left out of the log.
        logger.warning("Email not sent (%s): %s", subject, describe_error(error))
        return False
    except Exception as error:  # noqa: BLE001 - see the docstring: only in a thread of its own
        if not unexpected_too:
            raise
        logger.warning("Email not sent (%s): %s", subject, type(error).__name__)
        return False
    return True


def describe_error(error: Exception) -> str:
    """The failure, for a log or a cron job's output, without the addresses: smtplib's refused-
    recipients error is a dict keyed by them, and a server's reply text often quotes them."""
    name = type(error).__name__
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = ", ".join(str(code) for code in sorted({code for code, _reply in error.recipients.values()}))
        count = len(error.recipients)
        return f"{name}: {count} recipient{'' if count == 1 else 's'} refused ({codes})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{name}: the mail server answered {error.smtp_code}"
    return f"{name}: {error}"
