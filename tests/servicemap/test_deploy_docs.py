"""docs/deploy.md and deploy/ stay true: every command and variable they name exists."""

from __future__ import annotations

import re
import runpy

import pytest
from django.core.management import get_commands

from servicemap.settings import BASE_DIR

DOCS = (BASE_DIR / "docs" / "deploy.md").read_text()
CRONTAB = (BASE_DIR / "deploy" / "crontab").read_text()
ENV_EXAMPLE = (BASE_DIR / ".env.example").read_text()


def test_every_management_command_the_docs_and_crontab_run_exists():
    named = set(re.findall(r"manage\.py (\w+)", DOCS + CRONTAB))
    assert {"send_review_requests", "take_gaps_snapshot", "restore_export", "migrate"} <= named
    assert named - set(get_commands()) == set()


def test_every_setting_the_docs_tell_operators_to_set_is_read_by_the_settings():
    documented = set(re.findall(r"^([A-Z][A-Z_]+)=", DOCS, flags=re.M))
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", ENV_EXAMPLE, flags=re.M))
    assert "SECURE_HSTS_SECONDS" in documented
    assert documented - listed == set()


def test_the_gunicorn_config_loads_and_keeps_no_access_log():
    config = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    assert config["workers"] >= 2
    assert config["accesslog"] is None  # search query strings hold a postcode district and an age


class _Worker:
    class log:  # noqa: N801 - gunicorn's worker.log is an object with warning()
        warnings: list[str] = []

        @classmethod
        def warning(cls, message, *args):
            cls.warnings.append(message)


@pytest.mark.django_db
def test_a_gunicorn_worker_reads_the_search_index_as_it_starts(monkeypatch):
    from directory import search_index

    config = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    search_index.forget()
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)  # the test's transaction
    config["post_worker_init"](_Worker())
    assert search_index._held is not None
    search_index.forget()


def test_a_gunicorn_worker_starts_even_if_the_database_is_not_ready(monkeypatch):
    from directory import search_index

    def down(*args, **kwargs):
        raise RuntimeError("database not ready")

    config = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    monkeypatch.setattr(search_index, "current", down)
    _Worker.log.warnings.clear()
    config["post_worker_init"](_Worker())  # does not raise
    assert _Worker.log.warnings
