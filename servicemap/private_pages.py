"""Pages shown to a signed-in provider or moderator are never stored by a browser or a cache.

They hold other people's email addresses, unpublished listings and moderation notes. Stored, they
stay on a shared or lost computer after sign-out (the browser's back button and cache show them),
and a shared cache could hand them on. Anonymous pages are left as each view marks them, and so
is a response its view marks `same_for_everyone` (the maps' shapes file: public data, the same
for every visitor, that a provider's maps would otherwise fetch afresh on every page).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Only a request with a session can be signed in: the rest never load one for this.
        if getattr(response, "same_for_everyone", False):
            return response
        if settings.SESSION_COOKIE_NAME in request.COOKIES and _signed_in(request):
            add_never_cache_headers(response)
        return response


def _signed_in(request: HttpRequest) -> bool:
    # The API's views (DRF, UNAUTHENTICATED_USER None) set `request.user` to None when they do not
    # authenticate the client: every API page was a server error for anyone with a shortlist. The
    # session then says whether someone signed in.
    user = getattr(request, "user", None)
    return user.is_authenticated if user is not None else SESSION_KEY in request.session
