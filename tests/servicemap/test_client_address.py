"""The visitor's address behind the reverse proxies (servicemap/client_address.py), as the open
API's rate limit, the report form's limit and the sign-in lock-out read it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from directory.models import ProblemReport
from servicemap.client_address import client_address
from tests.factories import ServiceFactory, UserFactory

PROXY = "10.0.0.2"  # the reverse proxy, as REMOTE_ADDR shows every request behind it


def _request(forwarded: str | None = None, remote: str = PROXY):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, PROXY),
        (0, "203.0.113.5", PROXY),  # with no proxy the header is the visitor's own writing
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # what the visitor wrote comes first
        (1, " 1.2.3.4 ,203.0.113.5 ", "203.0.113.5"),
        (2, "1.2.3.4, 203.0.113.5, 10.0.0.1", "203.0.113.5"),  # a balancer, then nginx
        (2, "203.0.113.5", "203.0.113.5"),  # fewer entries than proxies: the furthest seen
        (1, "", PROXY),  # not through the proxy: a balancer's health check
        (1, None, PROXY),
    ],
)
def test_the_visitor_is_the_address_the_trusted_proxies_saw(settings, proxies, forwarded, expected):
    settings.NUM_PROXIES = proxies
    assert client_address(_request(forwarded)) == expected


def _api(client, forwarded: str):
    return client.get("/api/oruk/taxonomies", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


@pytest.mark.django_db
def test_a_client_cannot_escape_the_apis_limit_by_writing_a_new_address_each_time(client, settings):
    settings.ORUK_API_ANON_RATE, settings.NUM_PROXIES = "3/minute", 0
    statuses = [_api(client, f"198.51.100.{n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.django_db
def test_behind_a_proxy_each_visitor_has_its_own_api_limit(client, settings):
    settings.ORUK_API_ANON_RATE, settings.NUM_PROXIES = "2/minute", 1
    assert [_api(client, f"{n}.1.1.1, 203.0.113.5").status_code for n in range(3)] == [200, 200, 429]
    assert _api(client, "203.0.113.9").status_code == 200, "another visitor through the same proxy"


@pytest.mark.django_db
def test_behind_a_proxy_wrong_passwords_lock_out_only_the_address_they_came_from(client, settings):
    settings.NUM_PROXIES = 1
    UserFactory(username="p@example.org", email="p@example.org")
    login = reverse("accounts:login")
    for n in range(5):  # an attacker, writing a new address in front of its own each time
        client.post(login, {"username": "p@example.org", "password": "wrong"},
                    REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{n}.9.9.9, 203.0.113.66")
    locked = client.post(login, {"username": "p@example.org", "password": "a-long-test-password"},
                         REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert locked.status_code == 429
    provider = client.post(login, {"username": "p@example.org", "password": "a-long-test-password"},
                           REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert provider.status_code == 302, "the provider, from their own address, is not locked out"


@pytest.mark.django_db
def test_behind_a_proxy_each_visitor_has_its_own_report_limit(client, settings):
    settings.NUM_PROXIES, settings.PROBLEM_REPORT_RATE = 1, "1/hour"
    url = reverse("listings:report_problem", args=[ServiceFactory().public_id])
    report = {"reason": "area"}
    assert client.post(url, report, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 302
    assert client.post(url, report, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5").status_code == 429
    assert client.post(url, report, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 302
    assert ProblemReport.objects.count() == 2
