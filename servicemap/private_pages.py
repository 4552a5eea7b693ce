"""Pages shown to a signed-in provider or moderator are never stored by a browser or a cache.

They hold other people's email addresses, unpublished listings and moderation notes. Stored, they
stay on a shared or lost computer after sign-out (the browser's back button and cache show them),
and a shared cache could hand them on. Anonymous pages are left as each view marks them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Only a request with a session can be signed in: the rest never load one for this.
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            add_never_cache_headers(response)
        return response
