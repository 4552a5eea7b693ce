"""Who may open a page, and what happens to a form sent by someone whose session has ended.

A session ends after SESSION_COOKIE_AGE (8 hours) or when the browser closes, often while a provider
is half-way through a long edit. Their "Save" then reaches us signed out: the sign-in page used to
answer it, and after signing in the form came back as stored, everything typed lost. What was sent
is now kept in the new (signed-out) session, which survives signing in (Django's login() keeps the
data of an anonymous session), and the form's page fills its form from it once, unsaved.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from directory.accounts.roles import is_moderator

KEPT_FORM = "form_sent_signed_out"
KEPT_FORM_MAX_CHARACTERS = 50_000
SIGNED_OUT_NOT_SAVED = _(
    "You were signed out, so what you sent has not been saved. Sign in again to go back to where you were."
)
FORM_KEPT = _(
    "This form is filled in as you left it when you were signed out. Nothing has been saved yet: "
    "check it, then send it again."
)


def _referring_page(request: HttpRequest) -> str | None:
    """The page on this site a form was sent from (browsers send it: SECURE_REFERRER_POLICY "same-origin")."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure(),
    ):
        return None
    parts = urlsplit(referer)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _sign_in_again(request: HttpRequest, *, form_elsewhere: bool) -> HttpResponse:
    """To the sign-in page, and from it back to the page of the form that was sent, filled in.
    `form_elsewhere`: the address only takes POST (a button such as "Do not approve"), so the form's
    page is the one it was sent from; a GET of the address itself would be a blank 405."""
    if request.method != "POST":
        return redirect_to_login(request.get_full_path())
    page = request.get_full_path()
    if form_elsewhere:
        page = _referring_page(request) or reverse("listings:dashboard")
    # The CSRF token is the old one (the page puts in a fresh one); a password is never kept.
    data = {name: values for name, values in request.POST.lists()
            if name != "csrfmiddlewaretoken" and "password" not in name}
    # Every session is a database row: what no form of ours can hold (a listing's longest boxes
    # come to about 13,000 characters) is not stored for whoever sent it.
    if sum(len(name) + sum(map(len, values)) for name, values in data.items()) <= KEPT_FORM_MAX_CHARACTERS:
        request.session[KEPT_FORM] = {"page": page, "data": data}
    messages.warning(request, SIGNED_OUT_NOT_SAVED)
    return redirect_to_login(page)


def kept_form(request: HttpRequest) -> QueryDict | None:
    """What was sent from this page while signed out, to fill its form with, once (then forgotten)."""
    kept = request.session.get(KEPT_FORM)
    if request.method != "GET" or not kept or kept["page"] != request.get_full_path():
        return None
    del request.session[KEPT_FORM]
    data = QueryDict(mutable=True)
    for name, values in kept["data"].items():
        data.setlist(name, values)
    messages.warning(request, FORM_KEPT)
    return data


def form_data(request: HttpRequest) -> QueryDict | None:
    """A form's data: what was posted, or what was sent from this page while signed out (filled in
    again, not saved: `kept_form`), or None for a form not sent."""
    return request.POST if request.method == "POST" else kept_form(request)


def _guard(view, *, moderator: bool, post_only: bool):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _sign_in_again(request, form_elsewhere=post_only)
        if moderator and not is_moderator(request.user):
            raise PermissionDenied
        if post_only and request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, *args, **kwargs)

    return wrapper


def login_required(view):
    """Django's login_required, keeping a form sent after the session ended (the module's docstring)."""
    return _guard(view, moderator=False, post_only=False)


def login_required_post(view):
    """A button's action (POST only) for anyone signed in: signed out, back to the page it was on."""
    return _guard(view, moderator=False, post_only=True)


def moderator_required(view):
    """Anonymous: to the sign-in page, keeping a form they sent. Signed in but not a moderator: 403."""
    return _guard(view, moderator=True, post_only=False)


def moderator_required_post(view):
    """A moderator's button (POST only): signed out, back to the page it was on, its form filled in."""
    return _guard(view, moderator=True, post_only=True)
