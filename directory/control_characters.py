"""Control characters in a page's address: NUL and the like, which no one types into a form.

A link holding them ("?postcode=CF10%00", "?letter=%1B") had them echoed back into the page (in a
box's value, an error message, a notice), where they are not valid HTML; and PostgreSQL refuses a
NUL in any text it is asked to compare (the admin's list filters, `?kind=a%00b`, were a 500). Such
a link is sent on to the same address without them, for every page, by `ControlCharactersMiddleware`;
a request that cannot be sent on (a form's POST) is a 400. Tabs and line breaks are kept: they are
spaces to the forms, which strip them.

Not the APIs under /api/: they answer with a JSON 400 naming the parameter, as for any other bad
value. Nor a view marked `@handled_in_view`: the search cuts a full postcode in the same redirect.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip(text: str) -> str:
    return _CONTROL.sub("", text)


def holds(text: str) -> bool:
    """Whether `text` holds any of them (tabs and line breaks are not)."""
    return _CONTROL.search(text) is not None


def query_without(query: QueryDict) -> str | None:
    """`query` as a query string with every control character taken out of its names and values
    (a name that was nothing else left out), or None when it holds none (the usual case: the
    address is used as it is)."""
    if not any(_CONTROL.search(name) or any(_CONTROL.search(v) for v in values) for name, values in query.lists()):
        return None
    cleaned = QueryDict(mutable=True)
    for name, values in query.lists():
        for value in values if strip(name) else ():
            cleaned.appendlist(strip(name), strip(value))  # "la" and "la%00" are both kept, as two
    return cleaned.urlencode()


def handled_in_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Marks a view that takes control characters out of its address itself (see the module)."""
    view.handles_control_characters = True
    return view


class ControlCharactersMiddleware:
    """Any page's address with control characters in its query: the same address without them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        # After routing, so a view that does this itself can say so (`handled_in_view`).
        if (not request.META.get("QUERY_STRING") or request.path_info.startswith("/api/")
                or getattr(view, "handles_control_characters", False)):
            return None
        cleaned = query_without(request.GET)
        if cleaned is None:
            return None
        if request.method not in ("GET", "HEAD"):
            # A redirect would lose what was sent with it; the site's 400 page instead.
            raise BadRequest("Control characters in the query string")
        return HttpResponseRedirect(f"{request.path}?{cleaned}" if cleaned else request.path)
