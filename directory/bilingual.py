"""Pure helpers for a bilingual site: the other language's address, and provider text with fallback.

Provider-written text (name, description, eligibility, how to refer) is stored in English and
optionally in Welsh by django-modeltranslation (`description_en`, `description_cy`). On a Welsh
page the Welsh column is shown where the provider filled it in; otherwise the English text is
shown *and the page says so*, marked `lang="en"` so screen readers switch voice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import URLResolver, get_resolver, reverse, translate_url
from django.urls.resolvers import LocalePrefixPattern
from django.utils import translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from modeltranslation.utils import get_language as translation_language
from modeltranslation.utils import resolution_order

DEFAULT_LANGUAGE = settings.LANGUAGE_CODE


def _language_prefixes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES if code != DEFAULT_LANGUAGE}


def _strip_language_prefix(path: str) -> str:
    for code in _language_prefixes():
        prefix = f"/{code}/"
        if path.startswith(prefix):
            return path[len(prefix) - 1 :]
        if path == f"/{code}":
            return "/"
    return path


def has_language_versions(full_path: str) -> bool:
    """Whether the page at `full_path` has an address in each language: whether the path (without
    a language prefix) is one the language-prefixed patterns serve. The open APIs and their docs,
    static files, the map shapes and robots.txt have one address only (servicemap/urls.py, before
    i18n_patterns), so the other language's prefix in front of it is a 404: an error page there (the
    docs page's 405) links to no other language rather than to that."""
    path = _strip_language_prefix(full_path.partition("?")[0])
    if path.startswith(_single_address_prefixes()):
        return False
    return not any(
        entry.pattern.match(path.removeprefix("/"))
        for entry in get_resolver().url_patterns
        if not (isinstance(entry, URLResolver) and isinstance(entry.pattern, LocalePrefixPattern))
    )


def paths_in_every_language(url_name: str) -> frozenset[str]:
    """The path of the page named `url_name` in each language ("/search/", "/cy/search/"): to know
    that page's address whichever language it was opened in (a `next` or a `Referer`)."""
    paths = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            paths.add(reverse(url_name))
    return frozenset(paths)


def _single_address_prefixes() -> tuple[str, ...]:
    # Every /api/ address, an unknown one included (its 404 is JSON, servicemap/errors.py), and the
    # static and uploaded files, which no URL pattern names.
    return tuple(prefix for prefix in ("/api/", settings.STATIC_URL, settings.MEDIA_URL) if prefix and prefix != "/")


def url_in_language(full_path: str, language: str) -> str:
    """The same page (path and query string) in `language`: /search/?a=b <-> /cy/search/?a=b.

    Django's `translate_url` re-reverses the resolved view, so translated paths stay right;
    for a path that does not resolve (a 404 page) only the language prefix is swapped.
    """
    translated = translate_url(full_path, language)
    if translated != full_path:
        return translated
    path, sep, query = full_path.partition("?")
    # One leading slash: "/cy//evil.example/" (a 404, so it gets here) would otherwise give the
    # English link "//evil.example/", which a browser follows to another site, as it does "/\evil".
    bare = "/" + _strip_language_prefix(path).lstrip("/\\")
    if language != DEFAULT_LANGUAGE:
        bare = f"/{language}{bare}"
    return f"{bare}{sep}{query}"


def area_display_name(name: str, name_cy: str, language: str | None = None) -> str:
    """The Welsh name on Welsh pages where one is known, else the English name."""
    language = (language or get_language() or DEFAULT_LANGUAGE).split("-")[0]
    return name_cy if language == "cy" and name_cy else name


def area_name_language(name: str, name_cy: str, language: str | None = None) -> str:
    """The language `area_display_name` gives the name in, where it is not the page's: "en" on a
    Welsh page for an area with no Welsh name known (an English county a service reaches over the
    border), so a screen reader says it in English; else ""."""
    language = (language or get_language() or DEFAULT_LANGUAGE).split("-")[0]
    return DEFAULT_LANGUAGE if language != DEFAULT_LANGUAGE and name and not name_cy else ""


class NamedInBothLanguages:
    """For anything with a `name` and an optional Welsh `name_cy` (a location, a map's place)."""

    name: str
    name_cy: str

    @property
    def display_name(self) -> str:
        """The name in the active language: the Welsh name on a Welsh page where one is given."""
        return area_display_name(self.name, self.name_cy)

    @property
    def name_language(self) -> str:
        """"en" where `display_name` is the English name standing in on a Welsh page (for `lang`), else ""."""
        return area_name_language(self.name, self.name_cy)


@dataclass(frozen=True)
class TranslatedText:
    text: str
    lang: str  # the language the text is actually in
    is_fallback: bool  # True on a non-English page showing English because no translation exists


def translated_text(obj: object, field: str, language: str | None = None) -> TranslatedText:
    """`obj.field` in the active language, saying whether it fell back to English."""
    language = (language or get_language() or DEFAULT_LANGUAGE).split("-")[0]
    default_text = getattr(obj, f"{field}_{DEFAULT_LANGUAGE}", None)
    if default_text is None:  # not a translated field: plain attribute, in the default language
        return TranslatedText(str(getattr(obj, field, "") or ""), DEFAULT_LANGUAGE, False)
    if language == DEFAULT_LANGUAGE:
        return TranslatedText(default_text or "", DEFAULT_LANGUAGE, False)
    own = getattr(obj, f"{field}_{language}", None) or ""
    if own.strip():
        return TranslatedText(own, language, False)
    return TranslatedText(default_text or "", DEFAULT_LANGUAGE, bool((default_text or "").strip()))


def text_in_its_language(obj: object, field: str) -> SafeString:
    """`obj.field` as HTML for a sentence on the page, in a `<span lang="en">` where an English text
    stands in on a Welsh page (as `lang_attr` marks it in templates), so a screen reader reads the
    name in English inside a Welsh message, not with Welsh sounds."""
    translated = translated_text(obj, field)
    if translated.is_fallback:
        return format_html('<span lang="{}">{}</span>', translated.lang, translated.text)
    return conditional_escape(translated.text)


def in_language(field: str) -> F | Coalesce:
    """A translated field (`name`, `organisation__name`) as it is read in the active language
    (modeltranslation's read), on a page or in an Open Referral document: its column in that
    language, or where that is empty the next in fallback order (English). For ordering and
    searching: the field's own name stands for the active language's column alone, so a Welsh
    search missed every service without a Welsh name, and a Welsh list put them all together, in
    id order, after (PostgreSQL) or before (SQLite) the others. In English, the English column."""
    columns = [F(f"{field}_{code}") for code in resolution_order(translation_language())]
    if len(columns) == 1:
        return columns[0]
    text = TextField()  # a name's and a description's columns are CharField and TextField
    return Coalesce(*(NullIf(column, Value(""), output_field=text) for column in columns[:-1]), columns[-1],
                    output_field=text)
