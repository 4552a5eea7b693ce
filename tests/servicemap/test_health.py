"""`/healthz/` (servicemap/health.py): what a load balancer asks of each app server."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.test import override_settings

from directory import version, version_notices
from servicemap.settings import cache_settings
from tests.network import free_port


@pytest.mark.django_db
def test_a_healthy_server_says_so_and_is_never_cached(client, settings):
    response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "local memory",
                               "version_notices": response.json()["version_notices"]}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_it_names_the_release_only_when_the_operator_asks(client, settings):
    # The proxy passes /healthz/ on to anyone: a release (often a git commit) tells a stranger which
    # code, with which known flaws, runs here. Shown only to check that a deploy reached every server.
    settings.RELEASE_ID = "3f2a9c1"
    assert "release" not in client.get("/healthz/").json()
    assert "3f2a9c1" not in client.get("/healthz/").content.decode()

    settings.HEALTHZ_SHOWS_RELEASE = True
    assert client.get("/healthz/").json()["release"] == "3f2a9c1"


@pytest.mark.django_db
def test_it_carries_the_security_headers_every_other_response_has(client, settings):
    # It is answered before SecurityMiddleware, and the proxy of docs/deploy.md passes it to anyone.
    response = client.get("/healthz/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == settings.SECURE_REFERRER_POLICY == "same-origin"


@pytest.mark.django_db(transaction=True)
def test_it_says_whether_this_process_listens_for_change_notices(client, settings, monkeypatch):
    version_notices.stop_listening()
    if connection.vendor != "postgresql":
        assert client.get("/healthz/").json()["version_notices"] == "not used (only PostgreSQL sends notices)"
        return
    assert client.get("/healthz/").json()["version_notices"] == "not yet listening"
    version.current()  # the first read outside a transaction listens
    assert client.get("/healthz/").json()["version_notices"] == "listening"
    settings.DIRECTORY_VERSION_LISTEN = False
    assert client.get("/healthz/").json()["version_notices"] == "off (the version is read on every request)"
    settings.DIRECTORY_VERSION_LISTEN = True
    version_notices.stop_listening()
    monkeypatch.setitem(connection.settings_dict, "PORT", free_port())  # Django's own connection is open already
    version.current()
    assert client.get("/healthz/").json()["version_notices"] == (
        "not listening (the version is read on every request until it can)")
    version_notices.stop_listening()


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["servicemap.example.org"])
def test_a_load_balancer_may_ask_over_http_by_the_servers_own_address(client):
    assert client.get("/healthz", HTTP_HOST="10.0.3.7:8000").status_code == 200
    # Everything else still refuses that host and redirects to https.
    assert client.get("/", HTTP_HOST="10.0.3.7:8000").status_code == 400
    assert client.get("/", HTTP_HOST="servicemap.example.org").status_code == 301


@pytest.mark.django_db
def test_without_its_database_the_server_answers_503(client):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("the database system is shutting down")

    with connection.execute_wrapper(refuse):
        response = client.get("/healthz/")

    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


@pytest.mark.django_db
def test_it_reports_redis_and_stays_up_without_it(client, redis_config):
    with override_settings(CACHES={"default": redis_config}):
        assert client.get("/healthz/").json()["cache"] == "ok"

    with override_settings(CACHES=cache_settings(f"redis://127.0.0.1:{free_port()}/0")):
        response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.json()["cache"] == "unavailable (serving without it)"
