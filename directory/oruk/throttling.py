"""The open API's per-client limit (settings.ORUK_API_ANON_RATE), counted the same by every app server.

DRF's own throttle keeps, per client, the list of its recent requests' times in the cache, read
and written back whole on every request. Two app servers (or two workers) answering one client at
once each write back their own list, and a request goes uncounted; and the list grows with the
rate: a client allowed 10,000 requests a minute carried ~90 kB of timestamps in and out of the
cache on every request (pickling it alone cost ~0.25 ms). Here each client has one counter per
window of the rate's period (servicemap/rate_limits.py, which says why a fixed window and why
requests are let through uncounted while Redis is unavailable).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from servicemap import rate_limits, rates
from servicemap.redis_cache import CacheUnavailable


class OrukAnonThrottle(AnonRateThrottle):
    """Per-client-address limit; the rate is read per request so settings can change it."""

    scope = "oruk_anon"

    def get_rate(self) -> str:
        return settings.ORUK_API_ANON_RATE

    def parse_rate(self, rate: str) -> tuple[int, int]:
        return rates.parse_rate(rate)  # one reading of a rate for every limit

    def get_cache_key(self, request: object, view: object) -> str:
        # The visitor behind NUM_PROXIES proxies (never a header the client wrote), hashed: the
        # cache holds no address.
        return rate_limits.client_key(self.scope, request)

    def allow_request(self, request: object, view: object) -> bool:
        self.num_requests, self.duration = self.parse_rate(self.get_rate())
        key = self.get_cache_key(request, view)
        try:
            count, self.wait_seconds = rate_limits.count_in_window(key, self.duration, self.timer(), self.cache)
        except CacheUnavailable:
            return True
        return count <= self.num_requests

    def wait(self) -> float:
        return self.wait_seconds


class GapsAnonThrottle(OrukAnonThrottle):
    """The gaps API's per-client limit (settings.GAPS_API_ANON_RATE), counted apart from the ORUK
    API's: an answer not cached costs ~0.5 s, so its rate is lower."""

    scope = "gaps_anon"

    def get_rate(self) -> str:
        return settings.GAPS_API_ANON_RATE
