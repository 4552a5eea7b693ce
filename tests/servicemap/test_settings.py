from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from servicemap import rate_limits
from servicemap.settings import (
    BASE_DIR,
    database_settings,
    env_bool,
    env_days,
    env_int,
    env_rate,
    env_seconds,
    prepare_threshold,
    redis_url_checked,
)


def test_env_bool_reads_true_and_false(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "0")
    assert env_bool("X_FLAG", True) is False


def test_env_bool_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)


def test_env_int_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_NUM"):
        env_int("X_NUM", 1)


@pytest.mark.parametrize("raw", ["0", "-30", "thirty"])
def test_a_keeping_period_of_no_days_or_nonsense_is_refused_at_start_up(monkeypatch, raw):
    # At 0 the nightly prune would remove a sign-in record or a resolved report the night it was made.
    monkeypatch.setenv("X_DAYS", raw)
    with pytest.raises(ImproperlyConfigured, match="X_DAYS"):
        env_days("X_DAYS", 30)
    monkeypatch.setenv("X_DAYS", "1")
    assert env_days("X_DAYS", 30) == 1


@pytest.mark.parametrize("raw", ["0", "-5", "two minutes"])
def test_a_time_limit_of_no_seconds_or_nonsense_is_refused_at_start_up(monkeypatch, raw):
    # At 0 import_oruk could fetch nothing at all: every feed would be "too slow".
    monkeypatch.setenv("X_SECONDS", raw)
    with pytest.raises(ImproperlyConfigured, match="X_SECONDS"):
        env_seconds("X_SECONDS", 120)
    monkeypatch.setenv("X_SECONDS", "1")
    assert env_seconds("X_SECONDS", 120) == 1


@pytest.mark.parametrize(("raw", "parsed"), [("300/minute", (300, 60)), ("20/hour", (20, 3600)), ("5/s", (5, 1)),
                                             ("1000/day", (1000, 86400))])
def test_a_rate_is_read_as_drf_and_the_rate_limits_read_it(monkeypatch, raw, parsed):
    monkeypatch.setenv("X_RATE", raw)
    assert rate_limits.parse_rate(env_rate("X_RATE", "1/s")) == parsed


@pytest.mark.parametrize("raw", ["20", "20/fortnight", "twenty/hour", "20 per hour", "/hour", "-1/hour"])
def test_a_rate_that_is_not_one_is_refused_at_start_up(monkeypatch, raw):
    monkeypatch.setenv("X_RATE", raw)
    with pytest.raises(ImproperlyConfigured, match="X_RATE"):
        env_rate("X_RATE", "1/s")


@pytest.mark.parametrize("url", ["postgres//servicemap@db/servicemap", "", "postgres://servicemap:s3cret@db:port/servicemap",
                                 "localhost:5432/servicemap"])
