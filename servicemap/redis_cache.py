"""Django's Redis cache backend, keeping one redis-py client per connection pool, and serving
through a Redis outage instead of failing every page.

One client per pool: Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every
cache call, and building one copies its table of response callbacks into a new dict: ~65 µs of CPU
each time (measured on the 2-core machine), against ~90 µs for the call itself. A search page makes
one or two cache calls and an ORUK list page one to three, so under load that was a few percent of
each worker's time for nothing: a client holds no connection of its own (the pool does), and
redis-py documents clients as safe to share between threads.

An outage: Django's backend raises redis-py's error from every call, so with Redis stopped or out
of reach every page answered 500, though Redis holds nothing the app cannot do without (pages and
documents are rendered afresh, sessions are written through to the database, `cached_db`). Here a
call that meets an outage (`OUTAGE_ERRORS`) behaves as a miss: a read finds nothing, a write is
dropped. After a failure this process does not try Redis again for `OUTAGE_RETRY_SECONDS` (an
unreachable address would otherwise cost a connect timeout on every call), and says so once in the
log (without keys: a session's key is its secret). `incr` raises `CacheUnavailable`, for its caller
to decide (the open API's rate limit lets the request through).

A write dropped during an outage may leave Redis holding the value from before it, if Redis was
only out of this server's reach (a network partition) rather than restarted empty: a session from
before a logout, say. So the keys this process wrote or deleted while Redis was out are deleted
first thing when it answers again (`_Outage.replay`); past `MAX_DROPPED_KEYS` of them, the whole
cache database is cleared instead, as `cache.clear()` does. Either only costs re-rendering.

django-redis's `IGNORE_EXCEPTIONS` does the first part only: it tries Redis on every call, and
leaves stale values behind a partition. Everything else (pools, serialisation, timeouts, several
servers) is Django's, unchanged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import redis
from django.core.cache.backends import redis as django_redis

logger = logging.getLogger(__name__)

# A server that cannot be reached, stopped answering, is loading its data, has become a read-only
# replica (a failover) or is out of memory: the cache is unavailable, not the request wrong.
OUTAGE_ERRORS = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.ReadOnlyError,
    redis.exceptions.OutOfMemoryError,
)
OUTAGE_RETRY_SECONDS = 5.0

MAX_DROPPED_KEYS = 10_000
_DELETE_CHUNK = 1_000
_UNAVAILABLE = object()  # `incr`'s miss: any number could be a count


def set_up_connection(connection: redis.connection.AbstractConnection) -> None:
    """redis-py's set-up of a new connection (authenticate, select the database), with a refusal
    counted as an outage: a Redis database number the server does not have ("DB index is out of
    range": a wrong REDIS_URL, or a server restarted with fewer `databases`) raised a ResponseError
    from every cache call, so every page and /healthz/ answered 500. (A wrong password is already
    a ConnectionError.) `check --deploy` names the mistake (servicemap.E002)."""
    try:
        connection.on_connect()
    except redis.exceptions.ResponseError as exc:
        raise redis.exceptions.ConnectionError(f"Redis refused the connection's set-up: {exc}") from exc


class CacheUnavailable(Exception):
    """Redis did not answer a call that has no sensible miss (`incr`)."""


class _Outage:
    """One process's view of whether Redis is out, and the keys it could not write meanwhile."""

    def __init__(self, retry_seconds: float) -> None:
        self.retry_seconds = retry_seconds
        self.retry_at = 0.0  # monotonic time before which Redis is not tried (0: not out)
        self.dropped: set[str] = set()
        self.overflowed = False
        self._lock = threading.Lock()

    @property
    def waiting(self) -> bool:
        return self.retry_at > 0 and time.monotonic() < self.retry_at

    def began(self, error: Exception) -> None:
        with self._lock:
            first = self.retry_at == 0
            self.retry_at = time.monotonic() + self.retry_seconds
        if first:
            logger.warning("Redis (the shared cache) is unavailable: serving without it and trying again "
                           "every %s s. %s: %s", self.retry_seconds, type(error).__name__, error)

    def drop(self, keys: Iterable[str]) -> None:
        with self._lock:
            if not self.overflowed:
                self.dropped.update(keys)
                if len(self.dropped) > MAX_DROPPED_KEYS:
                    self.overflowed, self.dropped = True, set()

    def replay(self, client: Any) -> None:
        """Delete what was dropped (or clear the database past `MAX_DROPPED_KEYS`), now that Redis
        answers; raises `OUTAGE_ERRORS` if it does not after all."""
        with self._lock:
            if self.retry_at == 0:
                return
            dropped, overflowed = list(self.dropped), self.overflowed
            if overflowed:
                client.flushdb()
            for start in range(0, len(dropped), _DELETE_CHUNK):
                client.delete(*dropped[start : start + _DELETE_CHUNK])
            self.retry_at, self.dropped, self.overflowed = 0.0, set(), False
        logger.warning("Redis (the shared cache) answers again: %s.",
                       "cleared, as more keys were written during the outage than were kept"
                       if overflowed else f"{len(dropped)} keys written during the outage deleted")


_outages: dict[tuple, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_of(servers: list[str], retry_seconds: float) -> _Outage:
    """The process's one `_Outage` for these servers: Django builds a cache backend per thread
    (each of runserver's requests, each of a threaded worker's threads), and all of them meet the
    same outage."""
    with _outages_lock:
        return _outages.setdefault((*servers, retry_seconds), _Outage(retry_seconds))


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: object, outage_retry_seconds: float = OUTAGE_RETRY_SECONDS, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._pool_options.setdefault("redis_connect_func", set_up_connection)  # each new connection's set-up
        self._clients: dict[int, object] = {}  # by id() of its pool, which `_pools` keeps alive
        self._outage = _outage_of(self._servers, outage_retry_seconds)

    def get_client(self, key: object = None, *, write: bool = False) -> object:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def _call(self, miss: Any, written: Iterable[str], method: Callable, *args: Any) -> Any:
        """`method(*args)`, or `miss` in an outage; `written`: the keys the call writes or deletes."""
        outage = self._outage
        try:
            if outage.retry_at:
                if outage.waiting:
                    outage.drop(written)
                    return miss
                outage.replay(self.get_client(write=True))
            return method(*args)
        except OUTAGE_ERRORS as error:
            outage.began(error)
            outage.drop(written)
            return miss

    def ping(self) -> bool:
        return self._call(False, (), lambda: bool(self.get_client().ping()))

    def add(self, key, value, timeout):
        return self._call(False, [key], super().add, key, value, timeout)

    def get(self, key, default):
        return self._call(default, (), super().get, key, default)

    def set(self, key, value, timeout):
        self._call(None, [key], super().set, key, value, timeout)

    def touch(self, key, timeout):
        return self._call(False, (), super().touch, key, timeout)

    def delete(self, key):
        return self._call(False, [key], super().delete, key)

    def get_many(self, keys):
        return self._call({}, (), super().get_many, list(keys))

    def has_key(self, key):
        return self._call(False, (), super().has_key, key)

    def incr(self, key, delta):
        found = self._call(_UNAVAILABLE, [key], super().incr, key, delta)
        if found is _UNAVAILABLE:
            raise CacheUnavailable("Redis (the shared cache) is unavailable")
        return found

    def set_many(self, data, timeout):
        self._call(None, list(data), super().set_many, data, timeout)

    def delete_many(self, keys):
        keys = list(keys)
        self._call(None, keys, super().delete_many, keys)


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str | list[str], params: dict) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def is_available(self) -> bool:
        """Whether Redis answers now (False at once while this process knows it is out)."""
        return self._cache.ping()
