"""Review requests: who gets what on which day, and nothing twice."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from directory import mail as mail_module
from directory.accounts.services import account_language_set
from directory.listings import services
from directory.listings.reminders import FIRST, REMINDER, URGENT, WAIT, Due, ServiceFacts, add_months, due_requests
from directory.listings.review_emails import Request, group_by_readers
from directory.models import Organisation, ReviewRequest, Service
from tests.factories import ClosedServiceFactory, MembershipFactory, ServiceFactory, UnpublishedServiceFactory
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
    assert sorted(sent_to()) == [  # a message to each of them
        ("Urgent: Dated service has not been checked for 13 months", ["mod@example.org"]),
        ("Urgent: Dated service has not been checked for 13 months", ["own@example.org"]),
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
    assert "Would send 1 review request(s) in 2 email(s) to mod@example.org, own@example.org:" in out.getvalue()
    assert "  confirm_urgent for “Dated service” (Own organisation)" in out.getvalue()
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
        ServiceFactory(name="B service", last_confirmed_at=date(2025, 1, 15))  # no provider account: its own email

    out = run(date(2025, 12, 15))

    assert "2 review request(s) sent in 2 email(s)" in out
    assert sorted(sent_to()) == [
        ("Please check your listing: A service with a break", ["own@example.org"]),
        ("Please check your listing: B service", ["mod@example.org"]),
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


# One email per group of listings that go to the same people. The sample directory's first run sent
# the only moderator 46 emails, one per listing with no provider account; a provider with 15 listings
# had 15 the same morning.

def _listings(names: list[str], *, organisation=None, confirmed: date = date(2025, 1, 15), **fields) -> list:
    with time_machine.travel(confirmed):
        return [ServiceFactory(name=name, last_confirmed_at=confirmed, **({"organisation": organisation}
                                                                           if organisation else {}), **fields)
                for name in names]


def test_listings_with_no_provider_account_go_to_the_moderator_in_one_email(moderator):
    _listings(["Echo", "Alpha", "Delta", "Bravo", "Charlie"])  # each its own organisation, none with an account

    out = run(date(2025, 12, 15))

    assert sent_to() == [("Please check 5 listings", ["mod@example.org"])]
    assert "5 review request(s) sent in 1 email(s), 0 could not be sent, 0 had nobody to go to." in out
    assert out.count("Sent confirm_first for") == 5 and "mod@example.org" not in out
    body = mail.outbox[0].body
    assert body.count("The providers of these listings have no account on servicemap to tell") == 1
    assert "5 listings have not been checked for 11 months" in body
    names = [line.split(" (")[0].removeprefix("- ") for line in body.splitlines() if line.startswith("- ")]
    assert names == ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    assert ReviewRequest.objects.filter(recipients="mod@example.org").count() == 5


@pytest.fixture
def other_english_provider(other_provider):
    account_language_set(user=other_provider, language="en")
    return other_provider


def test_each_provider_gets_one_email_for_all_of_their_listings(org, provider, other_english_provider, moderator):
    other_provider = other_english_provider
    _listings(["Own one", "Own two", "Own three"], organisation=org)
    _listings(["Other one", "Other two"], organisation=other_provider.memberships.get().organisation)

    run(date(2025, 12, 15))

    assert sorted(sent_to()) == [("Please check 2 listings", ["other@example.org"]),
                                 ("Please check 3 listings", ["own@example.org"])]
    assert "Other" not in to_("own@example.org").body and "Own" not in to_("other@example.org").body


def to_(address: str):
    [message] = [m for m in mail.outbox if address in m.to]
    return message


def test_one_email_lists_each_kind_most_pressing_first_with_each_listings_link(org, provider, settings):
    settings.SITE_URL = "https://servicemap.example.org"
    first = _listings(["First due"], organisation=org, confirmed=date(2025, 3, 1))[0]
    reminder = _listings(["Reminder due"], organisation=org, confirmed=date(2025, 2, 1))[0]
    waiting = _listings(["Waiting"], organisation=org, confirmed=date(2025, 10, 1))[0]
    with time_machine.travel(date(2025, 12, 1)):
        services.wait_update(service=waiting, weeks=8, referrals_open=True, by=provider)

    run(date(2026, 2, 1))

    [message] = mail.outbox
    assert message.subject == "Please check 3 listings"
    body = message.body
    order = [body.index(text) for text in (
        "To check a listing below, open its link", "Reminder: 1 listing has not been checked for 12 months",
        "- Reminder due (Own organisation): last confirmed on 1 February 2025.",
        f"  https://servicemap.example.org/manage/services/{reminder.public_id}/edit/",
        "1 listing has not been checked for 11 months",
        "- First due (Own organisation): last confirmed on 1 March 2025.",
        f"  https://servicemap.example.org/manage/services/{first.public_id}/edit/",
        "The waiting time of 1 listing was given 5 weeks ago or more",
        "- Waiting (Own organisation): the wait was given on 1 December 2025, 8 weeks ago. "
        'It is shown as "may be out of date".',
        f"  https://servicemap.example.org/manage/services/{waiting.public_id}/wait/",
    )]
    assert order == sorted(order)
    assert "no account on servicemap" not in body


def test_urgent_requests_go_to_the_provider_and_the_moderators_in_one_email_per_organisation_each(
        org, provider, other_english_provider, moderator):
    other_provider = other_english_provider
    _listings(["Own one", "Own two"], organisation=org, confirmed=date(2025, 1, 1))
    _listings(["Other one"], organisation=other_provider.memberships.get().organisation, confirmed=date(2025, 1, 1))
    _listings(["Orphan"], confirmed=date(2025, 1, 1))

    run(date(2026, 2, 1))

    assert sorted(sent_to()) == [
        ("Urgent: Orphan has not been checked for 13 months", ["mod@example.org"]),
        ("Urgent: Other one has not been checked for 13 months", ["mod@example.org"]),
        ("Urgent: Other one has not been checked for 13 months", ["other@example.org"]),
        ("Urgent: please check 2 listings", ["mod@example.org"]),
        ("Urgent: please check 2 listings", ["own@example.org"]),
    ]


@pytest.mark.parametrize(("language", "subject"), [
    ("en", "Please check 3 listings (1 urgent)"),
    ("cy", "Gwiriwch 3 cofnod (1 ar frys)"),
])
def test_an_email_with_some_urgent_listings_says_how_many_are_urgent(org, provider, language, subject):
    """"Urgent: please check 3 listings" would say all three are urgent when one is."""
    account_language_set(user=provider, language=language)
    _listings(["Urgent one"], organisation=org, confirmed=date(2025, 1, 1))
    _listings(["Due one", "Due two"], organisation=org, confirmed=date(2025, 3, 1))

    run(date(2026, 2, 1))

    assert sent_to() == [(subject, ["own@example.org"])]


def test_an_email_with_two_listings_one_urgent_has_the_welsh_form_for_two(org, provider):
    account_language_set(user=provider, language="cy")
    _listings(["Urgent one"], organisation=org, confirmed=date(2025, 1, 1))
    _listings(["Due one"], organisation=org, confirmed=date(2025, 3, 1))

    run(date(2026, 2, 1))

    assert sent_to() == [("Gwiriwch 2 gofnod (1 ar frys)", ["own@example.org"])]


def test_a_listing_with_no_provider_account_among_others_is_said_to_be_so(org, moderator):
    """A moderator who is also an organisation's editor has its listings in the same email as those
    no provider keeps: only the latter are said to have no provider account."""
    MembershipFactory(user=moderator, organisation=org)
    _listings(["Kept"], organisation=org)
    _listings(["Orphan"])

    run(date(2025, 12, 15))

    [message] = mail.outbox
    lines = {line.split(" (")[0].removeprefix("- "): line for line in message.body.splitlines() if line.startswith("- ")}
    note = "Its provider has no account on servicemap to tell, so it comes to the moderators."
    assert lines["Orphan"].endswith(note) and note not in lines["Kept"]
    assert "The providers of these listings" not in message.body


def test_an_email_that_cannot_be_sent_leaves_its_listings_for_the_next_run_and_the_others_go(
        org, provider, moderator, monkeypatch):
    _listings(["Own one", "Own two"], organisation=org)
    _listings(["Orphan one", "Orphan two", "Orphan three"])
    real_send = mail_module.send_mail

    def refuse_the_moderators(subject, body, from_email, recipients, **kwargs):
        if "mod@example.org" in recipients:
            raise ConnectionRefusedError(111, "Connection refused")
        return real_send(subject, body, from_email, recipients, **kwargs)

    monkeypatch.setattr(mail_module, "send_mail", refuse_the_moderators)
    with time_machine.travel(date(2025, 12, 15)), job_log() as log, pytest.raises(CommandError) as failed:
        call_command("send_review_requests", stdout=StringIO())

    assert str(failed.value).startswith("2 review request(s) sent in 1 email(s), 3 could not be sent, ")
    assert log.getvalue().count("Could not send confirm_first for “Orphan") == 3
    assert sent_to() == [("Please check 2 listings", ["own@example.org"])]
    assert sorted(ReviewRequest.objects.values_list("service__name", flat=True)) == ["Own one", "Own two"]

    monkeypatch.undo()
    out = run(date(2025, 12, 16))  # the next run: the moderators' email, and nothing twice
    assert "3 review request(s) sent in 1 email(s)" in out
    assert sent_to()[1:] == [("Please check 3 listings", ["mod@example.org"])]


def test_a_second_run_sends_nothing(org, provider, moderator):
    _listings(["Own one", "Own two"], organisation=org)
    _listings(["Orphan one", "Orphan two"])
    assert "4 review request(s) sent in 2 email(s)" in run(date(2025, 12, 15))

    assert "0 review request(s) sent in 0 email(s)" in run(date(2025, 12, 15))
    assert "0 review request(s) sent in 0 email(s)" in run(date(2025, 12, 16))
    assert len(mail.outbox) == 2
    assert ReviewRequest.objects.count() == 4


def test_a_dry_run_prints_each_email_and_what_it_asks(org, provider, moderator):
    _listings(["Own one", "Own two"], organisation=org)
    out = StringIO()
    with time_machine.travel(date(2025, 12, 15)):
        call_command("send_review_requests", "--dry-run", stdout=out)
    assert out.getvalue().splitlines() == [
        "Would send 2 review request(s) in 1 email(s) to own@example.org:",
        "  confirm_first for “Own one” (Own organisation)",
        "  confirm_first for “Own two” (Own organisation)",
    ]
    assert mail.outbox == [] and not ReviewRequest.objects.exists()


def test_requests_are_grouped_by_their_readers_and_ordered_most_pressing_first():
    """Pure: unsaved listings, no database."""
    organisation = Organisation(name="Org")

    def request(pk: int, name: str, kind: str) -> Request:
        return Request(service=Service(pk=pk, name=name, organisation=organisation), due=Due(pk, kind, "b"),
                       providers=1)

    provider, both = {"en": ["p@example.org"]}, {"cy": ["m@example.org"], "en": ["p@example.org"]}
    emails = group_by_readers([
        (provider, request(1, "Zulu", FIRST)), (both, request(2, "Yankee", URGENT)),
        (provider, request(3, "alpha", WAIT)), (provider, request(4, "Bravo", FIRST)),
        ({"en": ["p@example.org"], "cy": ["m@example.org"]}, request(5, "X-ray", URGENT)),
    ])

    assert [(email.recipients, [(r.service.name, r.due.kind) for r in email.requests]) for email in emails] == [
        (["p@example.org"], [("Bravo", FIRST), ("Zulu", FIRST), ("alpha", WAIT)]),
        (["m@example.org", "p@example.org"], [("X-ray", URGENT), ("Yankee", URGENT)]),
    ]
