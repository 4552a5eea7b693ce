"""Rendered pages are kept in the shared cache from their second ask, not their first.

Most pages the app renders for the cache are asked for once: a social worker's search for one
child, and each page of the Open Referral feed as a harvester walks it. Keeping every one of them
cost the request that rendered it the write (a search page of ~90 kB sealed, pickled and sent to
Redis; an API page of 50 full documents, ~350 kB) and filled the cache with pages nobody asks for
again: ten minutes of fresh searches at 200 a second would be ~10 GB, which Redis (`allkeys-lru`,
docs/deploy.md) makes room for by evicting what is asked again (API pages, gaps layers, the copies
of sessions, the API's rate-limit counters).

So the first ask leaves only a mark under the page's key (`ASKED_ONCE`, a few bytes); an ask that
finds the mark, or an older page under the key, renders the page and keeps it; the asks after that
are served from the cache. A page asked twice (a shared link, the back button, a list's first
page) is rendered twice; one asked once costs no write but the mark's.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

# Never a page: the pages kept are bytes.
ASKED_ONCE = 1


def asked_before(held: Any) -> bool:
    """Whether a page whose key held `held` (what the cache returned when this ask read it; None
    for nothing) is to be kept now: its key holds the mark, or an older or unreadable page."""
    return held is not None


def mark(key: str, timeout: int) -> None:
    """Note a page's first ask under its key."""
    # `add`: a page another server kept meanwhile is not replaced by the mark.
    cache.add(key, ASKED_ONCE, timeout)
