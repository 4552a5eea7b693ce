"""The shared cache: Redis when REDIS_URL is set (this machine runs one at 127.0.0.1:6379).

These tests use the real Redis and fail, never skip, when it does not answer (`make test`
checks it first, as it does PostgreSQL).
"""

from __future__ import annotations

from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.test import override_settings

from servicemap.redis_cache import RedisCache
from servicemap.settings import cache_settings


def test_without_redis_url_the_cache_is_local_memory():
    assert cache_settings("")["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_with_redis_url_the_cache_is_redis():
    config = cache_settings("redis://cache.internal:6379/1")["default"]
    assert config["BACKEND"] == "servicemap.redis_cache.RedisCache"
    assert config["LOCATION"] == "redis://cache.internal:6379/1"


def _cache(config: dict) -> RedisCache:
    return RedisCache(config["LOCATION"], config)


def test_values_round_trip_through_redis(redis_config):
    cache = _cache(redis_config)
    cache.set("gaps:layer:intra_familial", {"W06000015": 1.25, "W06000001": None}, 60)
    assert cache.get("gaps:layer:intra_familial") == {"W06000015": 1.25, "W06000001": None}
    cache.set_many({"a": 1, "b": 2})
    assert cache.get_many(["a", "b", "missing"]) == {"a": 1, "b": 2}
    assert cache.incr("a") == 2
    cache.delete("a")
    assert cache.get("a") is None


def test_each_cache_call_uses_the_same_client_and_its_pool(redis_config):
    # Django's own backend builds a new client for every call (~65 µs each: servicemap/redis_cache.py).
    cache = _cache(redis_config)
    client = cache._cache.get_client(write=True)
    cache.set("one", 1)
    assert cache.get("one") == 1
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client() is client  # one server: reads and writes share its pool
    assert client.connection_pool is cache._cache._get_connection_pool(True)


def test_two_app_servers_see_each_others_writes(redis_config):
    # Two independent clients, as two gunicorn workers (or two machines) would hold.
    writer, reader = _cache(redis_config), _cache(redis_config)
    writer.set("gaps:version", 7)
    assert reader.get("gaps:version") == 7


def test_sessions_are_shared_through_redis_and_kept_in_the_database(redis_config, db):
    with override_settings(
        CACHES={"default": redis_config}, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"
    ):
        session = SessionStore()
        session["shortlist"] = ["3f1c…"]
        session.save()
        assert Session.objects.filter(session_key=session.session_key).exists()  # survives a Redis restart
        Session.objects.all().delete()
        # Read back from Redis alone (the database row is gone): another worker sees the session.
        assert SessionStore(session_key=session.session_key)["shortlist"] == ["3f1c…"]


def test_cache_keys_carry_the_release_so_new_code_never_serves_old_pages():
    assert cache_settings("redis://cache.internal:6379/1", "abc123")["default"]["KEY_PREFIX"] == "servicemap:abc123"
    assert cache_settings("", "abc123")["default"]["KEY_PREFIX"] == "abc123"


def test_the_release_is_the_configured_id_or_a_hash_of_the_code(tmp_path):
    from servicemap.release import code_fingerprint, release_id

    template = tmp_path / "templates" / "page.html"
    template.parent.mkdir()
    template.write_text("<p>one</p>")
    (tmp_path / "directory").mkdir()
    (tmp_path / "directory" / "data.csv").write_text("not code")
    first = code_fingerprint(tmp_path)
    assert release_id("", tmp_path) == first
    assert release_id("v1.2", tmp_path) == "v1.2"
    (tmp_path / "directory" / "data.csv").write_text("still not code")
    assert code_fingerprint(tmp_path) == first
    template.write_text("<p>two</p>")
    assert code_fingerprint(tmp_path) != first


def test_pages_are_kept_in_redis_from_their_second_ask(redis_config, client, wales_areas):
    """servicemap/cache_admission.py through the real Redis: the mark, then the page, then served."""
    from django.core.cache import cache

    from directory import search_cache, version
    from directory.models import PostcodeDistrict
    from directory.oruk import caching
    from tests.factories import ServiceFactory

    PostcodeDistrict.objects.create(prefix="CF10 1", latitude=51.4797, longitude=-3.1781, lad_code="W06000015")
    ServiceFactory(name="Redis service", coverage=[wales_areas["W06000015"]])
    search = "/search/?postcode=CF10+1&age=9"
    api = "/api/oruk/services?per_page=2&full=true"
    with override_settings(CACHES={"default": redis_config}):
        for path in (search, api):
            first = client.get(path)
            if path == search:
                key = search_cache.cache_key(first.wsgi_request, version.current_with_generation()[1])
            else:
                key = caching.response_key("/api/oruk/services", [("per_page", "2"), ("full", "true")],
                                           version.current())
            assert cache.get(key) == 1, path  # the mark: a few bytes
            second = client.get(path)
            assert isinstance(cache.get(key), bytes), path  # kept
            third = client.get(path)
            assert first.status_code == second.status_code == third.status_code == 200
            assert b"Redis service" in third.content
