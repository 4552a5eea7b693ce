"""Role checks, in one place: every view and service asks these."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, Permission
from django.db.models import Q, QuerySet

from directory.accounts.models import Membership

MODERATE_PERMISSION = "directory.moderate_directory"
MODERATORS_GROUP = "Moderators"



def is_moderator(user) -> bool:
    """Active user holding the moderation permission (superusers hold every permission)."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(MODERATE_PERMISSION))


def editable_organisation_ids(user) -> set[int]:
    """Organisations whose listings this user may edit as a provider (moderators: see is_moderator)."""
    if isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_editable_organisation_ids", None)
    if cached is None:
        cached = set(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))
        user._editable_organisation_ids = cached
    return cached


def moderator_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="directory", codename="moderate_directory")


def moderator_users() -> QuerySet:
    """Active moderators (superusers, the Moderators group, or the permission given directly)."""
    from django.contrib.auth import get_user_model

    perm = moderator_permission()
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__permissions=perm) | Q(user_permissions=perm))
        .distinct()
        .order_by("email")
    )


def moderators_at_any_time() -> QuerySet:
    """Everyone with moderator rights, active or not (what they did then was a moderator's act), in
    one query: the permission matched by its name through the joins, not fetched first."""
    from django.contrib.auth import get_user_model

    named = {"codename": "moderate_directory", "content_type__app_label": "directory"}
    return get_user_model().objects.filter(
        Q(is_superuser=True)
        | Q(**{f"groups__permissions__{key}": value for key, value in named.items()})
        | Q(**{f"user_permissions__{key}": value for key, value in named.items()})
    ).distinct()


def organisation_members(organisation_id: int) -> QuerySet:
    """The active provider editors of one organisation."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        is_active=True, pk__in=Membership.objects.filter(organisation_id=organisation_id).values("user_id"))


def organisation_member_emails(organisation_id: int) -> list[str]:
    """Email addresses of the active provider editors of one organisation."""
    return sorted({email for email in organisation_members(organisation_id).values_list("email", flat=True) if email})
