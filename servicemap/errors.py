"""The site's error pages: in the site's own style and language, with a way on, instead of
Django's bare "Not Found" and "Server Error (500)"; JSON under /api/, as the rest of the API.

A server error whose cause is the database being out of reach (or a transient failure it reports
as operational: a lock or statement timeout, a deadlock, a failover) answers 503 with Retry-After,
as a load balancer and a user should read it: try again shortly. Those pages, and the 400 and 500
pages, are rendered without the request's context (Django renders its own 400 and 500 so): nothing
on them may need the database, a session or a signed-in user (`errors/plain.html`).

A 405 (a button's address opened, reloaded or bookmarked; another method) is Django's empty page:
`MethodNotAllowedMiddleware` gives it the site's page.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

# Errors that say the database cannot answer now, not that the request or the code is wrong.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _api_error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"status": status, "detail": detail}, status=status)


def _plain(template_name: str, status: int) -> HttpResponse:
    return HttpResponse(loader.get_template(template_name).render(), status=status)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error(404, _("Nothing is published at this address."))
    return defaults.page_not_found(request, exception)  # templates/404.html, with the request's context


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        # A form past DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB, far beyond any box's limit: a paste gone
        # wrong) is refused before any view reads it, so no form can say which box: this page says
        # what happened and that going back keeps what was typed.
        if _is_api(request):
            return _api_error(413, _("The request is too large."))
        return _plain("413.html", 413)
    if _is_api(request):
        return _api_error(400, _("The request could not be read."))
    return _plain("400.html", 400)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception, so it can be told apart here.
    unavailable = isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE)
    if unavailable:
        response = (_api_error(503, _("The service is unavailable for a moment. Try again in a few minutes."))
                    if _is_api(request) else _plain("503.html", 503))
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if _is_api(request):
        return _api_error(500, _("Something went wrong on our side. Try again later."))
    return _plain("500.html", 500)


class MethodNotAllowedMiddleware:
    """Django answers a method a view does not take (require_POST, require_safe, a class-based view's
    http_method_names) with an empty 405: a blank white page, with no way on, for a button's address
    opened from the address bar or a bookmark, or reloaded. It gets the site's page in the page's
    language, saying nothing was changed (the view never ran); Allow is kept. The page tells the two
    kinds apart by the method: a GET is a button's or a form's address opened; another method (a
    form sent to a page for reading) is told the page is for reading only, with a link to it. The API's 405s are
    its own JSON, and the API docs page renders templates/405.html itself (DRF's HTML renderer)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.streaming or response.content:
            return response
        page = render(request, "405.html", status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page
