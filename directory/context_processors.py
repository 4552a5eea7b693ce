from __future__ import annotations

import functools

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import formats, timezone

from directory.models import Organisation
from directory.shortlist import shortlist_ids

SAMPLE_CACHE_KEY = "directory:sample-loaded"


def sample_data_loaded(directory_version: str | None = None) -> bool:
    """Whether fictional sample data is loaded (cached briefly: it is asked on every page).

    Given the directory's version (`directory.version.current()`, which every change to an
    organisation replaces), the answer is kept in this process for that version: a page that has
    read the version already then makes no round trip to the shared cache for it."""
    if directory_version is not None and directory_version != "none":  # "none": no change recorded yet
        return _sample_data_loaded_at(directory_version)
    loaded = cache.get(SAMPLE_CACHE_KEY)
    if loaded is None:
        loaded = Organisation.objects.filter(is_sample=True).exists()
        cache.set(SAMPLE_CACHE_KEY, loaded, 60)
    return loaded


@functools.lru_cache(maxsize=8)
def _sample_data_loaded_at(directory_version: str) -> bool:
    return Organisation.objects.filter(is_sample=True).exists()


# Longer than any address the site's own links make (a search with every choice ticked is about
# 400 characters): a query that long is not the site's, and is left off the paper.
PRINTED_ADDRESS_MAX = 500


def print_address(request: HttpRequest) -> str:
    """The page's public address, printed at the top of a page on paper (base.html): from SITE_URL,
    as the referral pack's links are, so a page printed from an internal address leads to the site.
    Past PRINTED_ADDRESS_MAX the page's path alone: a made-up query of any length was put whole on
    the page (where a refused choice is, on purpose, not repeated)."""
    full_path = request.get_full_path()
    if len(full_path) > PRINTED_ADDRESS_MAX:
        full_path = request.path
    return settings.SITE_URL.rstrip("/") + full_path


def print_date() -> str:
    """Today, as a printed page says when it was printed (base.html), in the page's language."""
    return formats.date_format(timezone.localdate(), "j F Y")


def site(request: HttpRequest) -> dict:
    return {"sample_data_loaded": sample_data_loaded(),
            "print_address": print_address(request), "print_date": print_date()}


def shortlist(request: HttpRequest) -> dict:
    """How many services are on the session's shortlist (it holds only their ids)."""
    session = getattr(request, "session", None)
    return {"shortlist_count": len(shortlist_ids(session)) if session is not None else 0}
