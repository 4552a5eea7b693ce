"""The search page around its results (base.html and search.html), rendered once per language and
state, then filled in per request.

Rendering the two templates costs more than the rest of a search page asked again (whose results
come from `search_cache`): a few hundred template nodes, URL reversals and translations, all the
same on every page but for a few values. So the page is rendered once with markers for those
values, split at the markers, and kept in this process; a request then joins the pieces with its
own values: the CSP nonce, the results, the area in the title, the shortlist's count and the link
to the page in the other language.

The templates stay the only definition of the page: the pieces come from rendering them, and
tests compare every state with a full render byte for byte. What the pieces are built for (the
key of `_frames`) covers everything the templates decide on. Pages with anything the pieces do
not hold (messages to show, a signed-in provider's menu) are rendered in full, as before.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import Template
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils import formats
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_bidi

from directory.bilingual import url_in_language
from directory.context_processors import sample_data_loaded

TEMPLATE = "directory/search.html"
# The per-request values, in the order `_values` gives them.
SLOTS = ("nonce", "results", "area", "count", "switch")
OTHER_LANGUAGE = {"cy": "en"}  # any other page language links to Welsh (language_switcher.html)


@dataclass(frozen=True)
class Frame:
    """The page as text and slots (indexes into `SLOTS`), in order."""

    template: Template  # what it was rendered from: a reloaded template (development) builds anew
    pieces: tuple[str | int, ...]


class _StandInRequest:
    """What the templates read of the request, with markers for the per-request values."""

    def __init__(self, nonce: str, full_path: str) -> None:
        self.csp_nonce = nonce
        self._full_path = full_path

    def get_full_path(self) -> str:
        return self._full_path


def build(*, path: str, sample_data: bool, counted: bool) -> Frame:
    """Render the search page once with markers and split it (the current language and URLconf)."""
    template = get_template(TEMPLATE)
    token = secrets.token_hex(16)  # only hex letters: unchanged by escaping and URL quoting
    marks = {name: f"sm{token}{i}x" for i, name in enumerate(SLOTS)}
    language = get_language()
    switch_to = OTHER_LANGUAGE.get(language, "cy")
    stand_in_path = f"{path}?q{token}"
    # The context processors' values (settings TEMPLATES) for an anonymous visitor with no messages.
    html = template.render({
        "request": _StandInRequest(marks["nonce"], stand_in_path),
        "user": AnonymousUser(), "messages": [], "LANGUAGES": settings.LANGUAGES,
        "LANGUAGE_CODE": language, "LANGUAGE_BIDI": get_language_bidi(),
        "sample_data_loaded": sample_data, "shortlist_count": marks["count"] if counted else 0,
        "area_name": marks["area"], "results_html": mark_safe(marks["results"]),
    })
    # The language link is the stand-in path put in the other language: all of it is the slot.
    html = html.replace(conditional_escape(url_in_language(stand_in_path, switch_to)), marks["switch"])
    if f"q{token}" in html:
        raise RuntimeError(f"{TEMPLATE}: the link to the other language is not where search_page.py expects")
    slot_of = {mark: i for i, mark in enumerate(marks.values())}
    parts = re.split("(" + "|".join(slot_of) + ")", html)
    pieces = tuple(slot_of[part] if i % 2 else part for i, part in enumerate(parts))
    missing = set(range(len(SLOTS))) - {p for p in pieces if isinstance(p, int)}
    if not counted:
        missing.discard(SLOTS.index("count"))
    if missing:
        raise RuntimeError(f"{TEMPLATE} no longer shows {', '.join(SLOTS[i] for i in sorted(missing))} "
                           "as directory/search_page.py expects: update it with the template")
    return Frame(template=template.template, pieces=pieces)


# Built frames by (language, script prefix, URLconf, path, sample data shown, shortlist count shown):
# a handful per process (the search page has two paths, one per language).
_frames: dict[tuple, Frame] = {}
MAX_FRAMES = 64


@receiver(setting_changed)
def _forget_frames(**kwargs: object) -> None:
    # Tests override settings (static files, URLs, languages) that the pieces hold.
    _frames.clear()
    _switch_path.cache_clear()


def _frame(path: str, sample_data: bool, counted: bool) -> Frame:
    key = (get_language(), get_script_prefix(), get_urlconf(), path, sample_data, counted)
    frame = _frames.get(key)
    if frame is None or frame.template is not get_template(TEMPLATE).template:
        if len(_frames) >= MAX_FRAMES:
            _frames.clear()
        frame = _frames[key] = build(path=path, sample_data=sample_data, counted=counted)
    return frame


@lru_cache(maxsize=16)
def _switch_path(path: str, language: str) -> str:
    return url_in_language(path, language)


def _switch_link(request: HttpRequest) -> str:
    """`url_in_language(request.get_full_path(), other language)`, the query string appended to the
    path's translation (the same, for a query without "#": `urlsplit` would cut a fragment there)."""
    full_path = request.get_full_path()
    switch_to = OTHER_LANGUAGE.get(get_language(), "cy")
    path, sep, query = full_path.partition("?")
    if "#" in query:
        return url_in_language(full_path, switch_to)
    return _switch_path(path, switch_to) + sep + query


def render_search(
    request: HttpRequest, *, results_html: SafeString, area_name: str, shortlisted: set, shortlist_count: int,
) -> HttpResponse:
    """The search page with its results: what `render(request, "directory/search.html", …)` gives."""
    context = {"shortlisted": shortlisted, "area_name": area_name, "results_html": results_html}
    # Messages and a provider's menu are not in the pieces (and are rare on this page).
    user = getattr(request, "user", None)
    if not (area_name and results_html) or get_messages(request) or (user is not None and user.is_authenticated):
        return render(request, TEMPLATE, context)
    frame = _frame(request.path, sample_data_loaded(), bool(shortlist_count))
    values = (
        # django-csp's lazy nonce: reading it puts it in the response's header, as the template does.
        conditional_escape(getattr(request, "csp_nonce", "")), results_html, conditional_escape(area_name),
        conditional_escape(formats.localize(shortlist_count)), conditional_escape(_switch_link(request)),
    )
    return HttpResponse("".join([p if isinstance(p, str) else values[p] for p in frame.pieces]))
