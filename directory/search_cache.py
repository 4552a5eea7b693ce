"""The search page's results and form, rendered once per search link, day and language (and again
when a service the search weighs changes), and kept briefly in Django's cache (Redis, shared by
every app server, when configured).

A national search costs tens of milliseconds of Python: weighing hundreds of candidates, then
rendering twenty result cards and the form. The same link asked again (a colleague opening a
shared search, the back button, the other sort and back) then costs one cache read: a page is kept
from its second ask, as most searches are asked once (servicemap/cache_admission.py).

What is kept, and for how long: the rendered HTML of the page's content, which shows the search
(the postcode in the form and the links: a district or sector at most, as a full postcode is cut
before it reaches a search's address, directory/postcode_privacy.py), for `CACHE_SECONDS` at most, sealed (AES-256-GCM from
`cryptography`: encrypted with an authentication tag) under a key derived from the site's secret
*and the search itself*. Whoever can read the cache (a Redis dump, a shared server) therefore cannot read a search
out of it, nor tell which postcodes were searched, without already knowing the search and the
secret. The cache's key is another keyed hash of the same, and nothing here is logged.

Correctness: the key holds the directory's generation (replaced by any change whose reach is not
known service by service: areas, postcodes, an import), today's date (waits say "reported 3 days
ago") and the language (the cache's key prefix holds the release); the query string is kept whole
because the page's links are built from it. With the page is kept the directory version it is
known to be current at (`directory.version.current()`: every public change replaces it, and every
app server reads it from the shared database). At that version the page is served as it is. At a
later one it is served only if the services its search weighed, and their versions, are still the
same (`selectors.candidates_digest`; any change to what a search shows of a service replaces its
`render_token`), and rendered afresh otherwise: a provider's new wait in Bangor does not make every
Cardiff search a first-time search again.
Only what depends on the visitor is left out: each result's shortlist button (session state and
the CSRF token; its hole holds the service's id, name and whether the name is English on a Welsh
page) and the map's script nonce. They are left as holes while rendering and filled per
request (`fill`).

The page's text is kept as UTF-8 bytes, and a cached page stays bytes to the response
(`search_page.render_search`): decoding and encoding again ~90 kB of text with Welsh and
typographic characters on every request cost more than anything else a cached page does.

AES-GCM rather than Fernet (AES-128-CBC, HMAC-SHA256, base64): it seals and opens the ~60 kB of a
page in a few microseconds, where Fernet's base64 alone cost a fifth of a millisecond per page.
Each key seals one search's page, a handful of times a day, so random 96-bit nonces never repeat.
"""

from __future__ import annotations

import html
import os
import pickle
import secrets
from dataclasses import dataclass, field
from functools import partial
from types import SimpleNamespace
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import Context
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from directory import template_pieces
from directory.bilingual import translated_text
from servicemap import cache_admission
from servicemap.templatetags.security import add_nonce

CACHE_SECONDS = 10 * 60
_NONCE_BYTES = 12  # AES-GCM's standard nonce
SHORTLIST_BUTTON = "directory/includes/shortlist_button.html"


# What a cached page holds (`CachedSearch`): a page kept by a release that held something else is
# never read (its key and seal differ), so a deploy cannot serve one it does not understand.
FORMAT = "bytes-7"


def _material(request: HttpRequest, generation: str) -> str:
    return "\n".join((
        FORMAT, generation, timezone.localdate().isoformat(), get_language() or "", request.path,
        request.META.get("QUERY_STRING", ""),
    ))


def _key_for(material: str) -> str:
    return "directory:search-page:" + salted_hmac("directory.search_cache", material).hexdigest()


def _sealer_for(material: str) -> AESGCM:
    return AESGCM(salted_hmac("directory.search_cache.seal", material, algorithm="sha256").digest())


def cache_key(request: HttpRequest, generation: str) -> str:
    """The key of this search page for this generation of the directory."""
    return _key_for(_material(request, generation))


def load(request: HttpRequest, generation: str) -> CachedSearch | None:
    """This search's cached page, or None (whether it is current is the caller's to check:
    `CachedSearch.version`)."""
    return look_up(request, generation)[0]


