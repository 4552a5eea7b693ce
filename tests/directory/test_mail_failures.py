"""When the mail server refuses or does not answer (directory/mail.py): the change is saved, the
page is not an error, the failure is logged, and whoever needs to know is told.

Real sockets: Django's SMTP backend against a port nothing listens on, and against a server that
takes the connection and never speaks (EMAIL_TIMEOUT).
"""

from __future__ import annotations

import logging
import re
import smtplib
import time
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from directory import mail
from directory.accounts.models import Invitation
from directory.accounts.services import invitation_from_token, moderator_create
from directory.models import ReviewRequest
from tests.factories import OrganisationFactory, ServiceFactory
from tests.job_log import job_log
from tests.network import free_port, silent_server


@pytest.fixture
def smtp_refusing(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()


@pytest.fixture
def smtp_silent(settings):
    """A mail server that takes the connection and never says a word."""
    with silent_server() as port:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 1
        yield


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("smtp_refusing")
def test_a_message_that_cannot_be_sent_is_logged_and_its_sender_told(caplog):
    told = []
    with caplog.at_level(logging.WARNING, logger="directory.mail"), transaction.atomic():
        mail.send_after_commit("Waiting for approval: Seren", "body", ["mod@example.org"],
                               failed=lambda: told.append(True))

    assert told == [True]
    assert "Email not sent (Waiting for approval: Seren): ConnectionRefusedError" in caplog.text
    assert "mod@example.org" not in caplog.text


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("smtp_silent")
def test_an_invitation_the_mail_server_does_not_take_is_saved_and_its_link_given_to_the_moderator(client):
    client.force_login(moderator_create(email="mod@example.org", password="a-long-test-password").user)
    org = OrganisationFactory(name="Seren Trust")

    start = time.monotonic()
    response = client.post(reverse("accounts:invite"), {"email": "new@example.org", "organisation": org.pk},
                           follow=True)

    assert time.monotonic() - start < 10, "the request waited on the mail server past EMAIL_TIMEOUT"
    assert response.status_code == 200
    page = response.content.decode()
    invitation = Invitation.objects.get(email="new@example.org")
    assert "The invitation to new@example.org is saved, but the email could not be sent" in page
    # The links in the message are this invitation's (its signature holds the second it was made):
    # no language chosen, so both pages, Welsh first, as its email would have given.
    links = re.search(r"Send them these links yourself, to the same page in Welsh and in English. "
                      r"Welsh: (http://[^/]+/cy/accounts/invitation/([^/\s]+)/) "
                      r"English: (http://[^/]+/accounts/invitation/([^/\s]+)/)", page)
    assert invitation_from_token(links[2]) == invitation and links[2] == links[4]
    client.logout()  # as the invitee opens them
    assert client.get(links[1]).status_code == client.get(links[3]).status_code == 200
    assert "Invitation sent to" not in page


# The moderator reads the warning in their page's language; the link is the one the invitee would
# have been emailed: the page in the invitation's language, not the moderator's.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("smtp_refusing")
@pytest.mark.parametrize(("page", "language", "link_path", "told"), [
    ("/cy/accounts/invite/", "en", "/accounts/invitation/", "Anfonwch y ddolen hon atynt eich hun: "),
    ("/accounts/invite/", "cy", "/cy/accounts/invitation/", "Send them this link yourself: "),
])
def test_the_link_given_when_an_invitation_is_not_sent_opens_in_the_invitations_language(
    client, page, language, link_path, told,
):
    client.force_login(moderator_create(email="mod@example.org", password="a-long-test-password").user)
    org = OrganisationFactory(name="Seren Trust")

    html = client.post(page, {"email": "new@example.org", "organisation": org.pk, "language": language},
                       follow=True).content.decode()

    link = re.search(re.escape(told) + r"(http://[^/\s]+(/[^\s<]*))", html)
    assert link, html
    assert link[2].startswith(link_path) and link[2].count("/invitation/") == 1
    assert invitation_from_token(link[2].rstrip("/").rsplit("/", 1)[1]) == Invitation.objects.get()


@pytest.mark.django_db
@pytest.mark.usefixtures("smtp_refusing")
def test_review_requests_that_cannot_be_sent_are_left_for_the_next_run_and_the_run_fails():
    moderator_create(email="mod@example.org", password="a-long-test-password")
    with time_machine.travel("2025-01-15"):
        ServiceFactory(name="Dated service", last_confirmed_at="2025-01-15")
    with time_machine.travel("2025-12-16"), pytest.raises(CommandError, match="1 review request"), job_log() as err:
        call_command("send_review_requests", stdout=StringIO())

    assert "Could not send confirm_first for “Dated service”: ConnectionRefusedError" in err.getvalue()
    assert not ReviewRequest.objects.exists()


def _refuse_recipients(subject, body, from_email, recipients, **kwargs):
    raise smtplib.SMTPRecipientsRefused({to: (550, f"5.1.1 <{to}>: Recipient address rejected".encode())
                                         for to in recipients})


@pytest.mark.django_db(transaction=True)
def test_a_refused_address_is_logged_without_the_address(caplog, monkeypatch):
    """smtplib's error for refused recipients is a dict of the addresses: logged as it was, the
    "addresses left out of the log" were in it."""
    monkeypatch.setattr("directory.mail.send_mail", _refuse_recipients)
    with caplog.at_level(logging.WARNING, logger="directory.mail"), transaction.atomic():
        mail.send_after_commit("Waiting for approval: Seren", "body", ["mod@example.org"])

    assert "Email not sent (Waiting for approval: Seren): SMTPRecipientsRefused: 1 recipient refused (550)" \
        in caplog.text
    assert "mod@example.org" not in caplog.text


@pytest.mark.django_db
def test_review_requests_say_who_they_went_to_without_the_addresses(monkeypatch):
    """The cron line appends this output to a log file every day (deploy/crontab): the addresses
    are in the ReviewRequest record, not in the log."""
    moderator_create(email="mod@example.org", password="a-long-test-password")
    with time_machine.travel("2025-01-15"):
        ServiceFactory(name="Dated service", last_confirmed_at="2025-01-15")
    with time_machine.travel("2025-12-16"), job_log() as out:
        call_command("send_review_requests", stdout=StringIO())

    assert "Sent confirm_first for “Dated service”" in out.getvalue()
    assert "to 1 moderator (no provider account)" in out.getvalue()
    assert "mod@example.org" not in out.getvalue()
    assert ReviewRequest.objects.get().recipients == "mod@example.org"


@pytest.mark.django_db
def test_review_requests_refused_by_the_mail_server_are_reported_without_the_addresses(monkeypatch):
    moderator_create(email="mod@example.org", password="a-long-test-password")
    with time_machine.travel("2025-01-15"):
        ServiceFactory(name="Dated service", last_confirmed_at="2025-01-15")
    monkeypatch.setattr("directory.mail.send_mail",
                        _refuse_recipients)
    with time_machine.travel("2025-12-16"), pytest.raises(CommandError, match="1 review request"), job_log() as err:
        call_command("send_review_requests", stdout=StringIO())

    assert "Could not send confirm_first for “Dated service”: SMTPRecipientsRefused: 1 recipient refused" \
        in err.getvalue()
    assert "mod@example.org" not in err.getvalue()


@pytest.mark.django_db
def test_review_requests_with_nobody_to_go_to_fail_the_run_saying_what_to_do():
    """With no moderator account, a listing that no provider keeps had its requests dropped each
    day with a line in the log and a run that succeeded: cron told nobody."""
    with time_machine.travel("2025-01-15"):
        ServiceFactory(name="Dated service", last_confirmed_at="2025-01-15")
    with time_machine.travel("2025-12-16"), pytest.raises(CommandError, match="create_moderator"), job_log() as err:
        call_command("send_review_requests", stdout=StringIO())

    assert "Nobody to send confirm_first for “Dated service” to" in err.getvalue()
    assert not ReviewRequest.objects.exists()  # due again on the next run, once there is someone
