"""Every address the site routes, found by walking its URL patterns (so a new view is in it without
being listed here), asked the odd things browsers, crawlers and scripts ask: other methods (HEAD,
OPTIONS, PUT, DELETE), a garbled query string (broken percent-encoding, repeated keys, a huge page),
path parameters that name nothing or overflow (an unknown id, a number past 64 bits, a NUL, letters
for a number), and empty or junk POSTs, with and without a CSRF token; by a visitor, a provider, a
moderator and (the admin) a superuser, in English and in Welsh. None may answer with a server error,
and none may refuse with an empty page (Django's own 405 was a blank one) or, under /api/, with
anything but JSON.

The hypothesis tests beside it go deeper into the addresses they list (test_every_public_page_properties.py,
test_raw_addresses_and_forms_properties.py); this one is wide rather than deep, and bounded so (a few
thousand requests, well under half a minute).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from directory.accounts.services import moderator_create
from directory.listings.services import form_values_from_service, service_edit
from directory.models import Location, Organisation, Service, ServiceChange
from tests.factories import MembershipFactory, ProblemReportFactory, UserFactory

# Django's admin, reached through our sign-in and our models' admins, is asked as a superuser (anyone
# else is sent to sign in before any of it runs): the pages of it our admins shape, not every generic one.
ADMIN_KEPT = ("_changelist", "_change", "_history", "admin:index", "admin:app_list", "admin:view_on_site")

# Garbled, not hostile: reaches the view (a control character is refused before it: control_characters.py).
QUERY_NAMES = "page sort view q show letter ids layer region quarter then now from next postcode la age format per_page"
ADMIN_QUERY_NAMES = "o p e q _changelist_filters _popup _to_field"
GARBLED_QUERY = "&".join(
    ["%", "%zz=1", "%ff%fe=%C0%80", "page=99999999999999999999", "page=-1", "a=1", "a=2", "=&&="]
    + [f"{name}=%E2%80%AE%ff&{name}=9{'9' * 25}" for name in f"{QUERY_NAMES} {ADMIN_QUERY_NAMES}".split()]
)
# Numbers a path's <int:...> may hold that no row has: SQLite and PostgreSQL refuse those past 64 bits.
HUGE = ["9223372036854775808", "9" * 30]
ODD = ["\x00", "ü%", "a" * 300, *HUGE]


def _patterns(patterns, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(
                pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            )
        elif pattern.name:
            yield namespace + pattern.name, pattern
        else:  # the admin's redirect from an object's old address to its change page
            assert namespace == "admin:", f"every address of ours has a name, for reverse() and this test: {pattern}"


def _asked(name: str, role: str) -> bool:
    if not name.startswith("admin:"):
        return role != "superuser"
    return role == "superuser" and (name.endswith(ADMIN_KEPT) or name in ADMIN_KEPT)


def _values(name: str, pattern: URLPattern, key: str | None, known: dict[str, list[str]]) -> list[str]:
    converter = type(getattr(pattern.pattern, "converters", {}).get(key)).__name__
    if name.startswith("admin:"):  # its ids are the rows' numbers, and its views all read them alike
        return [known["int"][0], "x", "\x00", HUGE[0]]
    if converter == "UUIDConverter":
        return [*known["uuid"], str(uuid.uuid4())]
    if converter == "IntConverter":
        return [*known["int"], *HUGE]
    return [known["int"][0], known["uuid"][0], *ODD]


def _addresses(name: str, pattern: URLPattern, known: dict[str, list[str]]) -> list[str]:
    """The pattern with each of its parameters filled by a value that names something and by values
    that name nothing; reverse() keeps those its converters accept (others never reach the view)."""
    regex = pattern.pattern.regex
    keys = list(regex.groupindex) or [None] * regex.groups
    pools = [_values(name, pattern, key, known) for key in keys]
    # Each value for each parameter, the others at their first (named) value: not every combination.
    combos = {tuple(pool[0] for pool in pools)} | {
        tuple(value if i == j else pool[0] for j, pool in enumerate(pools))
        for i, pool in enumerate(pools)
        for value in pool
    }
    addresses = set()
    for combo in sorted(combos):
        try:
            addresses.add(
                reverse(
                    name,
                    kwargs=dict(zip(keys, combo, strict=True)) if keys and keys[0] else None,
                    args=None if keys and keys[0] else combo,
                )
            )
        except NoReverseMatch:
            pass
    return sorted(addresses)


REQUESTS = [
    ("GET", "", {}),
    ("GET", f"?{GARBLED_QUERY}", {}),
    ("HEAD", "?a=1&a=2", {}),
    ("OPTIONS", "", {}),
    ("PUT", "", {"data": "a=1", "content_type": "application/x-www-form-urlencoded"}),
    ("DELETE", "", {}),
    (
        "POST",
        "?a=1&a=2&next=%ff",
        {
            "data": "%00=%ff&a=1&a=2&next=//evil.example/&page=-1&weeks=%00&reason=%E2%80%AE&"
            "opened_version=99999999999999999999&version=x",
            "content_type": "application/x-www-form-urlencoded",
        },
    ),
]
JUNK_POST = REQUESTS[-1]
# The admin's pages are many and alike: each is asked what reaches its view.
ADMIN_REQUESTS = [*REQUESTS[:3], JUNK_POST]


@pytest.fixture
def known(sample_directory, db) -> dict:
    """A provider of a published service with a pending change and an open report, a moderator, and
    the ids of things that exist (the first of each list is what a parameter is filled with)."""
    service = Service.objects.published().select_related("organisation").order_by("pk").first()
    provider = UserFactory(username="own@example.org", email="own@example.org")
    MembershipFactory(user=provider, organisation=service.organisation)
    service_edit(service=service, values=form_values_from_service(service, age_max=16), by=provider)
    report = ProblemReportFactory(service=service)
    location = Location.objects.filter(service_at_locations__service=service).first()
    other = Service.objects.exclude(organisation=service.organisation).order_by("pk").first()
    return {
        "users": {
            "visitor": None,
            "provider": provider,
            "moderator": moderator_create(email="mod@example.org", password="a-long-test-password").user,
            "superuser": UserFactory(username="admin@example.org", is_staff=True, is_superuser=True),
        },
        "uuid": [
            str(public_id)
            for public_id in (
                service.public_id,
                service.organisation.public_id,
                report.public_id,
                location.public_id,
                other.public_id,
            )
        ],
        "int": [
            str(ServiceChange.objects.get().pk),
            str(service.history.first().history_id),
            str(Organisation.objects.order_by("pk").first().pk),
        ],
    }


def _client(user, **kwargs) -> Client:
    client = Client(raise_request_exception=False, **kwargs)
    if user is not None:
        client.force_login(user)
    return client


# Each role asks half the addresses in English and half in Welsh, the visitor and the moderator one
# half, the provider the other: between them every page is asked in both, in a third of the time.
ROLES = {"visitor": 0, "provider": 1, "moderator": 0, "superuser": 1}


@pytest.mark.parametrize("role", ROLES)
def test_every_address_answers_odd_requests_without_a_server_error(known, role):
    user = known["users"][role]
    client, checking_csrf = _client(user), _client(user, enforce_csrf_checks=True)
    addresses = []
    for i, (name, pattern) in enumerate(p for p in _patterns(get_resolver().url_patterns) if _asked(p[0], role)):
        with translation.override("cy" if (i + ROLES[role]) % 2 else "en"):
            addresses += _addresses(name, pattern, known)
    server_errors, bare_refusals = set(), set()
    for address in addresses:
        for method, query, kwargs in ADMIN_REQUESTS if role == "superuser" else REQUESTS:
            response = client.generic(method, address + query, **kwargs)
            if response.status_code >= 500:
                server_errors.add(f"{method} {address}{query[:40]} {response.exc_info[1]!r}")
            elif _bare_refusal(address, method, response):
                bare_refusals.add(f"{method} {address}{query[:40]} {response.status_code} {response['Content-Type']}")
        # A form sent without its CSRF token (an old tab, another site's form): refused, as a page.
        method, query, kwargs = JUNK_POST
        response = checking_csrf.generic(method, address + query, **kwargs)
        if response.status_code >= 500:
            server_errors.add(f"POST without CSRF token {address} {response.exc_info[1]!r}")
    assert addresses and not server_errors, "\n".join(sorted(server_errors))
    assert not bare_refusals, "\n".join(sorted(bare_refusals))


def _bare_refusal(address: str, method: str, response) -> bool:
    """A refusal with nothing to read: an empty page (a HEAD's has no body anyway), or not JSON under /api/
    (its docs page, an HTML page, answers as the site's pages do)."""
    if response.status_code < 400 or method == "HEAD":
        return False
    if address.startswith("/api/") and not address.startswith("/api/docs/"):
        return response["Content-Type"] != "application/json"
    return not response.content
