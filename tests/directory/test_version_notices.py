"""Each process keeps the directory's version until a notice says it changed (directory.version_notices).

On PostgreSQL, with real notices: a change committed by another process reaches this one's next
read; a read with no notice makes no query; transactions, a lost listener and the setting are
read as the module says. On SQLite every read is a read.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction

from directory import version, version_notices
from tests.factories import ServiceFactory
from tests.network import free_port

BASE_DIR = settings.BASE_DIR
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's")
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_listener():
    version_notices.stop_listening()
    yield
    version_notices.stop_listening()


@pytest.fixture
def no_max_age(monkeypatch):
    # Only a notice can make the copy be read again within the test.
    monkeypatch.setattr(version_notices, "MAX_AGE", 3600.0)


def _database_url() -> str:
    d = connection.settings_dict
    return f"postgres://{d['USER']}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"


def _bump_in_another_process(*, commit: bool = True) -> None:
    """`version.bump()` in a process of its own, as another app server or a cron job makes it."""
    script = ("import django; django.setup()\n"
              "from django.db import transaction\n"
              "from directory import version\n"
              "with transaction.atomic():\n"
              "    version.bump()\n"
              f"    transaction.set_rollback({not commit})\n")
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "servicemap.settings"}
    subprocess.run([sys.executable, "-c", script], env=env, cwd=BASE_DIR, check=True, timeout=60)


def _listening() -> tuple[str, str]:
    """The version, read with this process listening (the first read after a start listens)."""
    version.current_with_generation()
    return version.current_with_generation()


def _read_within(seconds: float, before: tuple[str, str]) -> tuple[str, str]:
    # A notice arrives within microseconds of the commit; allow a loaded machine its scheduling.
    deadline = time.monotonic() + seconds
    while (now := version.current_with_generation()) == before and time.monotonic() < deadline:
        time.sleep(0.01)
    return now


@on_postgresql
def test_with_no_notice_the_version_is_the_processes_copy(django_assert_num_queries, no_max_age):
    version.bump()
    first = _listening()
    with django_assert_num_queries(0):
        assert version.current_with_generation() == first
        assert version.current() == first[0]


@on_postgresql
def test_a_change_committed_by_another_process_is_read_after_its_notice(no_max_age):
    version.bump()
    before = _listening()
    _bump_in_another_process()
    after = _read_within(5, before)
    assert after != before
    assert after == version.read()


@on_postgresql
def test_a_change_another_process_rolled_back_sends_no_notice(django_assert_num_queries, no_max_age):
    version.bump()
    before = _listening()
    _bump_in_another_process(commit=False)
    time.sleep(0.2)
    with django_assert_num_queries(0):
        assert version.current_with_generation() == before
    assert version.read() == before


@on_postgresql
def _notice_in_flight() -> None:
    """As if this process's notices had not arrived yet: its listener stops hearing them."""
    version_notices._copy.listener.execute(f"UNLISTEN {version_notices.CHANNEL}")


@on_postgresql
def test_this_processes_own_change_is_read_at_once(no_max_age):
    ServiceFactory()
    before = _listening()
    _notice_in_flight()
    ServiceFactory()  # autocommit: the bump commits with the row
    assert version.current_with_generation() != before
    assert version.current_with_generation() == version.read()


@on_postgresql
def test_a_version_another_thread_read_during_this_processes_change_is_forgotten_on_commit(no_max_age):
    version.bump()
    before = _listening()
    _notice_in_flight()
    read_meanwhile = []

    def other_request() -> None:
        read_meanwhile.append(version.current_with_generation())  # its own connection: not in the transaction
        connection.close()

    with transaction.atomic():
        version.bump()
        thread = threading.Thread(target=other_request)
        thread.start()
        thread.join()
    assert read_meanwhile == [before]  # the committed version then, kept as the copy
    assert version.current_with_generation() != before
    assert version.current_with_generation() == version.read()


@on_postgresql
def test_in_a_transaction_the_version_is_read_and_a_rolled_back_change_is_not_kept(
    django_assert_num_queries, no_max_age,
):
    version.bump()
    before = _listening()
    with transaction.atomic():
        version.bump()
        inside = version.current_with_generation()
        assert inside != before  # this transaction's own change
        with django_assert_num_queries(1):
            version.current_with_generation()
        transaction.set_rollback(True)
    assert version.current_with_generation() == before == version.read()


