"""A Redis outage (servicemap/redis_cache.py): the site serves without the shared cache, stops
trying Redis for a while after a failure, and deletes what it could not write once Redis answers.

Real sockets throughout: a port nothing listens on (refused), a server that accepts and hangs up
(counted), and a proxy in front of this machine's Redis that can be cut (a network partition).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import redis
from django.contrib.sessions.backends.cached_db import SessionStore
from django.test import override_settings
from django.urls import reverse

from directory.shortlist import SESSION_KEY
from servicemap import redis_cache
from servicemap.redis_cache import CacheUnavailable, RedisCache
from servicemap.settings import cache_settings
from tests.factories import ServiceFactory
from tests.network import free_port

# This test module's own Redis database for the one test that clears a database (the others
# delete only their own keys: the server is shared, tests/conftest.py `redis_config`).
CLEARED_DB = 12


def _config(port: int, *, retry: float = 60.0, db: int = 0, prefix: str = "") -> dict:
    config = cache_settings(f"redis://127.0.0.1:{port}/{db}")["default"]
    config["OPTIONS"] = {**config["OPTIONS"], "outage_retry_seconds": retry}
    return config | {"KEY_PREFIX": prefix or f"test-{uuid.uuid4().hex}"}


def _cache(config: dict) -> RedisCache:
    return RedisCache(config["LOCATION"], config)


class _HangingUp:
    """A server that accepts connections and closes them at once, counting them."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.listener.accept()
                self.accepted += 1
                connection.close()


