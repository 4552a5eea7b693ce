"""The search page around its results (base.html and search.html), from pieces rendered once per
language and state (`template_pieces`), filled per request.

Rendering the two templates cost more than the rest of a search page asked again (whose results
come from `search_cache`): a few hundred template nodes, URL reversals and translations, the same
on every page but for a few values: the CSP nonce, the date and address a printed page shows,
the results, the page title, the shortlist's count and the link to the page in the other language.

The state the pieces are built for (language, URLs, path, sample data banner, count shown or not)
covers everything the templates decide on for an anonymous visitor with no messages. Pages with
messages to show or a signed-in provider's menu are rendered in full, as before: they are rare on
this page, and their pieces would need more slots.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_bidi

from directory import template_pieces
from directory.bilingual import url_in_language
from directory.context_processors import print_address, print_date, sample_data_loaded

TEMPLATE = "directory/search.html"
# The per-request values, in the order `render_search` gives them.
SLOTS = ("nonce", "date", "address", "results", "title", "count", "switch")
OTHER_LANGUAGE = {"cy": "en"}  # any other page language links to Welsh (language_switcher.html)


def _build(template, *, path: str, sample_data: bool, counted: bool) -> tuple[str | int, ...]:
    marks = template_pieces.marks(SLOTS)
    language = get_language()
    query_mark = marks["switch"] + "q"
    stand_in = template_pieces.StandInRequest(f"{path}?{query_mark}", csp_nonce=marks["nonce"])
    # The context processors' values (settings TEMPLATES) for an anonymous visitor with no messages.
    html = template.render({
        "request": stand_in, "user": AnonymousUser(), "messages": [], "LANGUAGES": settings.LANGUAGES,
        "LANGUAGE_CODE": language, "LANGUAGE_BIDI": get_language_bidi(),
        "sample_data_loaded": sample_data, "shortlist_count": marks["count"] if counted else 0,
        "print_date": marks["date"], "print_address": marks["address"],
        "search_title": marks["title"], "results_html": mark_safe(marks["results"]),
    })
    # The link to the other language (the stand-in's path and query, translated): all of it is the slot.
    switch_link = url_in_language(stand_in.get_full_path(), OTHER_LANGUAGE.get(language, "cy"))
    html = html.replace(conditional_escape(switch_link), marks["switch"])
    if query_mark in html:
        raise RuntimeError(f"{TEMPLATE}: the link to the other language is not where search_page.py expects")
    return template_pieces.split(html, marks, optional=frozenset() if counted else frozenset({"count"}))


@lru_cache(maxsize=16)
def _switch_path(path: str, language: str) -> str:
    return url_in_language(path, language)


@receiver(setting_changed)
def _forget(**kwargs: object) -> None:
    _switch_path.cache_clear()


def _switch_link(request: HttpRequest) -> str:
    """`url_in_language(request.get_full_path(), the other language)`: the query string appended to
    the path's translation (the same, for a query without "#": `urlsplit` would cut a fragment there)."""
    full_path = request.get_full_path()
    switch_to = OTHER_LANGUAGE.get(get_language(), "cy")
    path, sep, query = full_path.partition("?")
    if "#" in query:
        return url_in_language(full_path, switch_to)
    return _switch_path(path, switch_to) + sep + query


def render_search(
    request: HttpRequest, *, results_html: bytes, title: str, shortlisted: set, shortlist_count: int,
    directory_version: str | None = None,
) -> HttpResponse:
    """The search page with its results (as UTF-8, as `search_cache.fill` gives them): what
    `render(request, "directory/search.html", …)` gives. `directory_version`, if the caller read it,
    saves a round trip (`sample_data_loaded`)."""
    user = getattr(request, "user", None)
    if not (title and results_html) or get_messages(request) or (user is not None and user.is_authenticated):
        context = {"shortlisted": shortlisted, "search_title": title,
                   "results_html": mark_safe(results_html.decode())}  # noqa: S308 - from our templates, escaped there
        return render(request, TEMPLATE, context)
    path, sample_data, counted = request.path, sample_data_loaded(directory_version), bool(shortlist_count)
    frame = template_pieces.pieces_for(
        TEMPLATE, (path, sample_data, counted),
        lambda template: _build(template, path=path, sample_data=sample_data, counted=counted),
    )
    # Bytes throughout: the results stay as the cache holds them (search_cache says why).
    return HttpResponse(frame.join((
        # django-csp's lazy nonce: reading it puts it in the response's header, as the template does.
        conditional_escape(getattr(request, "csp_nonce", "")).encode(),
        conditional_escape(print_date()).encode(), conditional_escape(print_address(request)).encode(), results_html,
        conditional_escape(title).encode(), conditional_escape(formats.localize(shortlist_count)).encode(),
        conditional_escape(_switch_link(request)).encode(),
    )))
