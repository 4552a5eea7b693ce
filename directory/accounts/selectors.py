"""Reads about accounts for the moderators' pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet

from directory.accounts.models import Membership
from directory.bilingual import in_language
from directory.models import ServiceChange


@dataclass(frozen=True)
class ClosedAccount:
    user: object
    closed_at: datetime
    erase_on: datetime
    # Each organisation it could edit, and whether an open account still can.
    organisations: list[tuple[str, bool]]


def account_list_closed_unused() -> list[ClosedAccount]:
    """Accounts closed for not being used and not yet erased, most recently closed first: a moderator
    may open one again until its erase date. Three queries, however many."""
    users = list(
        get_user_model().objects.filter(
            is_active=False, dormancy__closed_at__isnull=False, dormancy__erased_at__isnull=True)
        .select_related("dormancy")
        .prefetch_related(Prefetch("memberships", Membership.objects.select_related("organisation")))
        .order_by("-dormancy__closed_at", "email")
    )
    organisation_ids = {m.organisation_id for user in users for m in user.memberships.all()}
    edited = set(Membership.objects.filter(organisation_id__in=organisation_ids, user__is_active=True)
                 .values_list("organisation_id", flat=True))
    keep = timedelta(days=settings.ERASE_CLOSED_ACCOUNTS_DAYS)
    return [
        ClosedAccount(
            user=user, closed_at=user.dormancy.closed_at, erase_on=user.dormancy.closed_at + keep,
            organisations=[(m.organisation.name, m.organisation_id in edited) for m in user.memberships.all()],
        )
        for user in users
    ]


def membership_list_open(*, search: str = "") -> QuerySet[Membership]:
    """Who can edit which organisation's listings (the memberships of open accounts), by organisation
    then email, for a moderator to remove someone who has left. `search` matches part of the
    organisation's English or Welsh name or of the email address, in any letter case ("ŵyr" finds
    "Ŵyr": `foldcontains`, as the all-services search). One query (and one to count a page's list)."""
    memberships = Membership.objects.filter(user__is_active=True)
    if search := search.strip():
        memberships = memberships.filter(
            Q(organisation__name_en__foldcontains=search) | Q(organisation__name_cy__foldcontains=search)
            | Q(user__email__foldcontains=search)
        )
    return (
        memberships.select_related("user", "organisation")
        .order_by(in_language("organisation__name"), "organisation_id", "user__email", "pk")
    )


def membership_changes_pending(*, membership: Membership) -> int:
    """How many changes to the organisation's listings this member sent that wait for approval: they
    stay in the queue when their access is taken away (the moderator removing it is told). One query."""
    return ServiceChange.objects.filter(
        state=ServiceChange.State.PENDING, submitted_by_id=membership.user_id,
        service__organisation_id=membership.organisation_id,
    ).count()
