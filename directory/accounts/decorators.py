from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from directory.accounts.roles import is_moderator


def moderator_required(view):
    """Anonymous: to the sign-in page. Signed in but not a moderator: 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_moderator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
