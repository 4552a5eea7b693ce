from __future__ import annotations

import os
import time
import uuid

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from directory.accounts.services import moderator_create

# No per-example deadline for any property test: on a loaded 2-core CI machine one example can take
# longer than Hypothesis's default 200 ms, which is noise, not a failure of the property.
hypothesis_settings.register_profile("servicemap", deadline=None)
hypothesis_settings.load_profile("servicemap")


# Fixtures through which a test reaches the database (pytest-django blocks it otherwise). Not
# django_db_blocker: every test holds it through pytest-django's own fixtures; a fixture of ours
# that unblocks the database asks for django_db_setup too, to have a database to open.
DATABASE_FIXTURES = frozenset({
    "db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server",
    "django_db_setup",
})


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only", action="store_true",
        help="deselect the tests that never reach the database (the second database's pass: they "
             "ran in the first, and would give the same result again)",
    )


def reaches_the_database(item: pytest.Item) -> bool:
    """Whether pytest-django lets this test reach the database: it is marked django_db or it
    uses, directly or through its fixtures, one that opens the database."""
    return item.get_closest_marker("django_db") is not None or not DATABASE_FIXTURES.isdisjoint(
        getattr(item, "fixturenames", ()))


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--database-tests-only"):
        return
    kept, deselected = [], []
    for item in items:
        (kept if reaches_the_database(item) else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, with every other session on the test database ended before it is dropped:
    PostgreSQL refuses to drop a database another session is connected to. A session whose client
    has closed (this process's listener for version notices, a test's pg_dump) leaves the server a
    moment later; one left open by a finished thread (a live server's request thread) is ended."""
    from directory import version_notices

    yield
    version_notices.stop_listening()
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            others = ("FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                cursor.execute(f"SELECT count(*) {others}")
                if cursor.fetchone()[0] == 0:
                    break
                if time.monotonic() > deadline - 8:  # given 2 s to leave
                    cursor.execute(f"SELECT pg_terminate_backend(pid) {others}")
                time.sleep(0.05)


@pytest.fixture(autouse=True)
def _live_server_helper(request: pytest.FixtureRequest):
    """Replaces pytest-django's helper of the same name.

    pytest-django gives every live-server test `transactional_db`, which empties the database
    after each test. A module that uses a `directory_data` fixture of its own instead (tests/browser,
    tests/gaps/test_browser.py) loads its data once and empties the database when the module ends;
    any other live-server test is left as usual.
    """
    if "live_server" not in request.fixturenames:
        yield
        return
    if "directory_data" not in request.fixturenames:
        request.getfixturevalue("transactional_db")
    live_server = request.getfixturevalue("live_server")
    live_server._live_server_modified_settings.enable()
    yield
    live_server._live_server_modified_settings.disable()


@pytest.fixture(autouse=True)
def _english_after_each_test():
    # A request to a /cy/ page leaves Welsh active in this thread (as it would for the next
    # request's middleware to change); code a later test calls directly must not inherit it.
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_cache():
    # Cached facts (e.g. "is sample data loaded") must not leak between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def wales_areas(db):
    """The real 22 local authorities, boards and nation from data/ (no postcodes)."""
    from directory.reference_data import load_areas

    load_areas()
    from directory.models import Area

    return {a.code: a for a in Area.objects.all()}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at full strength costs ~0.3 s per user; tests do not need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _forget_search_index():
    # The search's in-process index and the compiled ORUK page queries are keyed on the directory
    # version; a test's rolled-back rows must not reach the next test through them.
    from directory import local_authorities, result_cards, search_index, version_notices
    from directory.oruk import page_query

    search_index.forget()
    page_query.forget()
    local_authorities.forget()
    version_notices.forget()  # a flushed or rolled-back version sends no notice
    result_cards.forget()
    yield
    search_index.forget()
    page_query.forget()
    local_authorities.forget()
    version_notices.forget()
    result_cards.forget()


def load_sample_data() -> None:
    """The real areas and the fictional sample directory."""
    from directory.reference_data import load_areas
    from directory.sample_directory import load_sample_directory

    load_areas()
    load_sample_directory()


@pytest.fixture(scope="module")
def sample_directory(django_db_setup, django_db_blocker):
    """The real areas and the fictional sample directory, committed once for a module (loaded by the
    first module of this process, it takes seconds; a copy restored for each later one,
    tests/database_snapshot.py) and flushed after it; each test still runs in its own rolled-back
    transaction."""
    from tests.database_snapshot import loaded

    with django_db_blocker.unblock():
        loaded("sample directory", load_sample_data)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def moderator_client(db, client):
    """The test client, signed in as a directory moderator."""
    client.force_login(moderator_create(email="mod@example.org", password="a-long-test-password").user)
    return client



REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_config():
    """This machine's Redis as the app's cache settings give it, under a key prefix of this test's
    own: the server is shared, so the test deletes only its own keys afterwards (never FLUSHDB).
    Fails, never skips, when Redis does not answer (`make test` checks it first)."""
    from servicemap.settings import cache_settings

    prefix = f"test-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis does not answer at {REDIS_URL} ({exc}); `make redis-up` starts it")
    yield cache_settings(REDIS_URL)["default"] | {"KEY_PREFIX": prefix}
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
