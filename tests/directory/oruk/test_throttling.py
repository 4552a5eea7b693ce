"""The open API's per-client limit (directory/oruk/throttling.py): one atomic counter per client
and window, counted the same by every app server sharing the cache."""

from __future__ import annotations

import os
import uuid

import pytest
import redis
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from directory.oruk.throttling import OrukAnonThrottle
from servicemap.redis_cache import RedisCache
from servicemap.settings import cache_settings

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
START = 1_800_000_000 - 1_800_000_000 % 60  # the start of a minute


@pytest.fixture
def shared_redis():
    """A factory of app servers' caches on this machine's Redis, under this test's own prefix
    (the server is shared: only this test's keys are deleted afterwards)."""
    prefix = f"test-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis does not answer at {REDIS_URL} ({exc}); `make redis-up` starts it")
    config = cache_settings(REDIS_URL)["default"] | {"KEY_PREFIX": prefix}
    yield lambda: RedisCache(config["LOCATION"], config)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def _throttle(cache, at: float) -> OrukAnonThrottle:
    throttle = OrukAnonThrottle()
    throttle.cache, throttle.timer = cache, lambda: at
    return throttle


def _request(address: str = "192.0.2.1"):
    request = RequestFactory().get("/api/oruk/services", REMOTE_ADDR=address)
    request.user = AnonymousUser()  # as the API's requests have it (no authentication)
    return request


def test_two_app_servers_count_one_clients_requests_together(shared_redis, settings):
    settings.ORUK_API_ANON_RATE = "3/minute"
    server_a, server_b = shared_redis(), shared_redis()

    allowed = [_throttle(cache, START + 5).allow_request(_request(), None)
               for cache in (server_a, server_b, server_a, server_b)]

    assert allowed == [True, True, True, False]
    assert _throttle(server_b, START + 6).allow_request(_request("192.0.2.99"), None), "another client"
    # What the cache holds for the client is a count, not a list of times.
    assert server_a.get(f"throttle_oruk_anon_192.0.2.1:{START // 60}") == 4


def test_a_refused_client_is_told_the_rest_of_the_window_and_let_in_after_it(settings):
    settings.ORUK_API_ANON_RATE = "2/minute"
    from django.core.cache import cache

    for second in (1, 2):
        assert _throttle(cache, START + second).allow_request(_request(), None)
    refused = _throttle(cache, START + 20)

    assert not refused.allow_request(_request(), None)
    assert refused.wait() == 40
    assert _throttle(cache, START + 60).allow_request(_request(), None)
