"""The open API's per-client limit (directory/oruk/throttling.py): one atomic counter per client
and window, counted the same by every app server sharing the cache."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from directory.oruk.throttling import OrukAnonThrottle
from servicemap import rate_limits
from servicemap.redis_cache import RedisCache

START = 1_800_000_000 - 1_800_000_000 % 60  # the start of a minute


def _throttle(cache, at: float) -> OrukAnonThrottle:
    throttle = OrukAnonThrottle()
    throttle.cache, throttle.timer = cache, lambda: at
    return throttle


def _request(address: str = "192.0.2.1"):
    request = RequestFactory().get("/api/oruk/services", REMOTE_ADDR=address)
    request.user = AnonymousUser()  # as the API's requests have it (no authentication)
    return request


def test_two_app_servers_count_one_clients_requests_together(redis_config, settings):
    settings.ORUK_API_ANON_RATE = "3/minute"
    # Each app server's own cache on the one Redis (this machine's; see tests/conftest.py).
    server_a, server_b = (RedisCache(redis_config["LOCATION"], redis_config) for _ in range(2))

    allowed = [_throttle(cache, START + 5).allow_request(_request(), None)
               for cache in (server_a, server_b, server_a, server_b)]

    assert allowed == [True, True, True, False]
    assert _throttle(server_b, START + 6).allow_request(_request("192.0.2.99"), None), "another client"
    # What the cache holds for the client is a count, not a list of times, under no address.
    key = f"{rate_limits.client_key('oruk_anon', _request())}:{START // 60}"
    assert "192.0.2.1" not in key
    assert server_a.get(key) == 4


def test_a_refused_client_is_told_the_rest_of_the_window_and_let_in_after_it(settings):
    settings.ORUK_API_ANON_RATE = "2/minute"
    from django.core.cache import cache

    for second in (1, 2):
        assert _throttle(cache, START + second).allow_request(_request(), None)
    refused = _throttle(cache, START + 20)

    assert not refused.allow_request(_request(), None)
    assert refused.wait() == 40
    assert _throttle(cache, START + 60).allow_request(_request(), None)
