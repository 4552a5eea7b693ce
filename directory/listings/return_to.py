"""Back to the list a service was opened from: the all-services list's page, search and filters.

The list (`/manage/`, views._service_overview) links each service's pages with `?next=` naming
itself; those pages keep it in their own links and forms, and their back link and the redirect
after saving go there, so a moderator working down page 3 of "no or stale wait" is not sent back
to page 1 of everything after each update.

`next` comes from the address bar, so it is only ever read as the list's query: an address that
is not this site's list (another site, `//host`, another page) gives the list's first page, and
the query is rebuilt from the list's own parameters, so nothing else is carried into a redirect.

A moderator also opens a service's pages from the moderation queue (a problem report's "Edit the
listing", a listing not confirmed for 12 months) and from a change waiting for approval (its history,
"edit the listing" before approving): `next` naming one of those pages goes back there, rebuilt from
its own address, so the report is resolved or the change approved next, where it was left.

A change opened from its listing's history (`history_of`) has its back link go to that history, not
the moderation queue, and the history's own way back (the list, the queue or a change it was
opened from) is carried along, checked as any `next` is; approving or rejecting it still goes to the queue.
"""

from __future__ import annotations

import uuid
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import Resolver404, ResolverMatch, resolve, reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy

from directory.accounts.roles import is_moderator
from directory.bilingual import paths_in_every_language

# The list's own parameters (listings.forms.ServiceListFilterForm and its pagination).
LIST_PARAMETERS = ("q", "show", "page")
# A search box's worth: a longer `next` is not a list this site made.
MAX_NEXT_LENGTH = 2000


# The moderators' pages a service's pages can be opened from, each with its back link's words.
MODERATION_PAGES = {
    "listings:moderation": gettext_lazy("Moderation"), "listings:change_detail": gettext_lazy("Review change"),
}


def _resolve_in_any_language(path: str) -> ResolverMatch | None:
    """The page `path` names, in whichever language's address it is (`/cy/…` or not); None if none."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            try:
                return resolve(path)
            except Resolver404:
                continue
    return None


def _moderation_page(path: str) -> tuple[str, str] | None:
    """(address in the page's language, back link's words) if `path` is the moderation queue or a change on it."""
    match = _resolve_in_any_language(path)
    if match is None or match.view_name not in MODERATION_PAGES:
        return None
    return reverse(match.view_name, kwargs=match.kwargs), str(MODERATION_PAGES[match.view_name])


def history_of(request: HttpRequest, public_id: uuid.UUID) -> str | None:
    """The history page of the service `public_id`, in the page's language, if `next` names it (a change
    opened from that history goes back there); else None. Rebuilt from its own address, with the way
    back the history itself had (its own `next`: a list, the queue or a change), if it is one this
    module accepts: nothing else in `next` (another service's history, another page) is carried."""
    parts = _local(request, _next(request))
    match = _resolve_in_any_language(parts.path) if parts is not None else None
    if match is None or match.view_name != "listings:history" or match.kwargs.get("public_id") != public_id:
        return None
    history = reverse("listings:history", kwargs={"public_id": public_id})
    its_next = dict(parse_qsl(parts.query)).get("next", "")
    return with_query(history, next_query(_way_back_from(request, its_next)[0]))


def with_query(path: str, query: str) -> str:
    """`path` with `query` after it, if there is one."""
    return f"{path}?{query}" if query else path


def list_query(query: str) -> str:
    """The list's own parameters from a query string, encoded again ("" for none)."""
    return urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k in LIST_PARAMETERS])


def _next(request: HttpRequest) -> str:
    return request.POST.get("next") or request.GET.get("next") or ""


def _local(request: HttpRequest, raw: str) -> SplitResult | None:
    """`raw`, split, if it is an address on this site with no scheme or host; else None."""
    if not raw or len(raw) > MAX_NEXT_LENGTH or not url_has_allowed_host_and_scheme(
        raw, allowed_hosts={request.get_host()}, require_https=request.is_secure(),
    ):
        return None
    parts = urlsplit(raw)
    return None if parts.scheme or parts.netloc else parts


def _way_back(request: HttpRequest) -> tuple[str, str | None]:
    """Where to go back to, in the page's language, and the back link's words if not the list's."""
    return _way_back_from(request, _next(request))


def _way_back_from(request: HttpRequest, raw: str) -> tuple[str, str | None]:
    """`_way_back` for the address `raw` (a `next` carried inside another)."""
    base = reverse("listings:dashboard")
    parts = _local(request, raw)
    if parts is None:
        return base, None
    if parts.path not in paths_in_every_language("listings:dashboard"):
        # Only moderators see those pages: anyone else goes back to their list.
        moderation = _moderation_page(parts.path) if is_moderator(request.user) else None
        return moderation or (base, None)
    return with_query(base, list_query(parts.query)), None


def list_url(request: HttpRequest) -> str:
    """The list to go back to, in the page's language: the one `next` names, else its first page
    (or, for a moderator, the moderation page `next` names)."""
    return _way_back(request)[0]


def next_query(list_address: str) -> str:
    """`next=<list_address>` for a link from the list, or "" for its plain first page (nothing to keep)."""
    return "" if list_address in paths_in_every_language("listings:dashboard") else urlencode({"next": list_address})


def context(request: HttpRequest) -> dict:
    """For a service's page opened from the list: where its back link goes and what it is called,
    and `return_query` to add to its links and forms so the pages after it go back there too."""
    back, label = _way_back(request)
    return {
        "back_url": back,
        "back_label": label,
        "back_label_all": is_moderator(request.user),
        "return_query": next_query(back),
    }
