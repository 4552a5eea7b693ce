from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

from directory.models import Organisation
from directory.shortlist import shortlist_ids

SAMPLE_CACHE_KEY = "directory:sample-loaded"


def sample_data_loaded() -> bool:
    """Whether fictional sample data is loaded (cached briefly: it is asked on every page)."""
    loaded = cache.get(SAMPLE_CACHE_KEY)
    if loaded is None:
        loaded = Organisation.objects.filter(is_sample=True).exists()
        cache.set(SAMPLE_CACHE_KEY, loaded, 60)
    return loaded


def site(request: HttpRequest) -> dict:
    return {"sample_data_loaded": sample_data_loaded()}


def shortlist(request: HttpRequest) -> dict:
    """How many services are on the session's shortlist (it holds only their ids)."""
    session = getattr(request, "session", None)
    return {"shortlist_count": len(shortlist_ids(session)) if session is not None else 0}
