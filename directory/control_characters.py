"""Control characters in a page's address: NUL and the like, which no one types into a form.

A link holding them ("?postcode=CF10%00", "?letter=%1B") had them echoed back into the page (in a
box's value, an error message, a notice), where they are not valid HTML; and PostgreSQL refuses a
NUL in any text it is asked to compare. Such a link is sent on to the same address without them: every page that reads its address
(search, A to Z, shortlist, gaps pages and their CSVs) does so, with `same_address_without` or
`@redirect_without_control_characters`. Tabs and line breaks are kept: they are spaces to the
forms, which strip them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip(text: str) -> str:
    return _CONTROL.sub("", text)


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


def same_address_without(request: HttpRequest) -> HttpResponseRedirect | None:
    """A redirect to this address without control characters, or None when it holds none."""
    cleaned = query_without(request.GET)
    if cleaned is None:
        return None
    return HttpResponseRedirect(f"{request.path}?{cleaned}" if cleaned else request.path)


def redirect_without_control_characters(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view that never sees a control character in its query: the address without them instead."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return same_address_without(request) or view(request, *args, **kwargs)

    return wrapped
