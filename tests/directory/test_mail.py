"""An email to several readers is a message to each: its "To:" line names its reader only (it named
every moderator, or every editor of an organisation, so each saw the others' addresses), written
once per language among them, with the same queries for the readers however many there are."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from directory import mail as mail_module
from directory import mail_language
from directory.accounts.languages import emails_by_language
from directory.accounts.roles import moderator_users
from directory.accounts.services import account_language_set, moderator_create
from directory.listings import services
from directory.models import ProblemReport
from tests.factories import MembershipFactory, OrganisationFactory, ServiceFactory, UserFactory
from tests.job_log import job_log


def moderator(email: str, language: str):
    user = moderator_create(email=email, password="a-long-test-password").user
    account_language_set(user=user, language=language)
    return user


def editor(email: str, language: str, organisation):
    user = UserFactory(username=email, email=email)
    MembershipFactory(user=user, organisation=organisation)
    account_language_set(user=user, language=language)
    return user


def addressed() -> list[tuple[list[str], list[str], list[str]]]:
    return sorted((m.to, m.cc, m.bcc) for m in mail.outbox)


def alone(*addresses: str) -> list[tuple[list[str], list[str], list[str]]]:
    return sorted(([address], [], []) for address in addresses)


@pytest.fixture
def moderators(db):
    return [moderator("mod-a@example.org", "en"), moderator("mod-b@example.org", "en"),
            moderator("mod-cy@example.org", "cy")]


def test_send_each_sends_each_address_its_own_message():
    mail_module.send_each("Subject", "Body", ["a@example.org", "b@example.org"])
    assert addressed() == alone("a@example.org", "b@example.org")
    assert {(m.subject, m.body) for m in mail.outbox} == {("Subject", "Body")}


def test_a_change_waiting_goes_to_each_moderator_alone_in_their_language(
        moderators, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    service = ServiceFactory(organisation=organisation, name="Seren")
    with django_capture_on_commit_callbacks(execute=True):
        services.service_edit(service=service, values=services.form_values_from_service(service, age_max=16),
                              by=editor("own@example.org", "en", organisation))
    assert addressed() == alone("mod-a@example.org", "mod-b@example.org", "mod-cy@example.org")
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["mod-a@example.org"] == subjects["mod-b@example.org"] == "Waiting for approval: Seren"
    assert subjects["mod-cy@example.org"] == "Yn aros am gymeradwyaeth: Seren"


def test_the_digest_of_changes_waiting_goes_to_each_moderator_alone(moderators, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    provider = editor("own@example.org", "en", organisation)
    listings = [ServiceFactory(organisation=organisation) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        for service in listings:
            services.service_edit(service=service, values=services.form_values_from_service(service, age_max=16),
                                  by=provider)
    mail.outbox.clear()
    with job_log() as out:
        call_command("send_review_requests", stdout=StringIO())
    assert addressed() == alone("mod-a@example.org", "mod-b@example.org", "mod-cy@example.org")
    assert "1 change(s) waiting for approval sent to the moderators in 3 email(s)" in out.getvalue()


def test_a_review_request_goes_to_each_editor_alone(db):
    organisation = OrganisationFactory()
    editor("one@example.org", "en", organisation)
    editor("two@example.org", "en", organisation)
    with time_machine.travel(date(2025, 1, 15)):
        ServiceFactory(organisation=organisation, last_confirmed_at=date(2025, 1, 15))
    with time_machine.travel(date(2025, 12, 15)), job_log() as out:
        call_command("send_review_requests", stdout=StringIO())
    assert addressed() == alone("one@example.org", "two@example.org")
    assert "1 review request(s) sent in 2 email(s)" in out.getvalue()


def test_a_problem_report_goes_to_each_editor_alone(db, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    editor("one@example.org", "en", organisation)
    editor("two@example.org", "en", organisation)
    with django_capture_on_commit_callbacks(execute=True):
        services.problem_report_create(service=ServiceFactory(organisation=organisation),
                                       reason=ProblemReport.Reason.values[0])
    assert addressed() == alone("one@example.org", "two@example.org")


@pytest.mark.parametrize("count", [1, 6])
def test_the_readers_are_one_query_however_many(db, count, django_assert_num_queries,
                                                 django_capture_on_commit_callbacks):
    for n in range(count):
        moderator(f"mod-{n}@example.org", "en" if n % 2 else "cy")
    # Two: the moderators' permission, then the accounts with their languages.
    with django_assert_num_queries(2), django_capture_on_commit_callbacks(execute=True):
        mail_language.send_after_commit(emails_by_language(moderator_users()), lambda: ("Subject", "Body"))
    assert len(mail.outbox) == count
