"""Two app servers behind one address, sharing PostgreSQL and Redis and nothing else.

Each request of one visitor goes to the other server, as a load balancer without sticky sessions
sends them: two gunicorn processes on this machine's PostgreSQL (the test database) and Redis, one
browser's cookies. A shortlist, a sign-in, a form's CSRF token and a flash message made on one
server hold on the other, and a provider's new wait saved through one is what the other's search
shows on its next request (directory.version_notices, the stored renderings).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from http.cookiejar import CookieJar
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import pytest
import redis
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from directory.accounts.models import Membership
from directory.models import PostcodeDistrict, WaitingTimeReport
from tests.conftest import REDIS_URL
from tests.factories import OrganisationFactory, ServiceFactory, UserFactory
from tests.network import free_port

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the servers read what the test wrote: committed
    pytest.mark.skipif(connection.vendor != "postgresql", reason="app servers share PostgreSQL, not a file"),
]

SEARCH = "/search/?" + urlencode({"postcode": "CF10 1", "age": "9"})


class _NoRedirects(HTTPRedirectHandler):
    """A redirect is given back, to be followed on whichever server the test chooses."""

    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One visitor's cookies, sent to whichever server a request goes to (one host, two ports)."""

    def __init__(self) -> None:
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), _NoRedirects())

    def get(self, base: str, path: str) -> tuple[int, str, str]:
        return self._open(base + path)

    def post(self, base: str, path: str, data: dict, *, referer: str) -> tuple[int, str, str]:
        return self._open(base + path, urlencode(data).encode(), headers={"Referer": referer})

    def _open(self, url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str, str]:
        try:
            with self.opener.open(Request(url, data=data, headers=headers or {}), timeout=20) as response:
                return response.status, response.read().decode(), response.headers.get("Location", "")
        except HTTPError as error:  # 3xx (not followed) and 4xx/5xx
            return error.code, error.read().decode(), error.headers.get("Location", "")


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


def _database_url() -> str:
    d = connection.settings_dict
    return f"postgres://{d['USER']}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"


@pytest.fixture
def servers(tmp_path):
    """Two gunicorn servers (one worker each) on the test database and Redis; their base URLs."""
    release = f"two-servers-{uuid.uuid4().hex}"
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "servicemap.settings", "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_URL, "RELEASE_ID": release, "SECRET_KEY": f"shared-{uuid.uuid4().hex}" * 2,
        "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1",
    }
    processes, bases = [], []
    for name in ("a", "b"):
        port = free_port()
        log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed below, after the server stops
        processes.append((subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}", "servicemap.wsgi"],
            env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
        ), log))
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base in bases:
            _wait_until_up(base, tmp_path)
        yield bases
    finally:
        for process, log in processes:
            process.terminate()
            process.wait(timeout=20)
            log.close()
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"servicemap:{release}:*"):
            client.delete(key)


def _wait_until_up(base: str, tmp_path) -> None:
    # A read that times out (a worker still loading the app on a loaded machine) is tried again.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with build_opener().open(base + "/healthz/", timeout=10) as response:
                if response.status == 200:
                    return
        except (URLError, ConnectionError, HTTPError, TimeoutError):
            time.sleep(0.2)
    logs = "\n".join(p.read_text() for p in tmp_path.glob("*.log"))
    pytest.fail(f"{base} did not come up in 60 s:\n{logs}")


def test_a_visitor_moved_between_servers_keeps_everything_and_sees_every_change(servers, wales_areas):
    a, b = servers
    PostcodeDistrict.objects.create(prefix="CF10 1", latitude=51.4797, longitude=-3.1781, lad_code="W06000015")
    organisation = OrganisationFactory(name="Two servers organisation")
    service = ServiceFactory(name="Two servers service", organisation=organisation,
                             coverage=[wales_areas["W06000015"]])
    WaitingTimeReport.objects.create(service=service, weeks=12, as_of=date.today() - timedelta(days=10))
    provider = UserFactory(username="provider@example.org", email="provider@example.org")
    # Hashed as the servers' settings read it: the tests' own fast hasher is not among theirs.
    provider.password = PBKDF2PasswordHasher().encode("a-long-test-password", "two-servers-salt")
    provider.save()
    Membership.objects.create(user=provider, organisation=organisation)
    visitor = Browser()

    status, page, _ = visitor.get(a, SEARCH)
    assert status == 200 and "Two servers service" in page and "12 weeks" in page

    # The shortlist: the form from A, sent to B (its CSRF token holds there), the list read on A.
    status, _, location = visitor.post(b, "/shortlist/add/", {
        "csrfmiddlewaretoken": _csrf(page), "service": str(service.public_id), "next": SEARCH,
    }, referer=a + SEARCH)
    assert status == 302 and location.startswith(SEARCH)
    status, page, _ = visitor.get(a, location)
    assert status == 200
    assert "Two servers service is on your shortlist." in page  # B's flash message, shown by A
    status, page, _ = visitor.get(b, "/shortlist/")
    assert status == 200 and "Two servers service" in page and "Your shortlist is empty" not in page

    # Signed in through B, known to A.
    status, page, _ = visitor.get(b, "/accounts/login/")
    status, refused, location = visitor.post(a, "/accounts/login/", {
        "csrfmiddlewaretoken": _csrf(page), "username": "provider@example.org", "password": "a-long-test-password",
    }, referer=b + "/accounts/login/")
    assert status == 302, re.findall(r'govuk-error-summary__list.*?</ul>', refused, re.S)
    status, page, _ = visitor.get(b, "/manage/")
    assert status == 200 and "Two servers service" in page

    # A new wait saved through B: A's next search shows it (A's search index and its cards follow).
    status, _, location = visitor.post(a, f"/manage/services/{service.public_id}/wait/", {
        "csrfmiddlewaretoken": _csrf(page), "weeks": "3", "referrals_open": "yes",
    }, referer=b + "/manage/")
    assert status == 302 and location.endswith("/manage/")
    status, page, _ = visitor.get(b, SEARCH)
    assert status == 200 and "3 weeks" in page and "12 weeks" not in page
    status, page, _ = visitor.get(a, SEARCH)
    assert status == 200 and "3 weeks" in page and "12 weeks" not in page
    status, page, _ = visitor.get(a, f"/services/{service.public_id}/")
    assert status == 200 and "3 weeks" in page
