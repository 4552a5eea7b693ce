"""Cached Open Referral responses, keyed on the directory version.

A full page of 50 services is 50 nested documents built in Python and ~350 KB of JSON: far more
work than the few queries that choose them. Each service's documents are stored in the database
until the service changes (directory/renderings.py); what is put together from them is cached in
the Django cache (Redis, shared by every app server, when REDIS_URL is set):

- each rendered response of the read endpoints, per path, normalised query string and language,
  from its second ask (servicemap/cache_admission.py);
- the number of services each filter set selects, so paging through a list counts it once.

Every key holds `directory.version.current()`, which changes with any public change to the
directory (a service, its organisation, locations, areas, waits, taxonomy terms), so nothing stale
is ever served and no invalidation is needed: old keys are simply never asked for again and expire.
The documents hold no relative dates ("3 weeks ago"), so today's date is not part of the keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import NamedTuple
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

from directory import version
from servicemap import cache_admission

TIMEOUT = 60 * 60  # seconds; a version change makes entries unreachable long before this
_PREFIX = "oruk"


def _language() -> str:
    return get_language() or "en"


def response_key(path: str, query: Iterable[tuple[str, str]], token: str) -> str:
    """One key per request meaning: parameters in any order give the same key. Hashed: a query
    string can be long and hold any character (the search text); the hash says nothing of it."""
    normalised = f"{path}?{urlencode(sorted(query))}"
    digest = hashlib.sha256(normalised.encode()).hexdigest()
    return f"{_PREFIX}:response:{token}:{_language()}:{digest}"


def cached_json(key: str, render: Callable[[], bytes], content_type: str) -> HttpResponse:
    """The response under `key`, rendered by `render`, and kept from its second ask
    (servicemap/cache_admission.py: a harvester asks each page of the feed once)."""
    held = cache.get(key)
    if isinstance(held, bytes):
        return _with_etag(HttpResponse(held, content_type=content_type), key)
    body = render()
    if cache_admission.asked_before(held):
        cache.set(key, body, TIMEOUT)
    else:
        cache_admission.mark(key, TIMEOUT)
    return _with_etag(HttpResponse(body, content_type=content_type), key)


def _with_etag(response: HttpResponse, key: str) -> HttpResponse:
    """The ETag of the answer under `key`: the key names the body (version, path, query, language)
    and so does the release (the code that renders it). Taken from the key, not left to
    ConditionalGetMiddleware, which would hash the body: ~0.5 ms for a page of 50 full services,
    more than half the page's own time when it is cached (BENCHMARKS.md)."""
    digest = hashlib.sha256(f"{settings.RELEASE_ID}:{key}".encode()).hexdigest()[:32]
    response["ETag"] = f'"{digest}"'
    return response


def cached_count(kind: str, filters: object, token: str, count: Callable[[], int]) -> int:
    """`count()`, once per directory version, language (a search matches the active language's
    names) and filter set: every page of one listing shares it. `filters` is a value whose repr
    says everything the count depends on (a parsed filter dataclass); it is hashed, so nothing
    of a search text or postcode appears in the key."""
    digest = hashlib.sha256(repr(filters).encode()).hexdigest()
    key = f"{_PREFIX}:count:{token}:{_language()}:{kind}:{digest}"
    total = cache.get(key)
    if total is None:
        total = count()
        cache.set(key, total, TIMEOUT)
    return total


class VersionState(NamedTuple):
    token: str  # directory.version.current(): keys the responses and counts
    generation: str  # keys the stored service documents (directory/renderings.py)


def current_state() -> VersionState:
    return VersionState(*version.current_with_generation())
