"""The moderators' list of listings not confirmed for 12 months, with the requests sent about each."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import time_machine
from django.urls import reverse

from directory.listings.views import OVERDUE_PAGE_SIZE
from tests.factories import ReviewRequestFactory, ServiceFactory

TODAY = date(2026, 6, 1)


def _overdue_section(page: str) -> str:
    section = page[page.index('id="overdue"'):page.index("Accounts closed for not being used")]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def _sent(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


def test_each_overdue_listing_says_which_requests_to_check_it_were_sent_this_cycle(client, moderator):
    # The list said only when each was last confirmed: whether its provider had been asked, and
    # when, was in the admin's table of review requests, if anywhere.
    confirmed = date(2025, 4, 20)
    asked = ServiceFactory(name="Asked twice", last_confirmed_at=confirmed)
    basis = f"confirmed:{confirmed.isoformat()}"
    ReviewRequestFactory(service=asked, kind="confirm_first", basis=basis, sent_at=_sent(date(2026, 3, 20)))
    ReviewRequestFactory(service=asked, kind="confirm_reminder", basis=basis, sent_at=_sent(date(2026, 4, 20)))
    # One of the cycle before the last confirmation was answered by it: not shown.
    ReviewRequestFactory(service=asked, kind="confirm_urgent", basis="confirmed:2024-03-01", sent_at=_sent(date(2025, 4, 1)))
    ReviewRequestFactory(service=asked, kind="wait_reminder", basis="wait:1", sent_at=_sent(date(2026, 5, 1)))
    ServiceFactory(name="Not asked yet", last_confirmed_at=date(2025, 5, 30))
    with time_machine.travel(TODAY):
        client.force_login(moderator)
        section = _overdue_section(client.get(reverse("listings:moderation")).content.decode())
    assert "Asked twice" in section
    assert "20 Apr 2025 First request: 20 Mar 2026 Reminder: 20 Apr 2026 Not asked yet" in section
    assert "Urgent" not in section and "1 May 2026" not in section
    assert re.search(r"Not asked yet \S+ \d+ 30 May 2025 None yet$", section)


def test_the_overdue_list_is_a_page_at_a_time_in_a_flat_number_of_queries(
    client, moderator, django_assert_max_num_queries
):
    with time_machine.travel(TODAY):
        client.force_login(moderator)
        for i in range(OVERDUE_PAGE_SIZE + 2):
            service = ServiceFactory(name=f"Overdue {i:03d}", last_confirmed_at=date(2025, 1, 1) + timedelta(days=i))
            ReviewRequestFactory(service=service, basis=f"confirmed:{service.last_confirmed_at.isoformat()}")
        with django_assert_max_num_queries(12):
            page = client.get(reverse("listings:moderation")).content.decode()
        section = _overdue_section(page)
        assert f"{OVERDUE_PAGE_SIZE + 2} published listings have not been confirmed" in section
        assert f"Overdue {OVERDUE_PAGE_SIZE - 1:03d}" in section and f"Overdue {OVERDUE_PAGE_SIZE:03d}" not in section
        assert 'href="?overdue_page=2#overdue"' in page
        section = _overdue_section(client.get(reverse("listings:moderation"), {"overdue_page": 2}).content.decode())
        assert f"Overdue {OVERDUE_PAGE_SIZE:03d}" in section and "Overdue 000" not in section
        # A page number out of range or not a number shows a page, never an error.
        assert client.get(reverse("listings:moderation"), {"overdue_page": "x"}).status_code == 200


def test_the_requests_are_named_in_welsh(client, moderator):
    confirmed = date(2025, 4, 20)
    service = ServiceFactory(name="Asked", last_confirmed_at=confirmed)
    ReviewRequestFactory(service=service, kind="confirm_first", basis=f"confirmed:{confirmed.isoformat()}")
    with time_machine.travel(TODAY):
        client.force_login(moderator)
        page = client.get("/cy/moderation/").content.decode()
    assert "Cais cyntaf" in page and "Ceisiadau i'w wirio a anfonwyd" in page.replace("&#x27;", "'")