def look_up(request: HttpRequest, generation: str) -> tuple[CachedSearch | None, object]:
    """`load`, and what the cache held under this search's key (None: nothing), for `keep`."""
    material = _material(request, generation)
    sealed = cache.get(_key_for(material))
    if not isinstance(sealed, bytes):
        return None, sealed
    try:
        # Only this module can seal (the key needs the site's secret), so what opens is ours.
        opened = _sealer_for(material).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], None)
    except (InvalidTag, ValueError):  # ValueError: too short to hold a nonce
        return None, sealed  # from another release or secret: render afresh
    return pickle.loads(opened), sealed  # noqa: S301


def keep(request: HttpRequest, generation: str, found: CachedSearch, *, held: object) -> None:
    """`save` this page if its search was asked before (`held`: what `look_up` found under its
    key), else only mark the search as asked once: most searches are asked once, and a page is
    kept from its second ask (servicemap/cache_admission.py)."""
    if cache_admission.asked_before(held):
        save(request, generation, found)
    else:
        cache_admission.mark(cache_key(request, generation), CACHE_SECONDS)


def save(request: HttpRequest, generation: str, found: CachedSearch) -> None:
    material = _material(request, generation)
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _sealer_for(material).encrypt(nonce, pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL), None)
    cache.set(_key_for(material), nonce + sealed, CACHE_SECONDS)


@dataclass(frozen=True)
class ShortlistedService:
    """What a shortlist button shows of a service."""

    public_id: UUID
    name: str


@dataclass
class Holes:
    """The per-visitor pieces of a page rendered for the cache, left as markers in the HTML.

    The marker holds a random token, so no text from the directory can be taken for one.
    """

    token: str = field(default_factory=lambda: secrets.token_hex(16))
    pieces: list[tuple[str, ...]] = field(default_factory=list)
    # The page's language: on an English page no name is English on a Welsh page, and asking
    # `translated_text` twenty times a page for that cost ~3% of a first-time search.
    language: str = field(default_factory=lambda: (get_language() or settings.LANGUAGE_CODE).split("-")[0])

    def _marker(self, piece: tuple[str, ...]) -> SafeString:
        self.pieces.append(piece)
        return SafeString(f"<!--hole:{self.token}:{len(self.pieces) - 1}-->")  # as mark_safe, for a str

    def shortlist_button(self, service: object) -> SafeString:
        # The name escaped as the template's {{ service.name }} does (`conditional_escape`: a plain
        # str as `escape`, html.escape, without its wrappers; twenty a page), and marked English
        # where the template's `{% lang_attr service "name" %}` marks it (`ENGLISH_NAME`).
        name = service.name
        escaped = html.escape(name) if name.__class__ is str else str(conditional_escape(name))
        english = ""
        if self.language != settings.LANGUAGE_CODE and translated_text(service, "name", self.language).is_fallback:
            english = ENGLISH_NAME
        return self._marker(("shortlist", str(service.public_id), escaped, english))

    def map(self, html: str) -> SafeString:
        # Cut where `add_nonce` puts a nonce: each request joins the pieces with its own.
        return self._marker(("map", *add_nonce(str(html), self.token).split(f' nonce="{self.token}"')))

    def split(self, html: str) -> tuple[bytes | tuple[str, ...], ...]:
        """The HTML as UTF-8 text and holes, in order."""
        # str.split, not a regex: the pattern holds this page's random token, so a regex was
        # compiled anew for every page (~0.1 ms); the token also means the prefix is only ever a marker.
        first, *rest = html.split(f"<!--hole:{self.token}:")
        parts: list[bytes | tuple[str, ...]] = [first.encode()]
        for chunk in rest:
            number, text = chunk.split("-->", 1)
            parts += [self.pieces[int(number)], text.encode()]
        return tuple(parts)


