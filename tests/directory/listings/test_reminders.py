"""Review requests: who gets what on which day, and nothing twice."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from directory.listings import services
from directory.listings.reminders import FIRST, REMINDER, URGENT, WAIT, Due, ServiceFacts, add_months, due_requests
from directory.models import ReviewRequest
from tests.factories import ClosedServiceFactory, ServiceFactory, UnpublishedServiceFactory
from tests.job_log import job_log


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [(date(2025, 1, 31), 1, date(2025, 2, 28)), (date(2024, 1, 31), 1, date(2024, 2, 29)),
     (date(2025, 3, 15), 11, date(2026, 2, 15)), (date(2025, 12, 1), 13, date(2027, 1, 1))],
)
def test_add_months_keeps_the_day_or_the_months_last_day(day, months, expected):
    assert add_months(day, months) == expected


def test_only_the_most_advanced_stage_due_is_sent():
    facts = [ServiceFacts(service_id=1, confirmed_on=date(2024, 1, 1))]
    assert due_requests(facts, today=date(2024, 11, 30), sent=set()) == []
    assert due_requests(facts, today=date(2024, 12, 1), sent=set()) == [Due(1, FIRST, "confirmed:2024-01-01")]
    assert due_requests(facts, today=date(2025, 3, 1), sent=set()) == [Due(1, URGENT, "confirmed:2024-01-01")]
    assert due_requests(facts, today=date(2025, 3, 1), sent={(1, URGENT, "confirmed:2024-01-01")}) == []


def test_wait_reminders_are_due_at_five_weeks_per_wait():
    facts = [ServiceFacts(service_id=1, confirmed_on=date(2025, 1, 1), wait_id=7, wait_as_of=date(2025, 2, 1))]
    assert due_requests(facts, today=date(2025, 3, 7), sent=set()) == []
    assert due_requests(facts, today=date(2025, 3, 8), sent=set()) == [Due(1, WAIT, "wait:7")]
    assert due_requests(facts, today=date(2025, 3, 8), sent={(1, WAIT, "wait:7")}) == []


def run(day: date) -> str:
    with time_machine.travel(day), job_log() as log:
        call_command("send_review_requests", stdout=StringIO())
    return log.getvalue()


@pytest.fixture
def dated_service(org, provider, moderator):
    with time_machine.travel(date(2025, 1, 15)):
        service = ServiceFactory(organisation=org, name="Dated service", last_confirmed_at=date(2025, 1, 15))
    return service


def sent_to() -> list[tuple[str, list[str]]]:
    return [(m.subject, sorted(m.to)) for m in mail.outbox]


def test_confirmation_requests_at_eleven_twelve_and_thirteen_months(dated_service):
    assert "0 review request(s) sent" in run(date(2025, 12, 14))
    assert mail.outbox == []

    out = run(date(2025, 12, 15))
    assert "Sent confirm_first for “Dated service” (Own organisation) to 1 provider account" in out
    assert sent_to() == [("Please check your listing: Dated service", ["own@example.org"])]
    assert "0 review request(s) sent" in run(date(2025, 12, 15))  # twice a day: nothing twice
    assert "0 review request(s) sent" in run(date(2026, 1, 14))

    mail.outbox.clear()
    run(date(2026, 1, 15))
    assert sent_to() == [("Reminder: please check your listing: Dated service", ["own@example.org"])]

    mail.outbox.clear()
    run(date(2026, 2, 15))
    assert sent_to() == [
        ("Urgent: Dated service has not been checked for 13 months", ["mod@example.org", "own@example.org"])
    ]
    mail.outbox.clear()
    run(date(2026, 2, 15))
    run(date(2026, 6, 1))
    assert mail.outbox == []
    assert list(ReviewRequest.objects.order_by("sent_at").values_list("kind", flat=True)) == [FIRST, REMINDER, URGENT]


def test_confirming_starts_a_new_cycle(dated_service, provider):
    run(date(2025, 12, 15))
    with time_machine.travel(date(2025, 12, 20)):
        services.service_confirm(service=dated_service, by=provider)
    mail.outbox.clear()
    assert "0 review request(s) sent" in run(date(2026, 2, 15))
    run(date(2026, 11, 20))
    assert sent_to() == [("Please check your listing: Dated service", ["own@example.org"])]


def test_wait_reminder_at_five_weeks_once_per_wait(dated_service, provider):
    with time_machine.travel(date(2025, 3, 1)):
        services.wait_update(service=dated_service, weeks=8, referrals_open=True, by=provider)
    run(date(2025, 4, 4))
    assert mail.outbox == []
    out = run(date(2025, 4, 5))
    assert "Sent wait_reminder" in out
    assert sent_to() == [("Please update the waiting time for Dated service", ["own@example.org"])]
    run(date(2025, 4, 6))
    assert len(mail.outbox) == 1
    with time_machine.travel(date(2025, 4, 7)):
        services.wait_update(service=dated_service, weeks=8, referrals_open=True, by=provider)
    run(date(2025, 5, 11))
    assert len(mail.outbox) == 1  # the new wait is only 34 days old
    run(date(2025, 5, 12))
    assert len(mail.outbox) == 2


def test_the_wait_reminder_says_how_old_the_wait_really_is_and_whether_it_is_flagged(dated_service, provider):
    with time_machine.travel(date(2025, 3, 1)):
        services.wait_update(service=dated_service, weeks=8, referrals_open=True, by=provider)
    run(date(2025, 4, 5))
    body = " ".join(mail.outbox[-1].body.split())
    assert "last given on 1 March 2025, 5 weeks ago" in body
    assert 'once it is more than six weeks old it shows as "may be out of date"' in body

    # A reminder that goes late (the cron was down): the wait is 60 days old and already flagged.
    with time_machine.travel(date(2025, 4, 10)):
        services.wait_update(service=dated_service, weeks=4, referrals_open=True, by=provider)
    run(date(2025, 6, 9))
    assert len(mail.outbox) == 2
    body = " ".join(mail.outbox[-1].body.split())
    assert "last given on 10 April 2025, 8 weeks ago" in body
    assert 'it is now shown to them as "may be out of date"' in body
    assert "five weeks" not in body


def test_a_service_with_no_provider_account_goes_to_moderators(moderator):
    with time_machine.travel(date(2025, 1, 15)):
        ServiceFactory(name="Orphan", last_confirmed_at=date(2025, 1, 15))
    out = run(date(2025, 12, 15))
    assert "to 1 moderator (no provider account)" in out
    assert sent_to() == [("Please check your listing: Orphan", ["mod@example.org"])]


def test_closed_and_unpublished_services_are_not_chased(org, provider, moderator):
    with time_machine.travel(date(2025, 1, 15)):
        ClosedServiceFactory(organisation=org, last_confirmed_at=date(2025, 1, 15))
        UnpublishedServiceFactory(organisation=org, last_confirmed_at=date(2025, 1, 15))
    run(date(2026, 3, 1))
    assert mail.outbox == []


def test_never_confirmed_counts_from_when_it_was_listed(org, provider):
    with time_machine.travel(date(2025, 1, 15)):
        ServiceFactory(organisation=org, name="Imported", last_confirmed_at=None)
    run(date(2025, 12, 14))
    assert mail.outbox == []
    run(date(2025, 12, 15))
    assert sent_to() == [("Please check your listing: Imported", ["own@example.org"])]


def test_dry_run_sends_and_records_nothing(dated_service):
    out = StringIO()
    with time_machine.travel(date(2026, 2, 15)):
        call_command("send_review_requests", "--dry-run", stdout=out)
    assert "Would send confirm_urgent" in out.getvalue()
    assert "own@example.org" in out.getvalue()  # typed by hand: the addresses it would go to
    assert mail.outbox == []
    assert not ReviewRequest.objects.exists()


def _link(body: str) -> str:
    return next(line for line in body.splitlines() if line.startswith("https://servicemap.example.org/"))


def test_a_request_to_check_links_to_the_listings_edit_page_where_it_is_confirmed(
    dated_service, moderator, client, settings
):
    """Not the dashboard: a moderator's (the urgent request goes to them too) is the list of every
    service, with no "Everything is still correct" button, so the email's instruction could not be done."""
    settings.SITE_URL = "https://servicemap.example.org"
    run(date(2026, 2, 15))  # urgent: to the provider and the moderators
    body = " ".join(mail.outbox[0].body.split())
    link = _link(mail.outbox[0].body)
    assert link == f"https://servicemap.example.org/manage/services/{dated_service.public_id}/edit/"
    assert 'tick "I have checked the rest of this listing and it is all still correct"' in body
    client.force_login(moderator)
    page = client.get(link.removeprefix("https://servicemap.example.org"))
    assert page.status_code == 200
    assert "I have checked the rest of this listing and it is all still correct" in page.content.decode()


