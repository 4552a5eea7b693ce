"""Responses do not say they vary by the Accept-Language header, because they do not.

A page's language comes from its path alone (/cy/… is Welsh, every other path English:
`i18n_patterns(prefix_default_language=False)`), and the API is English. Django's LocaleMiddleware
still adds `Vary: Accept-Language` to every response outside a language prefix, which makes a
shared cache (a CDN in front of the API, the reverse proxy) keep a copy per browser language for
no difference. Listed before LocaleMiddleware, so it sees the header once that has added it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import cc_delim_re


class NoAcceptLanguageVaryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Vary" in response:
            kept = [value for value in cc_delim_re.split(response["Vary"]) if value and value.lower() != "accept-language"]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response
