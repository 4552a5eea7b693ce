"""The open API's per-client limit (settings.ORUK_API_ANON_RATE), counted the same by every app server.

DRF's own throttle keeps, per client, the list of its recent requests' times in the cache, read
and written back whole on every request. Two app servers (or two workers) answering one client at
once each write back their own list, and a request goes uncounted; and the list grows with the
rate: a client allowed 10,000 requests a minute carried ~90 kB of timestamps in and out of the
cache on every request (pickling it alone cost ~0.25 ms). Here each client has one counter per
window of the rate's period, increased atomically (Redis INCR), so every server counts every
request, and the cache holds a number.

A fixed window lets a client make up to twice the rate across a window's boundary, where the list
kept it to the rate over any sliding period: the limit is a courtesy to share the API fairly, not
a security boundary, and counting every request across servers matters more. For the same reason,
while Redis is unavailable requests are let through uncounted (servicemap/redis_cache.py): an
outage of the cache must not close the API.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from servicemap.redis_cache import CacheUnavailable


class OrukAnonThrottle(AnonRateThrottle):
    """Per-client-address limit; the rate is read per request so settings can change it."""

    scope = "oruk_anon"

    def get_rate(self) -> str:
        return settings.ORUK_API_ANON_RATE

    def allow_request(self, request: object, view: object) -> bool:
        self.num_requests, self.duration = self.parse_rate(self.get_rate())
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        key = f"{key}:{window}"
        try:
            count = self._count(key)
        except CacheUnavailable:
            return True
        self.wait_seconds = (window + 1) * self.duration - now
        return count <= self.num_requests

    def _count(self, key: str) -> int:
        """This window's requests from this client, this one included."""
        try:
            return self.cache.incr(key)
        except ValueError:  # the window's first request
            # Kept for two windows, so it cannot expire while its window is current (Django's Redis
            # incr checks the key exists, then increments: an expiry between the two would leave a
            # counter with no expiry).
            return 1 if self.cache.add(key, 1, 2 * self.duration) else self.cache.incr(key)

    def wait(self) -> float:
        return self.wait_seconds