def test_a_wait_reminder_links_to_the_services_wait_page(dated_service, provider, settings):
    settings.SITE_URL = "https://servicemap.example.org"
    with time_machine.travel(date(2025, 3, 1)):
        services.wait_update(service=dated_service, weeks=8, referrals_open=True, by=provider)
    run(date(2025, 4, 5))
    assert sent_to() == [("Please update the waiting time for Dated service", ["own@example.org"])]
    assert _link(mail.outbox[0].body) == f"https://servicemap.example.org/manage/services/{dated_service.public_id}/wait/"



def test_a_name_with_a_line_break_does_not_stop_the_review_requests(org, provider, moderator):
    """Each subject names its service: one name with a line break stopped the whole run (Django refuses
    such a subject), every day, so the listings after it were never asked about."""
    with time_machine.travel(date(2025, 1, 15)):
        ServiceFactory(organisation=org, name="A service\nwith a break", last_confirmed_at=date(2025, 1, 15))
        ServiceFactory(organisation=org, name="B service", last_confirmed_at=date(2025, 1, 15))

    out = run(date(2025, 12, 15))

    assert "2 review request(s) sent" in out
    assert sorted(sent_to()) == [
        ("Please check your listing: A service with a break", ["own@example.org"]),
        ("Please check your listing: B service", ["own@example.org"]),
    ]


def test_a_request_sent_to_the_moderators_instead_of_a_provider_says_why(moderator, dated_service):
    # Forty-odd "Please check your listing" emails came to the moderators on the first run, each written
    # as if to the listing's provider, without saying why a moderator had it.
    with time_machine.travel(date(2025, 1, 15)):
        ServiceFactory(name="Orphan", last_confirmed_at=date(2025, 1, 15))
    run(date(2025, 12, 15))
    bodies = {m.subject: " ".join(m.body.split()) for m in mail.outbox}
    note = "The provider has no account on servicemap to tell, so this comes to the moderators."
    assert bodies["Please check your listing: Orphan"].startswith(f"Hello, {note} Orphan (")
    assert note not in bodies["Please check your listing: Dated service"]  # to its provider
