"""Where "Back to search" on a service page and on the shortlist leads, without JavaScript too.

Searches are never stored on the server, and last-search.js keeps the tab's last search in the
browser's sessionStorage. Without script the link went to an empty form, and the social worker typed
the child's search again. The search's address is still at hand: the browser names the results page
it came from in the `Referer` header (same origin only: `SECURE_REFERRER_POLICY = "same-origin"`).
The link is built from that header for the one response and nothing is kept.

The search is not carried in the service page's or the shortlist's own address (`?back=…`), which
would have done the same without the header: those addresses are printed on the page, copied to a
colleague and emailed ("the link holds the services only, nothing about the child"), and a search's
age, forms of abuse and postcode sector would have gone with them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from directory.bilingual import paths_in_every_language
from directory.forms import MAX_QUERY_STRING
from directory.postcode_privacy import cut_query


def back_to_search_url(request: HttpRequest) -> str:
    """The search form's address in this page's language, with the query of the search results the
    browser came from (its `Referer`) when that is one of this site's search pages; else the empty
    form. A full postcode in it (an old link) is cut to its sector, as the search page does."""
    form = reverse("directory:search")
    referer = request.headers.get("referer", "")
    if not referer or len(referer) > MAX_QUERY_STRING + 200:
        return form
    if not url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return form
    parts = urlsplit(referer)
    if not parts.query or len(parts.query) > MAX_QUERY_STRING:
        return form
    # The search page in every language: a Welsh service page reached from an English search goes
    # back to the same search in Welsh (the link is on this page's own path).
    if parts.path not in paths_in_every_language("directory:search"):
        return form
    query = cut_query(QueryDict(parts.query)) or parts.query
    return f"{form}?{query}"


def mark_varies_by_referer(response: HttpResponse, back: str) -> None:
    """The page holds the visitor's own search when `back` carries one: no shared cache may keep it,
    and the browser's copy belongs to the address it came from."""
    patch_vary_headers(response, ("Referer",))
    if "?" in back:
        patch_cache_control(response, private=True)
