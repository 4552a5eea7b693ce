from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, SetUnusablePasswordMixin
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from directory.accounts.models import AccountDormancy, AccountSettings, Invitation, Membership
from directory.accounts.services import account_sessions_end
from directory.mail_language import BOTH


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
    readonly_fields = ["user", "warned_at", "warned_about", "closed_at", "reopened_at", "reopened_by", "erased_at",
                       "kept_notice_about"]

    def has_add_permission(self, request) -> bool:
        return False


class AccountSettingsForm(forms.ModelForm):
    class Meta:
        model = AccountSettings
        fields = ["language"]
        labels = {"language": _("Emails in")}
        help_texts = {"language": _(
            "Its holder chooses this on their account page: change it only when they ask. Blank: not chosen, "
            "so they are emailed in Welsh and English, Welsh first."
        )}


class AccountSettingsInline(admin.StackedInline):
    """The language an account is emailed in (AccountSettings), on the account's own admin page:
    one row or none (none: not chosen), so it is never deleted here, only set back to blank."""

    model = AccountSettings
    form = AccountSettingsForm
    can_delete = False
    min_num, max_num, extra = 0, 1, 1


class EmailLanguageFilter(admin.SimpleListFilter):
    """Welsh, English, or not chosen (no settings row, or a blank language): emailed in both."""

    title = _("Emails in")
    parameter_name = "email_language"

    def lookups(self, request, model_admin):
        return [*AccountSettings.Language.choices, (BOTH, _("Not chosen: Welsh and English, Welsh first"))]

    def queryset(self, request, queryset):
        if self.value() == BOTH:
            return queryset.filter(Q(account_settings__isnull=True) | Q(account_settings__language=""))
        if self.value() in AccountSettings.Language.values:
            return queryset.filter(account_settings__language=self.value())
        return queryset


class AccountPasswordChangeForm(AdminPasswordChangeForm):
    """Django's form for setting an account's password, with its "Password-based authentication"
    hint in the page's language: Django joins its two sentences when the module is imported, so
    the hint was in English on Welsh pages. The list (its id is what Django's script shows and
    hides) is Django's markup; the admin shows help text as HTML."""

    usable_password_help_text = lazy(lambda: format_html(
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        SetUnusablePasswordMixin.usable_password_help_text,
        _("If disabled, the current password for this user will be lost."),
    ), str)()


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    """Django's own user admin, with the language each account is emailed in."""

    change_password_form = AccountPasswordChangeForm
    inlines = [*UserAdmin.inlines, AccountSettingsInline]
    list_filter = [*UserAdmin.list_filter, EmailLanguageFilter]

    def get_inlines(self, request, obj):
        # An account made here has no holder yet to choose: emailed in both until they do.
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Closed here: its sessions end now, not when it is opened again (services.account_sessions_end).
            account_sessions_end(user=obj)


if admin.site.is_registered(AccessAttempt):  # django-axes registers it unless AXES_ENABLE_ADMIN is off
    admin.site.unregister(AccessAttempt)

    @admin.register(AccessAttempt)
    class SignInAttemptAdmin(AccessAttemptAdmin):
        """django-axes' list of sign-in attempts, whose "Status" column (how many tries are left, or
        locked out) has a name in the page's language: axes names it by its method's name alone."""

        @admin.display(description=_("status"))
        def status(self, obj: AccessAttempt) -> str:
            return super().status(obj)
