"""Cached Open Referral responses and service documents, keyed on the directory version.

A full page of 50 services is 50 nested documents built in Python and ~150 KB of JSON: far more
work than the few queries that choose them. Both are cached in the Django cache (Redis, shared by
every app server, when REDIS_URL is set):

- each service's document (as JSON text), per language and shape (summary or full);
- each rendered response of the read endpoints, per path, normalised query string and language;
- the number of services each filter set selects, so paging through a list counts it once.

Every key holds `directory.version.current()`, which changes with any public change to the
directory (a service, its organisation, locations, areas, waits, taxonomy terms), so nothing stale
is ever served and no invalidation is needed: old keys are simply never asked for again and expire.
The documents hold no relative dates ("3 weeks ago"), so today's date is not part of the keys.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

from directory import version

TIMEOUT = 60 * 60  # seconds; a version change makes entries unreachable long before this
_PREFIX = "oruk"


def _language() -> str:
    return get_language() or "en"


def _document_key(token: str, full: bool, public_id: uuid.UUID) -> str:
    return f"{_PREFIX}:service-json:{token}:{_language()}:{'full' if full else 'summary'}:{public_id.hex}"


def service_json(
    public_ids: list[uuid.UUID], *, full: bool, token: str,
    build: Callable[[list[uuid.UUID]], dict[uuid.UUID, str]],
) -> list[str]:
    """The JSON of these services' documents, in this order (a published service only): cached
    ones read in one round trip, the others from `build(missing ids)` (JSON by public id, e.g.
    `documents.service_json`) and cached in one more. Kept as JSON
    text rather than dicts: a page is put together from it without dumping each document again,
    and text pickles in a fraction of the time."""
    keys = {public_id: _document_key(token, full, public_id) for public_id in public_ids}
    found = cache.get_many(keys.values()) if keys else {}
    missing = [public_id for public_id in public_ids if keys[public_id] not in found]
    if missing:
        built = {keys[public_id]: text for public_id, text in build(missing).items()}
        cache.set_many(built, TIMEOUT)
        found |= built
    return [found[keys[public_id]] for public_id in public_ids if keys[public_id] in found]


def response_key(path: str, query: Iterable[tuple[str, str]], token: str) -> str:
    """One key per request meaning: parameters in any order give the same key. Hashed: a query
    string can be long and hold any character (the search text); the hash says nothing of it."""
    normalised = f"{path}?{urlencode(sorted(query))}"
    digest = hashlib.sha256(normalised.encode()).hexdigest()
    return f"{_PREFIX}:response:{token}:{_language()}:{digest}"


def cached_json(key: str, render: Callable[[], bytes], content_type: str) -> HttpResponse:
    """The response under `key`, rendered (once per version) by `render`."""
    body = cache.get(key)
    if body is None:
        body = render()
        cache.set(key, body, TIMEOUT)
    return HttpResponse(body, content_type=content_type)


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


def current_token() -> str:
    return version.current()
