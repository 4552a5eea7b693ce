"""Per-client limits on what strangers may ask of the site, counted the same by every app server.

Each client has one counter per window of the limit's period in the shared cache, increased
atomically (Redis INCR), so every server counts every request and the cache holds a number, under a
hash of the client's address (servicemap/client_address.py), never the address. Used by:

- the open API's rate limit (directory/oruk/throttling.py), and its lower one for whole feeds
  (format=ndjson, directory/oruk/api.py), each of which streams every match;
- the public "report a problem" form (directory/listings/views.py), whose reports land in the
  moderators' queue: a script sending hundreds would bury the real ones;
- the unmet-demand count (directory/views.py): the published figures are not a script's to write;
- wrong passwords at sign-in (directory/accounts/views.py), whatever the address tried: django-axes
  locks one address from one client, not a client trying a few passwords on every address.

A fixed window lets a client make up to twice the rate across a window's boundary; these limits
are courtesies that keep one client from crowding out the rest, not security boundaries. For the
same reason, while the cache is unavailable nothing is counted and everything is let through
(servicemap/redis_cache.py): an outage of the cache must not close the API or the form.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache as default_cache

from servicemap.client_address import client_address
from servicemap.rates import parse_rate
from servicemap.redis_cache import CacheUnavailable


def count_in_window(key: str, duration: int, now: float, cache=default_cache) -> tuple[int, float]:
    """Requests counted under `key` in this window of `duration` seconds, this one included, and the
    seconds left in the window. Raises CacheUnavailable while the cache is out."""
    window = int(now // duration)
    key = f"{key}:{window}"
    try:
        count = cache.incr(key)
    except ValueError:  # the window's first request
        # Kept for two windows, so it cannot expire while its window is current (Django's Redis
        # incr checks the key exists, then increments: an expiry between the two would leave a
        # counter with no expiry).
        count = 1 if cache.add(key, 1, 2 * duration) else cache.incr(key)
    return count, (window + 1) * duration - now


def client_key(scope: str, request) -> str:
    """The client's cache key for `scope`: its address (servicemap/client_address.py), hashed, so
    the cache never holds an address."""
    ident = client_address(request)
    return f"rate:{scope}:{hashlib.sha256(f'{scope}:{ident}'.encode()).hexdigest()[:32]}"


def wait_before(scope: str, request, rate: str) -> float | None:
    """None if this request from its client is within `rate`; else the seconds until it would be.
    Counts the request."""
    limit, duration = parse_rate(rate)
    try:
        count, left = count_in_window(client_key(scope, request), duration, time.time())
    except CacheUnavailable:
        return None
    return None if count <= limit else left


def refused(scope: str, request, rate: str) -> float | None:
    """As `wait_before`, without counting this request: for a limit counted only on failures
    (`wait_before` counts each one), asked before the request is looked at."""
    limit, duration = parse_rate(rate)
    now = time.time()
    window = int(now // duration)
    try:
        count = default_cache.get(f"{client_key(scope, request)}:{window}") or 0
    except CacheUnavailable:
        return None
    return None if count < limit else (window + 1) * duration - now
