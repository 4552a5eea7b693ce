"""Rates, as DRF writes them ("N/second", "N/minute", "N/hour", "N/day"; only the period's first
letter counts): one reading, for the settings, which refuse a malformed rate at start-up, and for
every limit that counts against one (servicemap/rate_limits.py). Nothing here touches the cache, so
the settings module can import it."""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured

RATE = re.compile(r"(\d+)/([smhd])[a-z]*")
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """"N/period" as (N, the period in seconds)."""
    found = RATE.fullmatch(rate)
    if found is None:
        raise ImproperlyConfigured(f"A rate is N/second, N/minute, N/hour or N/day, not {rate!r}")
    return int(found[1]), PERIODS[found[2]]
