"""Each process's copy of the directory's version on PostgreSQL, kept current by LISTEN/NOTIFY.

Every public page and API response reads the version first (`directory.version`): it keys the
cached pages, documents and gap results. On PostgreSQL that read is a round trip (0.12–0.4 ms on
loopback, more to another host), about a third of a cached search page's time and a whole query
of the database's load per request. With this, each `bump()` also sends a notice on the channel
`directory_version` (PostgreSQL sends it when, and only if, the bump's transaction commits), and
each process listens on its own connection: while no notice has arrived, the version it read
last is still the version, and a page needs no round trip for it.

What keeps that safe:

- A notice reaches every listener within microseconds of the commit, before the writer's own
  response has left (the committing server signals the listeners before it acknowledges the
  commit). Anyone who could know about a change is sent it later than the notice.
- This process's own bumps forget the copy when their transaction commits (at once outside one),
  so the writer's next page, on this process, reads afresh even before its notice is in.
- Inside a transaction (`atomic`, and every test case that wraps one) the version is read, never
  the copy: the transaction may hold its own uncommitted bump, or roll one back.
- The copy is trusted for `MAX_AGE` seconds at most, however quiet the channel, so a listening
  connection cut without either side noticing, or a change made without `bump()` (a restored
  backup), is seen within that time. A listening connection that fails is dropped; the process
  reads the version on every request until it listens again (tried every `RETRY_AFTER` seconds,
  and only after a read has shown the database answers).

Each process holds one more connection to PostgreSQL, idle. LISTEN needs a session of its own: behind
a pooler in transaction mode (PgBouncer), or to save the connections, set DB_VERSION_LISTEN=false.
SQLite's read is a local call (0.02 ms) and is always made.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

CHANNEL = "directory_version"
MAX_AGE = 2.0  # seconds a copy is trusted with no notice (a silently cut connection, a restore)
RETRY_AFTER = 5.0  # seconds between attempts to listen again after a failure

Version = tuple[str, str]  # (token, generation): `version.current_with_generation()`


class _Copy:
    """The process's listening connection and the version it last read (one per process)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self.listener = None  # a psycopg connection in autocommit, LISTENing on CHANNEL
        self.value: Version | None = None
        self.read_at = 0.0
        self.retry_at = 0.0
        self.refused = False  # the last attempt to listen failed (logged once)
        self.inherited: list = []  # listeners from before a fork: kept, never closed (see `_after_fork`)

    def current(self, read: Callable[[], Version]) -> Version:
        with self.lock:
            if self.pid != os.getpid():
                self._after_fork()
            if self.listener is None:
                value = read()
                # After the read: a database that does not answer fails the read fast, not here.
                self._listen()
                return value
            if self._notified() or self.value is None or time.monotonic() - self.read_at > MAX_AGE:
                # Any notices are taken before the read, so a change committed after it is never
                # taken as seen; and the copy goes first, so a read that fails leaves none behind.
                self.value, self.read_at = None, time.monotonic()
                self.value = read()
            return self.value

    def forget(self) -> None:
        with self.lock:
            self.value = None

    def close(self) -> None:
        with self.lock:
            self.value = None
            if self.listener is not None:
                self.listener.close()
                self.listener = None
            self.retry_at = 0.0

    def _notified(self) -> bool:
        """Whether any notice has arrived since the last call (all are taken). A failed listener
        is dropped and counts as notified, so the caller reads."""
        try:
            if not select.select([self.listener.fileno()], [], [], 0)[0]:  # ~1.5 µs
                return False
            # libpq's calls, not psycopg's `notifies()`, which takes a session's end quietly.
            pgconn = self.listener.pgconn
            pgconn.consume_input()  # raises once the server has closed the connection
            notices = 0
            while pgconn.notifies() is not None:
                notices += 1
            if not notices:
                # The server's goodbye (the session was terminated) is read before its end is seen.
                raise ConnectionError("the server sent something other than a notice")
            return True
        except Exception as error:  # noqa: BLE001 - any failure of the listener means: read, and listen again later
            logger.warning("Stopped listening for directory changes (%s); reading the version on every request "
                           "until listening again.", error)
            self._drop()
            return True

    def _listen(self) -> None:
        if time.monotonic() < self.retry_at:
            return
        import psycopg

        try:
            params = connection.get_connection_params()
            for django_only in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
                params.pop(django_only, None)
            listener = psycopg.connect(**params, autocommit=True)
            try:
                listener.execute(f"LISTEN {CHANNEL}")
            except Exception:
                listener.close()  # a standby refuses LISTEN: its connection is not kept
                raise
        except Exception as error:  # noqa: BLE001 - without a listener every request reads, as before
            # Once per run of failures: a standby (which cannot LISTEN) would otherwise log every 5 s.
            log = logger.debug if self.refused else logger.warning
            log("Could not listen for directory changes (%s); reading the version on every request.", error)
            self.refused, self.retry_at = True, time.monotonic() + RETRY_AFTER
            return
        self.listener, self.value, self.refused = listener, None, False

    def _drop(self) -> None:
        listener, self.listener, self.value = self.listener, None, None
        self.retry_at = time.monotonic() + RETRY_AFTER
        try:
            listener.close()
        except Exception:  # noqa: BLE001, S110 - already broken: nothing more to do with it
            pass

    def _after_fork(self) -> None:
        # The parent's listener shares its socket with this child: closing it here would end the
        # parent's session too (libpq says goodbye on the socket), so it is kept and left alone.
        if self.listener is not None:
            self.inherited.append(self.listener)
        self.listener, self.value, self.pid, self.retry_at = None, None, os.getpid(), 0.0


_copy = _Copy()


def in_use() -> bool:
    """Whether this request may take the process's copy instead of reading."""
    return (connection.vendor == "postgresql" and settings.DIRECTORY_VERSION_LISTEN
            and not connection.in_atomic_block)


def current(read: Callable[[], Version]) -> Version:
    """The version: the process's copy while no notice says it changed, else `read()` (which
    reads it from the database)."""
    if not in_use():
        return read()
    return _copy.current(read)


def notify(cursor) -> None:
    """Send the notice from within a bump's transaction (PostgreSQL delivers it on commit).
    Whatever this process's DB_VERSION_LISTEN: a writer that does not listen (a cron job's
    container, say) must still tell the app servers that do."""
    if connection.vendor == "postgresql":
        cursor.execute(f"NOTIFY {CHANNEL}")


def state() -> str:
    """This process's listening, for `/healthz/`."""
    if connection.vendor != "postgresql":
        return "not used (only PostgreSQL sends notices)"
    if not settings.DIRECTORY_VERSION_LISTEN:
        return "off (the version is read on every request)"
    if _copy.listener is not None:
        return "listening"
    if _copy.refused:
        return "not listening (the version is read on every request until it can)"
    return "not yet listening"


def forget() -> None:
    """This process changed the version: its next read goes to the database."""
    _copy.forget()


def stop_listening() -> None:
    """Close this process's listener (tests; a database about to be dropped)."""
    _copy.close()
