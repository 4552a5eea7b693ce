from __future__ import annotations

import functools

from django.core.cache import cache
from django.http import HttpRequest

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


def site(request: HttpRequest) -> dict:
    return {"sample_data_loaded": sample_data_loaded()}


def shortlist(request: HttpRequest) -> dict:
    """How many services are on the session's shortlist (it holds only their ids)."""
    session = getattr(request, "session", None)
    return {"shortlist_count": len(shortlist_ids(session)) if session is not None else 0}
