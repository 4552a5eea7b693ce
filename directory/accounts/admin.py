from __future__ import annotations

from django.contrib import admin

from directory.accounts.models import AccountDormancy, Invitation, Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "created_at"]
    search_fields = ["user__email", "organisation__name_en", "organisation__name_cy"]  # see directory/admin.py
    list_select_related = ["user", "organisation"]
    raw_id_fields = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent from /accounts/invite/ (which emails the link); here they are only listed."""

    list_display = ["email", "organisation", "invited_by", "created_at", "accepted_at"]
    search_fields = ["email", "organisation__name_en", "organisation__name_cy"]
    list_select_related = ["organisation", "invited_by"]
    readonly_fields = ["email", "organisation", "invited_by", "created_at", "accepted_at", "accepted_by"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(AccountDormancy)
class AccountDormancyAdmin(admin.ModelAdmin):
    """Written by close_unused_accounts and the moderation page's "Open again"; here only listed."""

    list_display = ["user", "warned_at", "closed_at", "reopened_at", "erased_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "warned_at", "warned_about", "closed_at", "reopened_at", "reopened_by", "erased_at"]

    def has_add_permission(self, request) -> bool:
        return False