@on_postgresql
def test_a_read_that_fails_after_a_notice_leaves_no_copy_behind(no_max_age):
    version.bump()
    before = _listening()
    _bump_in_another_process()
    time.sleep(0.2)  # the notice is in

    def refused() -> tuple[str, str]:
        raise OperationalError("the database system is shutting down")

    with pytest.raises(OperationalError):
        version_notices.current(refused)
    assert version.current_with_generation() != before  # read afresh, not the copy from before the notice
    assert version.current_with_generation() == version.read()


@on_postgresql
def test_a_copy_is_read_again_after_max_age_without_a_notice(monkeypatch, no_max_age):
    version.bump()
    before = _listening()
    # A change that sends no notice (a restored backup): only the copy's age brings it in.
    with psycopg.connect(_database_url(), autocommit=True) as other:
        other.execute("UPDATE directory_directoryversion SET token = gen_random_uuid()")
    assert version.current_with_generation() == before
    monkeypatch.setattr(version_notices, "MAX_AGE", 0.05)
    time.sleep(0.1)
    assert version.current_with_generation() != before
    assert version.current_with_generation() == version.read()


@on_postgresql
def test_a_lost_listener_is_dropped_and_replaced(caplog, monkeypatch, no_max_age):
    version.bump()
    _listening()
    listener_pid = version_notices._copy.listener.info.backend_pid
    with psycopg.connect(_database_url(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [listener_pid])
        other.execute("UPDATE directory_directoryversion SET token = gen_random_uuid()")  # no notice
    time.sleep(0.1)  # the terminated backend's goodbye reaches the socket
    assert version.current_with_generation() == version.read()  # read, not the old copy
    assert "Stopped listening for directory changes" in caplog.text
    assert version_notices._copy.listener is None
    monkeypatch.setattr(version_notices._copy, "retry_at", 0.0)
    version.current_with_generation()  # reads, then listens again
    assert version_notices._copy.listener.info.backend_pid != listener_pid
    before = version.current_with_generation()
    _bump_in_another_process()
    assert _read_within(5, before) != before


@on_postgresql
def test_a_database_that_refuses_the_listener_leaves_every_read_a_read(caplog, django_assert_num_queries, monkeypatch):
    version.bump()  # Django's connection is open: only the listener's is made after the change below
    monkeypatch.setitem(connection.settings_dict, "PORT", free_port())
    version.current_with_generation()
    assert "Could not listen for directory changes" in caplog.text
    monkeypatch.setattr(version_notices._copy, "retry_at", 0.0)
    with django_assert_num_queries(2):
        version.current_with_generation()
        version.current_with_generation()
    assert [r.levelname for r in caplog.records] == ["WARNING"]  # the next failure is not logged again
    assert version_notices._copy.listener is None


@on_postgresql
def test_after_a_fork_the_parents_listener_is_left_open_and_a_new_one_made(no_max_age):
    version.bump()
    _listening()
    parents = version_notices._copy.listener
    version_notices._copy.pid = -1  # as a forked child finds it
    version.current_with_generation()
    version.current_with_generation()
    assert version_notices._copy.listener is not parents
    assert not parents.closed  # closing it would end the parent's session on their shared socket
    assert parents in version_notices._copy.inherited
    version_notices._copy.inherited.remove(parents)
    parents.close()  # (this process is both: the test database is dropped at the end)


@on_postgresql
def test_a_writer_that_does_not_listen_still_sends_the_notice(settings, no_max_age):
    # A cron job's container with DB_VERSION_LISTEN=false, and app servers that listen.
    version.bump()
    before = _listening()
    settings.DIRECTORY_VERSION_LISTEN = False
    with psycopg.connect(_database_url(), autocommit=True) as other:
        other.execute("LISTEN directory_version")
        version.bump()
        assert [notice.channel for notice in other.notifies(timeout=5, stop_after=1)] == ["directory_version"]
    settings.DIRECTORY_VERSION_LISTEN = True
    assert version.current_with_generation() != before


def test_with_listening_off_or_on_sqlite_every_read_is_a_read(django_assert_num_queries, settings):
    settings.DIRECTORY_VERSION_LISTEN = False
    version.bump()
    with django_assert_num_queries(3):
        for _ in range(3):
            version.current_with_generation()
    assert version_notices._copy.listener is None
