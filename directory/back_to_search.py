"""Where "Back to search" on a service page and on the shortlist leads, without JavaScript too.

Searches are never stored on the server, and last-search.js keeps the tab's last search in the
browser's sessionStorage. Without script the link went to an empty form, and the social worker typed
the child's search again. The search's address is still at hand: the browser names the results page
it came from in the `Referer` header (same origin only: `SECURE_REFERRER_POLICY = "same-origin"`).
The link is built from that header for the one response.

The header alone is lost one step later: after "Add to shortlist" on a service page (a POST, then a
redirect back) the page the browser names is the service page itself, and a service page opened
from the shortlist names the shortlist. So a page that found the search in its `Referer` also hands
it back to the browser in a cookie (`COOKIE_NAME`), and a later page whose `Referer` is not a search
reads it from there. The trade-off, weighed:

- The search is not carried in the service page's or the shortlist's own address (`?back=…`), nor in
  a hidden form field that the redirect would have to put back into one: those addresses are printed
  on the page, copied to a colleague and emailed ("the link holds the services only, nothing about
  the child"), and a search's age, forms of abuse and postcode sector would have gone with them. A
  cookie goes nowhere but back to this site from this browser.
- It is not kept on the server either (not in the session, which is a database row): the server
  reads the cookie for the one response, as it reads the header. Neither the web server's request
  log nor the application's log records cookies (servicemap/settings.py LOGGING), and no error
  report is mailed (no ADMINS).
- What the browser keeps is what its history already holds, the results page's address with a
  postcode's first part at most (cut as the search page cuts it), and for less time: the cookie goes
  when the browser closes, and is not read an hour after a page last found the search in its
  `Referer` (signed with a timestamp: reading it does not make it last longer). HttpOnly and
  SameSite=Strict: no script reads it and no other site's link sends it.
- The empty search form (the search cleared), and a page reached from it, delete it: the next "Back
  to search" is the empty form, as last-search.js forgets the search on that page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from directory.bilingual import paths_in_every_language
from directory.forms import MAX_QUERY_STRING
from directory.postcode_privacy import cut_query

COOKIE_NAME = "last_search"
COOKIE_SALT = "directory.back_to_search"
COOKIE_MAX_AGE = 60 * 60  # seconds after a page last found the search in its Referer


@dataclass(frozen=True)
class BackToSearch:
    url: str  # the link: the search form in this page's language, with the search's query if known
    query: str  # that query, "" for the empty form
    from_referer: bool | None  # True: a search page named in the Referer; False: an empty one; None: no search page


def back_to_search(request: HttpRequest) -> BackToSearch:
    """The search form's address in this page's language, with the query of the search results the
    browser came from (its `Referer`) when that is one of this site's search pages, else of the one a
    page before found there (the cookie); else the empty form. A full postcode in it (an old link) is
    cut to its sector, as the search page does."""
    form = reverse("directory:search")
    from_referer = _query_from_referer(request)
    if from_referer is not None:
        return BackToSearch(f"{form}?{from_referer}" if from_referer else form, from_referer, bool(from_referer))
    remembered = _query_from_cookie(request)
    return BackToSearch(f"{form}?{remembered}" if remembered else form, remembered, None)


def _search_query(query: str) -> str:
    """A search's query as the link may hold it: a full postcode cut to its sector; "" if too long."""
    if not query or len(query) > MAX_QUERY_STRING:
        return ""
    return cut_query(QueryDict(query)) or query


def _query_from_referer(request: HttpRequest) -> str | None:
    """The query of the search page named in the `Referer` ("" for the empty form), or None when the
    browser came from no search page of this site."""
    referer = request.headers.get("referer", "")
    if not referer or len(referer) > MAX_QUERY_STRING + 200:
        return None
    if not url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return None
    parts = urlsplit(referer)
    # The search page in every language: a Welsh service page reached from an English search goes
    # back to the same search in Welsh (the link is on this page's own path).
    if parts.path not in paths_in_every_language("directory:search"):
        return None
    if len(parts.query) > MAX_QUERY_STRING:
        return None
    return _search_query(parts.query)


def _query_from_cookie(request: HttpRequest) -> str:
    """The search a page before found in its `Referer`, if the browser still holds it and it is not
    older than COOKIE_MAX_AGE; else ""."""
    if COOKIE_NAME not in request.COOKIES or len(request.COOKIES[COOKIE_NAME]) > MAX_QUERY_STRING * 3 + 100:
        return ""
    kept = request.get_signed_cookie(COOKIE_NAME, default="", salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE)
    return _search_query(unquote(kept))


def keep_back_to_search(request: HttpRequest, response: HttpResponse, back: BackToSearch) -> None:
    """Hands the search found in the `Referer` to the browser for the next pages (module docstring),
    or deletes it after the empty form; and marks the page as this visitor's own when it holds one:
    no shared cache may keep it, and the browser's copy belongs to the headers it was asked with."""
    patch_vary_headers(response, ("Referer", "Cookie"))
    if back.query:
        patch_cache_control(response, private=True)
    if back.from_referer:
        response.set_signed_cookie(
            COOKIE_NAME, quote(back.query, safe=""), salt=COOKIE_SALT, httponly=True, samesite="Strict",
            secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        )
    elif not back.query:
        forget_back_to_search(request, response)  # cleared, out of date or not one of ours


def forget_back_to_search(request: HttpRequest, response: HttpResponse) -> None:
    """Deletes the search kept for "Back to search", if the browser holds one (the empty search form,
    a page reached from it)."""
    if request.COOKIES.get(COOKIE_NAME):
        response.delete_cookie(COOKIE_NAME, samesite="Strict")
        patch_cache_control(response, private=True)  # a Set-Cookie no shared cache may hand on
