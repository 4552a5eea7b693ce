from __future__ import annotations

from django.contrib import admin

from directory.accounts.models import Invitation, Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "created_at"]
    search_fields = ["user__email", "organisation__name"]
    list_select_related = ["user", "organisation"]
    raw_id_fields = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent from /accounts/invite/ (which emails the link); here they are only listed."""

    list_display = ["email", "organisation", "invited_by", "created_at", "accepted_at"]
    search_fields = ["email", "organisation__name"]
    list_select_related = ["organisation", "invited_by"]
    readonly_fields = ["email", "organisation", "invited_by", "created_at", "accepted_at", "accepted_by"]

    def has_add_permission(self, request) -> bool:
        return False
