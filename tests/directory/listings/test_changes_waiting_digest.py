"""Changes sent for approval: the moderators are emailed at once when nothing else waits, else in the
daily digest (send_review_requests), so a busy day is two emails, not one per change."""

from __future__ import annotations

import re
from datetime import datetime
from io import StringIO

import factory
import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from directory import mail as mail_module
from directory.accounts.services import account_language_set
from directory.listings import notifications, services
from directory.models import Service, ServiceChange
from tests.factories import PendingEditFactory, ServiceFactory, UnpublishedServiceFactory


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """`with sent():` runs the on-commit email sends of what happens inside it."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def propose(service, by, **changes) -> ServiceChange:
    values = services.form_values_from_service(service, **{"age_max": 16, **changes})
    return services.service_edit(service=service, values=values, by=by).pending


def digest(*args: str) -> str:
    out = StringIO()
    call_command("send_review_requests", *args, stdout=out)
    return out.getvalue()


def test_thirty_changes_in_a_day_are_one_email_at_once_and_one_digest(org, provider, moderator, sent):
    # The first through the edit service; the other 29 made in bulk (29 more edits through it were
    # 8 of the test's 9 seconds), each then told to the moderators as the edit service tells them.
    listings = Service.objects.bulk_create(ServiceFactory.build_batch(
        29, organisation=org, name=factory.Iterator([f"Service {n:02}" for n in range(1, 30)])))
    with sent():
        emailed = propose(ServiceFactory(organisation=org, name="Service 00"), provider)
        others = ServiceChange.objects.bulk_create(PendingEditFactory.build_batch(
            29, service=factory.Iterator(listings), submitted_by=provider, proposed=emailed.proposed))
        for change in others:
            notifications.change_submitted(change, sent=lambda: None)  # not sent: others wait
    assert [(m.subject, m.to) for m in mail.outbox] == [("Waiting for approval: Service 00", ["mod@example.org"])]
    # It says why the next ones will not come one by one.
    assert "the changes sent after it are listed in one email a day" in mail.outbox[0].body

    mail.outbox.clear()
    digest()
    [email] = mail.outbox
    assert (email.subject, email.to) == ("29 changes waiting for approval", ["mod@example.org"])
    assert "29 changes were sent for approval while others were already waiting" in email.body
    assert email.body.count("Change to referral details: Service") == 29
    assert "Service 00" not in email.body  # emailed about already
    assert all(f"http://127.0.0.1:8000/moderation/changes/{change.pk}/" in email.body for change in others)
    assert "Everything waiting for approval: http://127.0.0.1:8000/moderation/#changes" in email.body
    assert ServiceChange.objects.filter(moderators_emailed_at=None).count() == 0

    mail.outbox.clear()
    digest()  # twice a day: nothing twice
    assert mail.outbox == []


def test_once_nothing_waits_the_next_change_is_emailed_at_once(org, provider, moderator, service, sent):
    other = ServiceFactory(organisation=org, name="Other service")
    with sent():
        first = propose(service, provider)
        propose(other, provider)
    assert len(mail.outbox) == 1
    services.change_approve(change=first, by=moderator)
    digest()
    services.change_approve(change=ServiceChange.objects.get(service=other, state="pending"), by=moderator)

    mail.outbox.clear()
    with sent():
        propose(service, provider, age_max=15)
    assert [m.subject for m in mail.outbox] == ["Waiting for approval: Own service"]


def test_a_provider_sending_their_change_again_is_told_in_the_digest_not_at_once(provider, moderator, service, sent):
    with sent():
        first = propose(service, provider)
        again = propose(service, provider, age_max=15)
    assert [m.subject for m in mail.outbox] == ["Waiting for approval: Own service"]
    first.refresh_from_db()
    assert first.state == ServiceChange.State.WITHDRAWN

    mail.outbox.clear()
    digest()
    [email] = mail.outbox
    assert email.subject == "Waiting for approval: Own service"  # one change: named, as when sent
    assert "1 change was sent for approval while others were already waiting" in email.body
    assert f"/moderation/changes/{again.pk}/" in email.body
    assert f"/moderation/changes/{first.pk}/" not in email.body


def test_held_imports_neither_stop_the_email_nor_go_in_the_digest(org, provider, moderator, service, sent):
    held = UnpublishedServiceFactory(organisation=org, name="Imported service")
    services.imported_hold([held.pk])
    with sent():
        propose(service, provider)
    assert [m.subject for m in mail.outbox] == ["Waiting for approval: Own service"]
    mail.outbox.clear()
    digest()
    assert mail.outbox == []


def test_the_digest_is_in_each_moderators_language(org, provider, moderator, sent):
    from directory.accounts.services import moderator_create

    welsh = moderator_create(email="cymedrolwr@example.org", password="a-long-test-password").user
    account_language_set(user=welsh, language="cy")
    listings = [ServiceFactory(organisation=org, name=f"Service {n}") for n in range(3)]
    with sent():
        for service in listings:
            propose(service, provider)
    mail.outbox.clear()
    with time_machine.travel(timezone.make_aware(datetime(2026, 3, 5, 7, 15))):
        digest()
    by_reader = {tuple(m.to): m for m in mail.outbox}
    assert by_reader[("cymedrolwr@example.org",)].subject == "2 newid yn aros am gymeradwyaeth"
    assert "anfonwyd ar" in by_reader[("cymedrolwr@example.org",)].body
    assert re.search(r"http://127.0.0.1:8000/cy/moderation/changes/\d+/", by_reader[("cymedrolwr@example.org",)].body)
    assert by_reader[("mod@example.org",)].subject == "2 changes waiting for approval"
    assert "/cy/" not in by_reader[("mod@example.org",)].body


def test_a_dry_run_says_what_it_would_send_and_records_nothing(org, provider, moderator, sent):
    listings = [ServiceFactory(organisation=org, name=f"Service {n}") for n in range(2)]
    with sent():
        for service in listings:
            propose(service, provider)
    mail.outbox.clear()
    out = digest("--dry-run")
    assert "Would send 1 change(s) waiting for approval in 1 email(s) to mod@example.org:" in out
    assert "edit for “Service 1” (Own organisation)" in out
    assert mail.outbox == []
    assert ServiceChange.objects.filter(moderators_emailed_at=None).count() == 1


def test_a_digest_that_cannot_be_sent_is_recorded_for_none_and_fails_the_run(
    org, provider, moderator, sent, monkeypatch
):
    listings = [ServiceFactory(organisation=org, name=f"Service {n}") for n in range(3)]
    with sent():
        for service in listings:
            propose(service, provider)

    def refused(*args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr(mail_module, "send_mail", refused)
    with pytest.raises(CommandError, match="2 change"):
        digest()
    assert ServiceChange.objects.filter(moderators_emailed_at=None).count() == 2


def test_a_change_emailed_at_once_is_recorded_as_emailed_only_once_it_went(provider, moderator, service, sent):
    with sent():
        change = propose(service, provider)
        # Not before the commit: the email has not gone yet, and may not.
        assert ServiceChange.objects.get(pk=change.pk).moderators_emailed_at is None
    assert [m.subject for m in mail.outbox] == ["Waiting for approval: Own service"]
    assert ServiceChange.objects.get(pk=change.pk).moderators_emailed_at is not None
    mail.outbox.clear()
    digest()
    assert mail.outbox == []


def test_a_change_whose_immediate_email_was_not_sent_goes_in_the_next_digest(
    provider, moderator, service, sent, monkeypatch
):
    def refused(*args, **kwargs):
        raise ConnectionRefusedError

    with monkeypatch.context() as patched:
        patched.setattr(mail_module, "send_mail", refused)
        with sent():
            change = propose(service, provider)
    assert mail.outbox == []
    assert ServiceChange.objects.get(pk=change.pk).moderators_emailed_at is None

    digest()
    [email] = mail.outbox
    assert email.subject == "Waiting for approval: Own service"
    assert f"/moderation/changes/{change.pk}/" in email.body
    assert ServiceChange.objects.get(pk=change.pk).moderators_emailed_at is not None


def test_a_change_emailed_to_some_moderators_and_not_others_goes_in_the_next_digest(
    provider, moderator, service, sent, monkeypatch
):
    from directory.accounts.services import moderator_create

    welsh = moderator_create(email="cymedrolwr@example.org", password="a-long-test-password").user
    account_language_set(user=welsh, language="cy")
    real_send_mail = mail_module.send_mail

    def refused_in_welsh(subject, body, sender, recipients, **kwargs):
        if recipients == ["cymedrolwr@example.org"]:
            raise ConnectionRefusedError
        return real_send_mail(subject, body, sender, recipients, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(mail_module, "send_mail", refused_in_welsh)
        with sent():
            change = propose(service, provider)
    assert [m.to for m in mail.outbox] == [["mod@example.org"]]
    # Better told twice (the English reader, again in the digest) than the Welsh reader never.
    assert ServiceChange.objects.get(pk=change.pk).moderators_emailed_at is None
    mail.outbox.clear()
    digest()
    assert sorted(m.to[0] for m in mail.outbox) == ["cymedrolwr@example.org", "mod@example.org"]