class _Proxy:
    """A TCP proxy to this machine's Redis that can be cut (every connection closed, new ones
    hung up on) and restored: Redis out of one app server's reach, still up for the others."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut_off = False
        self.open: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                if self.cut_off:
                    client.close()
                    continue
                server = socket.create_connection(self.upstream)
                self.open += [client, server]
                for source, sink in ((client, server), (server, client)):
                    threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.cut_off = True
        for end in self.open:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
        self.open = []

    def restore(self) -> None:
        self.cut_off = False


@pytest.fixture
def proxy(redis_config) -> Iterator[_Proxy]:
    where = urlsplit(redis_config["LOCATION"])
    proxy = _Proxy((where.hostname, where.port or 6379))
    yield proxy
    proxy.listener.close()


def test_in_an_outage_reads_miss_writes_are_dropped_and_the_log_says_so_once(caplog):
    cache = _cache(_config(free_port()))

    with caplog.at_level(logging.WARNING, logger="servicemap.redis_cache"):
        assert cache.get("session-abc", "missing") == "missing"
        cache.set("session-abc", {"shortlist": []})
        assert cache.add("throttle", 1) is False
        assert cache.get_many(["a", "b"]) == {}
        assert cache.has_key("a") is False
        assert cache.delete("session-abc") is False
        cache.set_many({"a": 1})
        cache.delete_many(["a"])
        with pytest.raises(CacheUnavailable):
            cache.incr("throttle")

    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "unavailable" in caplog.records[0].getMessage()
    assert "session-abc" not in caplog.text  # a session's key is its secret: keys are never logged


def test_a_redis_database_the_server_does_not_have_is_an_outage_not_an_error(redis_config, caplog):
    # REDIS_URL=redis://…/99 on a server with 16 databases: every cache call raised, every page was a 500.
    config = redis_config | {"LOCATION": redis_config["LOCATION"].rsplit("/", 1)[0] + "/999"}
    cache = _cache(config | {"OPTIONS": {**config["OPTIONS"], "outage_retry_seconds": 60.0}})

    with caplog.at_level(logging.WARNING, logger="servicemap.redis_cache"):
        assert cache.get("a", "missing") == "missing"
        cache.set("a", 1)
        assert cache.is_available() is False

    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "DB index is out of range" in caplog.records[0].getMessage()


def test_a_redis_database_the_server_has_is_selected(redis_config):
    # The set-up still selects REDIS_URL's database: a value written there is found there alone.
    other = redis_config | {"LOCATION": redis_config["LOCATION"].rsplit("/", 1)[0] + f"/{CLEARED_DB - 1}"}
    cache, elsewhere = _cache(other), _cache(redis_config | {"KEY_PREFIX": other["KEY_PREFIX"]})
    cache.set("selected", "here")
    try:
        assert cache.get("selected") == "here"
        assert elsewhere.get("selected") is None or other["LOCATION"] == redis_config["LOCATION"]
    finally:
        cache.delete("selected")


def test_after_a_failure_redis_is_not_tried_again_until_the_retry_time():
    server = _HangingUp()
    cache = _cache(_config(server.port, retry=0.3))

    assert cache.get("a") is None
    tried = server.accepted
    assert tried >= 1
    for _ in range(20):
        assert cache.get("a") is None
    assert server.accepted == tried, "Redis was tried again while it was known to be out"

    time.sleep(0.35)
    cache.get("a")
    assert server.accepted > tried, "Redis was not tried again after the retry time"


def test_every_backend_of_the_process_shares_what_it_knows_of_an_outage():
    # Django builds a backend per thread: each runserver request, each thread of a threaded worker.
    server = _HangingUp()
    config = _config(server.port)
    _cache(config).get("a")
    tried = server.accepted

    in_another_thread = []
    thread = threading.Thread(target=lambda: in_another_thread.append(_cache(config).get("a", "miss")))
    thread.start()
    thread.join()

    assert in_another_thread == ["miss"] and server.accepted == tried


def test_keys_written_during_a_partition_are_deleted_when_redis_answers_again(redis_config, proxy, caplog):
    prefix = redis_config["KEY_PREFIX"]
    behind_proxy = _cache(_config(proxy.port, retry=0, prefix=prefix))  # this app server
    other = _cache(redis_config)  # another app server, which still reaches Redis
    behind_proxy.set("session", "before the logout")
    behind_proxy.set("page", "kept")
    assert other.get("session") == "before the logout"

    proxy.cut()
    behind_proxy.delete("session")  # a logout, say: dropped
    behind_proxy.set("counter", 5)  # dropped
    assert other.get("session") == "before the logout", "Redis still holds what it held"
    other.set("counter", 1)

    proxy.restore()
    with caplog.at_level(logging.WARNING, logger="servicemap.redis_cache"):
        assert behind_proxy.get("page") == "kept"  # the first call after: deletes what was dropped first

    assert other.get("session") is None, "a value from before the outage outlived a delete"
    assert other.get("counter") is None
    assert other.get("page") == "kept"
    assert "answers again: 2 keys written during the outage deleted" in caplog.text
    behind_proxy.set("session", "after")
    assert other.get("session") == "after"


def test_past_the_limit_of_dropped_keys_the_cache_database_is_cleared(redis_config, proxy, monkeypatch):
    monkeypatch.setattr(redis_cache, "MAX_DROPPED_KEYS", 3)
    where = urlsplit(redis_config["LOCATION"])
    direct = redis.Redis(host=where.hostname, port=where.port or 6379, db=CLEARED_DB)
    direct.flushdb()  # this module's own database (`CLEARED_DB`)
    behind_proxy = _cache(_config(proxy.port, retry=0, db=CLEARED_DB))
    behind_proxy.set("written-before", 1)
    assert direct.dbsize() == 1

    proxy.cut()
    for number in range(4):
        behind_proxy.set(f"dropped-{number}", number)
    proxy.restore()
    behind_proxy.get("anything")

    assert direct.dbsize() == 0


@pytest.fixture
def redis_out_of_reach(settings) -> Iterator[None]:
    settings.ORUK_API_ANON_RATE = "2/minute"
    with override_settings(CACHES={"default": _config(free_port())},
                           SESSION_ENGINE="django.contrib.sessions.backends.cached_db"):
        yield


@pytest.mark.django_db
@pytest.mark.usefixtures("redis_out_of_reach")
def test_the_site_serves_every_kind_of_page_without_redis(client, sample_directory):
    search = "/search/?la=W06000015&age=9&abuse_form=intra_familial"
    for path in ("/", search, search, "/gaps/", "/api/oruk/services", "/api/oruk/services"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert "services found" in client.get(search).content.decode()
    # The API's rate limit (2 a minute here) cannot count without Redis: requests go through.
    assert [client.get("/api/oruk/taxonomies").status_code for _ in range(4)] == [200] * 4


@pytest.mark.django_db
@pytest.mark.usefixtures("redis_out_of_reach")
def test_a_shortlist_is_kept_in_the_database_while_redis_is_out(client):
    service = ServiceFactory(name="Seren")

    assert client.post(reverse("directory:shortlist_add"), {"service": str(service.public_id)}).status_code == 302

    assert "Seren" in client.get(reverse("directory:shortlist")).content.decode()
    session = SessionStore(session_key=client.cookies["sessionid"].value)
    assert session[SESSION_KEY] == [str(service.public_id)]