@dataclass(frozen=True)
class CachedSearch:
    title: str  # the page's title: the number found, the area and the page of pages
    parts: tuple[bytes | tuple[str, ...], ...]  # the content: HTML (UTF-8), and holes (`Holes`)
    # What the unmet-demand counter records for a new search of this link (None: nothing to count).
    unmet: dict | None
    version: str  # the directory version the page is known to be current at
    # Whether it still is at a later version: the search's local authority and point (as the
    # sealed page shows its postcode anyway) and `SearchOutcome.candidates` when it was rendered.
    lad_code: str
    point: tuple[float, float] | None
    candidates: bytes


# A button's slots: its service's id and name (per button), the CSRF token and the page's path (per page).
_BUTTON_SLOTS = ("id", "name", "csrf_token", "path")
_ID, _NAME, _TOKEN, _PATH = range(len(_BUTTON_SLOTS))
# In a shortlist hole: the service's name is English on a Welsh page (it has no Welsh one), so its
# button is the one whose name is marked lang="en".
ENGLISH_NAME = "en"


def fill(parts: tuple[bytes | tuple[str, ...], ...], request: HttpRequest, shortlisted: set[UUID]) -> bytes:
    """The cached content with this visitor's pieces, as UTF-8: shortlist buttons (with this
    session's state and CSRF token, as the include renders them) and the map's script nonce.

    The button template is rendered once per process and language (on / not on the shortlist)
    with markers for the service, token and path (`template_pieces`); each button then joins
    those pieces: twenty renders cost more than the rest of a cached page.
    """
    buttons: _Buttons | None = None
    on_list = {str(public_id) for public_id in shortlisted}
    out: list[bytes] = []
    for part in parts:
        if part.__class__ is bytes:
            out.append(part)
        elif part[0] == "shortlist":
            if buttons is None:
                buttons = _Buttons(request)
            values = (part[1].encode(), part[2].encode())  # the id and the escaped name
            button = buttons[part[1] in on_list, part[3] == ENGLISH_NAME]
            out.extend([values[p] if p.__class__ is int else p for p in button])
        else:
            # str(): django-csp's lazy nonce is falsy until something reads it, and the page's own
            # script tags (which read it) come later, in base.html.
            nonce = getattr(request, "csp_nonce", None)
            out.append((f' nonce="{nonce}"'.join(part[1:]) if nonce is not None else "".join(part[1:])).encode())
    return b"".join(out)  # every part came from our templates, escaped there


class _Buttons(dict):
    """A request's buttons by state (on the shortlist; the name English on a Welsh page), each built
    when first asked for: as UTF-8, with this request's CSRF token and path in place, the service's id
    and name still slots (`_ID`, `_NAME`)."""

    def __init__(self, request: HttpRequest) -> None:
        super().__init__()
        # One token for the page's forms, taken only if a button shows it (as the template's lazy
        # `csrf_token`): a page without results sets no CSRF cookie.
        self.page_values = {
            _TOKEN: conditional_escape(get_token(request)), _PATH: conditional_escape(request.get_full_path())}

    def __missing__(self, state: tuple[bool, bool]) -> list[bytes | int]:
        filled: list[str | int] = []
        for piece in template_pieces.pieces_for(SHORTLIST_BUTTON, state, partial(_button, state=state)).pieces:
            piece = self.page_values.get(piece, piece)
            if isinstance(piece, str) and filled and isinstance(filled[-1], str):
                filled[-1] += piece
            else:
                filled.append(piece)
        button = self[state] = [piece.encode() if isinstance(piece, str) else piece for piece in filled]
        return button


def _button(template: object, state: tuple[bool, bool]) -> tuple[str | int, ...]:
    on_list, english_name = state
    marks = template_pieces.marks(_BUTTON_SLOTS)
    # A stand-in service: its name a slot, with the English and Welsh names the template's
    # `lang_attr` reads to mark it English or not (on an English page it marks neither).
    service = SimpleNamespace(public_id=marks["id"], name=marks["name"], name_en="-",
                              name_cy="" if english_name else "-")
    html = template.template.render(Context({
        "request": template_pieces.StandInRequest(marks["path"]), "csrf_token": marks["csrf_token"],
        "service": service, "shortlisted": {marks["id"]} if on_list else set(),
    }))
    return template_pieces.split(html, marks)
