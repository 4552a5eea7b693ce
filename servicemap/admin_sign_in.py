"""The admin signs in through the site's own sign-in page, not a form of its own.

`/admin/login/` was a second sign-in form: django-axes locked an address there as on ours, but the
per-client limit on wrong passwords for any addresses (SIGN_IN_FAILURE_RATE, directory/accounts/views.py)
was on ours alone, so a client limited there could carry on at /admin/login/.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse


def sign_in(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """Signed out: to the site's sign-in page, and back to the admin after. Signed in without
    admin access: 403 (sending them to sign in would bring them straight back here), saying that the
    admin is the administrators': the site's own 403 said only moderators approve changes, which a
    moderator without admin access read as a fault in their own account."""
    if request.user.is_authenticated:
        return render(request, "403.html", {"admin_refused": True}, status=403)
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"), login_url=reverse("accounts:login"))
