"""`Access-Control-Allow-Origin: *` on the open API, so any web page may read the feed; and
conditional GETs there (`OpenApiConditionalGetMiddleware`).

A dozen lines rather than django-cors-headers: the rule is one fixed header on fixed path
prefixes, with no credentials, no per-origin lists and no settings, and it must be on every
response there (errors and 429s included), which a middleware near the top guarantees.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.middleware.http import ConditionalGetMiddleware
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe, quote_etag

# The gaps API is as open: aggregates only, read without signing in (gaps/api.py).
OPEN_PREFIXES = ("/api/oruk/", "/api/schema/", "/api/gaps/")
# The same without their slash: Django redirects them to the prefixes (APPEND_SLASH), and a page
# on another origin can follow that redirect only if it carries the header too.
OPEN_ROOTS = tuple(prefix.rstrip("/") for prefix in OPEN_PREFIXES)


class OpenApiCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not (request.path.startswith(OPEN_PREFIXES) or request.path in OPEN_ROOTS):
            return self.get_response(request)
        if request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
            response = HttpResponse(status=204)  # a preflight: answer it here, whatever the path
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = request.META.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self.get_response(request)
        response["Access-Control-Allow-Origin"] = "*"
        # Not CORS-safelisted: a script on another origin reads them only if exposed (the ETag to
        # send back in If-None-Match, and how long a 429 asks it to wait).
        response["Access-Control-Expose-Headers"] = "ETag, Retry-After"
        return response


class OpenApiConditionalGetMiddleware(ConditionalGetMiddleware):
    """An ETag on the open APIs' answers, and a 304 for a GET or HEAD sending it back (If-None-Match):
    a directory polling the feed downloads a page (~350 KB of 50 full services) only when it changed.

    Django's own, on these prefixes only. A cached answer brings its ETag from its cache key
    (oruk/caching.py: hashing the body of a page of 50 full services cost ~0.5 ms; the key names
    the language); anything else here gets a hash of its body and its language. Errors and whole
    feeds (streamed) get none. Each answer says what a cache may keep of it (`cache_control`). The
    site's pages are left alone. Below the CORS middleware, so a 304
    carries its header too.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        # GET and HEAD alike. Django's own leaves HEAD alone (it expects an empty body there), but a
        # HEAD here is answered by the GET view, its body dropped only by the server after this: it
        # must carry the GET's headers, ETag included (RFC 9110 9.3.2), and If-None-Match applies
        # to it too (13.1.2). A harvester checking a page with `curl -I` saw no ETag and no 304.
        if not request.path.startswith(OPEN_PREFIXES) or request.method not in ("GET", "HEAD"):
            return response
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = cache_control(response)
        # Only an answer names a representation: a 400, 404 or 429 (which counts down its wait) had
        # an ETag of its body too, which a client keeping the last ETag it saw would send back.
        if not 200 <= response.status_code < 300:
            return response
        if self.needs_etag(response) and not response.has_header("ETag"):
            _set_language_etag(response)
        etag = response.get("ETag")
        last_modified = parse_http_date_safe(response["Last-Modified"]) if response.has_header("Last-Modified") else None
        if etag or last_modified:
            return get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
        return response


# What a client or a cache in between may keep of an open API's answer (the same for everyone: no
# sign-in is read there). An answer may be stored by any cache but used only once the server has
# confirmed it (If-None-Match, a 304 with no body while it has not changed): the directory changes
# when a moderator publishes, and a service that has just closed its list must not be shown open for
# a max-age longer. A whole feed (streamed, with no ETag to revalidate by, and megabytes) and an error
# (a 429 is one client's, and counts down) are not stored at all.
REVALIDATE = "public, no-cache"
DO_NOT_STORE = "no-store"


def cache_control(response: HttpResponse) -> str:
    """The Cache-Control of an open API's answer to a GET or HEAD (`REVALIDATE`'s comment says why)."""
    if response.streaming or not 200 <= response.status_code < 300:
        return DO_NOT_STORE
    return REVALIDATE


def _set_language_etag(response: HttpResponse) -> None:
    """A hash of the body with the answer's language after it: an API answer's language follows
    the client's Accept-Language (servicemap/vary_language.py), and a Welsh answer whose body is
    the English one (a taxonomy with no Welsh) must still not match an English client's ETag, nor
    be served to it by a cache revalidating with that ETag."""
    if not response.streaming and response.content:
        digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()  # as Django's own
        response["ETag"] = quote_etag(f"{digest}-{response.get('Content-Language', '')}")
