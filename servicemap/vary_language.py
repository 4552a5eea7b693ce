"""Which responses vary by the Accept-Language header: the open APIs' only, never a page.

A page's language comes from its path alone (/cy/… is Welsh, every other path English:
`i18n_patterns(prefix_default_language=False)`). Django's LocaleMiddleware still adds
`Vary: Accept-Language` to every response outside a language prefix, which makes a shared cache
(a CDN, the reverse proxy) keep a copy of each page per browser language for no difference:
`NoAcceptLanguageVaryMiddleware` takes it off.

The open APIs (/api/oruk/, /api/gaps/) have one address in both languages, and answer in the
language the client asks for (`ApiLanguageMiddleware`): `lang=cy` or, without it, `Accept-Language`
(a quality-ordered `cy-GB,cy;q=0.9,en;q=0.8` is Welsh; anything without Welsh, English). `lang`
is for a link, which cannot send a header (the Welsh gaps page's JSON link), and for clients that
cannot set one; a parameter rather than /cy/api/… addresses, because ORUK fixes its paths and a
harvester configured with the feed's address should not need a second one. Their answers carry
`Vary: Accept-Language` and `Content-Language`; the ETags differ by language too
(directory/oruk/caching.py, and directory/oruk/middleware.py for the others). Neither needs a CORS
header: `Accept-Language` is a CORS-safelisted request header and `Content-Language` a safelisted
response header. /api/schema/ and /api/docs/ stay English.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import cc_delim_re, patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

# The paths whose answers are in the language asked for.
LANGUAGE_NEGOTIATED_PREFIXES = ("/api/oruk/", "/api/gaps/")
# The query parameter naming the language outright (the APIs refuse any other value with a 400).
LANG_PARAMETER = "lang"


def negotiated(path: str) -> bool:
    return path.startswith(LANGUAGE_NEGOTIATED_PREFIXES)


def api_language(lang: str | None, accept_language: str) -> str:
    """The language of an open API's answer: `lang` if it is one of the site's languages, else the
    first of the header's languages (by quality) the site has, else English. As Django reads the
    header for a page outside i18n_patterns, but never from the language cookie: the answer must
    follow what `Vary` names, and a cookie set on the site's pages would split shared caches."""
    lang = (lang or "").strip().lower()  # as the APIs read it (directory/oruk/params.py: parse_lang)
    if lang in {code for code, _name in settings.LANGUAGES}:
        return lang
    for code, _quality in parse_accept_lang_header(accept_language):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class NoAcceptLanguageVaryMiddleware:
    """`Vary: Accept-Language` off every response but the open APIs'. Listed before
    LocaleMiddleware, so it sees the header once that has added it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Vary" in response and not negotiated(request.path):
            kept = [value for value in cc_delim_re.split(response["Vary"]) if value and value.lower() != "accept-language"]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response


class ApiLanguageMiddleware:
    """The open APIs' language (`api_language`), active while the view runs, in `Content-Language`,
    and `Vary: Accept-Language`. Listed after LocaleMiddleware, which has activated English for any
    path outside a language prefix."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if negotiated(request.path):
            language = api_language(request.GET.get(LANG_PARAMETER), request.headers.get("Accept-Language", ""))
            translation.activate(language)
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
            # An error's message (a 400 naming a parameter, a 404, a 429) is in English in either
            # language, as a developer reads it: the answer says so.
            response["Content-Language"] = language if response.status_code < 400 else settings.LANGUAGE_CODE
            patch_vary_headers(response, ("Accept-Language",))
            return response
        return self.get_response(request)