def test_a_database_url_that_is_not_one_is_refused_at_start_up_without_repeating_it(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL is not a database URL") as refused:
        database_settings(url, 0)
    assert "s3cret" not in str(refused.value)  # the message may reach a log: never the password


@pytest.mark.parametrize("url", ["mysql://servicemap:s3cret@db/servicemap", "postgis://servicemap@db/servicemap"])
def test_a_database_other_than_postgresql_or_sqlite_is_refused_at_start_up(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must be a PostgreSQL URL") as refused:
        database_settings(url, 0)
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize("url", ["postgres://servicemap:p%40ss@db:5432/servicemap?sslmode=require",
                                 "postgresql://servicemap@db/servicemap", "sqlite:///db.sqlite3"])
def test_postgresql_and_sqlite_urls_are_read(url):
    assert database_settings(url, 60)["CONN_MAX_AGE"] == 60


@pytest.mark.parametrize("url", ["redis//127.0.0.1:6379/0", "127.0.0.1:6379", "http://cache.internal:6379/0",
                                 "redis://:s3cret@cache.internal:port/0", "redis://cache.internal:6379/nine"])
def test_a_redis_url_that_is_not_one_is_refused_at_start_up_without_repeating_it(url):
    # Left to redis-py, every cache call raised: every page and /healthz/ answered 500.
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL must") as refused:
        redis_url_checked(url)
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize("url", ["", "redis://127.0.0.1:6379/9", "redis://:s3cret@cache.internal:6379", "rediss://cache/1",
                                 "unix:///run/redis/redis.sock", "unix:///run/redis/redis.sock?db=2"])
def test_redis_urls_redis_py_reads_are_taken(url):
    assert redis_url_checked(url) == url


def test_every_environment_variable_read_by_settings_is_in_env_example():
    settings_src = (Path(BASE_DIR) / "servicemap" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|days|seconds|list|rate)\("([A-Z_]+)"', settings_src))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', settings_src))
    example = (Path(BASE_DIR) / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", example, flags=re.M))
    assert read - listed == set(), "variables missing from .env.example"
    assert listed - read == set(), ".env.example lists variables settings do not read"


def _database_options(**env: str) -> dict:
    import json
    import os
    import subprocess
    import sys

    code = ("import django, json; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         env={**os.environ, "DJANGO_SETTINGS_MODULE": "servicemap.settings", **env})
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_postgresql_binds_parameters_on_the_server_unless_turned_off():
    url = "postgres://postgres@127.0.0.1:5432/test"
    assert _database_options(DATABASE_URL=url)["server_side_binding"] is True
    assert _database_options(DATABASE_URL=url, DB_SERVER_SIDE_BINDING="false")["server_side_binding"] is False
    assert "server_side_binding" not in _database_options(DATABASE_URL="sqlite:///tmp/x.sqlite3")


def test_postgresql_prepares_repeated_statements_unless_turned_off():
    url = "postgres://postgres@127.0.0.1:5432/test"
    assert _database_options(DATABASE_URL=url)["prepare_threshold"] == 5
    assert _database_options(DATABASE_URL=url, DB_PREPARE_THRESHOLD="2")["prepare_threshold"] == 2
    assert _database_options(DATABASE_URL=url, DB_PREPARE_THRESHOLD="off")["prepare_threshold"] is None
    assert "prepare_threshold" not in _database_options(DATABASE_URL="sqlite:///tmp/x.sqlite3")


@pytest.mark.parametrize("raw", ["-1", "five", "2.5"])
def test_prepare_threshold_rejects_nonsense(raw):
    with pytest.raises(ImproperlyConfigured, match="DB_PREPARE_THRESHOLD"):
        prepare_threshold(raw)


def _sqlite_mmap_size(path, **env: str) -> int:
    import os
    import subprocess
    import sys

    code = ("import django; django.setup(); from django.db import connection; "
            "cursor = connection.cursor(); cursor.execute('PRAGMA mmap_size'); print(cursor.fetchone()[0])")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env={
        **os.environ, "DJANGO_SETTINGS_MODULE": "servicemap.settings", "DATABASE_URL": f"sqlite:///{path}", **env})
    return int(out.stdout.strip().splitlines()[-1])


def test_sqlite_reads_its_file_through_a_memory_map_unless_turned_off(tmp_path):
    assert _sqlite_mmap_size(tmp_path / "db.sqlite3") == 2**30
    assert _sqlite_mmap_size(tmp_path / "db.sqlite3", SQLITE_MMAP_SIZE="0") == 0
    assert "init_command" not in _database_options(DATABASE_URL="postgres://postgres@127.0.0.1:5432/test")


def _settings_import(**env: str):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", "import servicemap.settings"], capture_output=True, text=True,
                          env={**os.environ, **env})


def test_a_warning_no_sooner_than_the_unused_accounts_closing_is_refused_at_start_up():
    # With as many days of notice as the limit itself, an account would be warned the moment it was last used.
    refused = _settings_import(CLOSE_UNUSED_ACCOUNTS_DAYS="30", UNUSED_ACCOUNT_WARNING_DAYS="30")
    assert refused.returncode != 0 and "UNUSED_ACCOUNT_WARNING_DAYS (30) must be fewer" in refused.stderr
    assert _settings_import(CLOSE_UNUSED_ACCOUNTS_DAYS="31", UNUSED_ACCOUNT_WARNING_DAYS="30").returncode == 0
