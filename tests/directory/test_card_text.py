"""The result cards' wait and freshness, built in Python (directory/card_text.py), must match the
includes the service page and the shortlist render (wait.html, freshness.html) byte for byte."""

from __future__ import annotations

import datetime
import itertools
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from directory import card_text

STATUSES = ["open", "closed", "paused"]
WAITS = [
    None,
    SimpleNamespace(referrals_open=True, weeks=0, as_of=datetime.date(2025, 3, 4), shows_year=False, age_days=0,
                    is_stale=False),
    SimpleNamespace(referrals_open=False, weeks=1, as_of=datetime.date(2024, 12, 25), shows_year=True, age_days=1,
                    is_stale=True),
    SimpleNamespace(referrals_open=True, weeks=7, as_of=datetime.date(2025, 1, 9), shows_year=False, age_days=23,
                    is_stale=False),
]
CONFIRMED = [(None, True), (None, False), (datetime.date(2023, 5, 1), True), (datetime.date(2025, 2, 28), False)]


@pytest.mark.parametrize("language", ["en", "cy"])
def test_wait_matches_the_include(language):
    with translation.override(language):
        for status, wait in itertools.product(STATUSES, WAITS):
            service = SimpleNamespace(status=status)
            expected = render_to_string("directory/includes/wait.html", {"service": service, "wait": wait})
            assert card_text.wait_html(service, wait) == expected


@pytest.mark.parametrize("language", ["en", "cy"])
def test_freshness_matches_the_include(language):
    with translation.override(language):
        for confirmed, overdue in CONFIRMED:
            service = SimpleNamespace(last_confirmed_at=confirmed, is_confirmation_overdue=overdue)
            expected = render_to_string("directory/includes/freshness.html", {"service": service})
            assert card_text.freshness_html(service) == expected
