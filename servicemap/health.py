"""`/healthz/`: whether this app server can serve, for a load balancer or an orchestrator.

Answered by the first middleware, before host validation and the HTTPS redirect: a load balancer
asks over plain http, often by the server's own address, which `ALLOWED_HOSTS` rightly refuses
elsewhere. It says only whether the database and the shared cache answer, whether this process listens for
the directory's change notices (directory/version_notices.py), and the release; nothing about the
directory's content. It is never cached. The release only with `HEALTHZ_SHOWS_RELEASE` on (to see
that every server runs a new deploy): the answer goes to anyone who asks, and a release (often a git
commit) tells a stranger exactly which code runs here.

200 while the database answers, even with Redis out (the site serves without it:
servicemap/redis_cache.py); 503 when it does not, so the balancer stops sending requests here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse

from directory import version, version_notices

PATHS = frozenset({"/healthz", "/healthz/"})


def _database() -> str:
    try:
        version.read()  # the read every page makes first (not the process's copy: the database must answer)
    except DatabaseError:
        return "unavailable"
    return "ok"


def _cache() -> str:
    is_available = getattr(cache, "is_available", None)
    if is_available is None:
        return "local memory"  # this process's own: nothing to reach
    return "ok" if is_available() else "unavailable (serving without it)"


def health(request: HttpRequest) -> JsonResponse:
    database = _database()
    answer = {"status": "ok" if database == "ok" else "unavailable", "database": database,
              "cache": _cache(), "version_notices": version_notices.state()}
    if settings.HEALTHZ_SHOWS_RELEASE:
        answer["release"] = settings.RELEASE_ID
    response = JsonResponse(answer, status=200 if database == "ok" else 503)
    response["Cache-Control"] = "no-store"
    # Answered before SecurityMiddleware (and the proxy sends it on to anyone): the headers every
    # other response has from it, so no browser reads this JSON as anything else.
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = settings.SECURE_REFERRER_POLICY
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in PATHS and request.method in ("GET", "HEAD"):
            return health(request)
        return self.get_response(request)
