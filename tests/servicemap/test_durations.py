"""Lengths of time in words (servicemap/durations.py), in both languages."""

from __future__ import annotations

import pytest
from django.utils import translation

from servicemap.durations import DAY, MINUTE, YEAR, duration_text


@pytest.mark.parametrize(("seconds", "english", "welsh"), [
    (YEAR, "1 year", "1 flwyddyn"),
    (2 * DAY, "2 days", "2 ddiwrnod"),  # "dau ddiwrnod": the noun softens after two
    (3 * DAY, "3 days", "3 diwrnod"),
    (2 * MINUTE, "2 minutes", "2 funud"),
    (90 * MINUTE, "90 minutes", "90 munud"),
])
def test_a_duration_is_said_in_the_pages_language(seconds, english, welsh):
    with translation.override("en"):
        assert duration_text(seconds) == english
    with translation.override("cy"):
        assert duration_text(seconds) == welsh
