"""Django admin for moderators: every model, with search, filters and inlines."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from directory import unusual_waits
from directory.admin_inlines import LabelledTabularInline
from directory.listings.forms import check_name_not_listed
from directory.listings.selectors import history_reason_display
from directory.models import (
    Area,
    DirectoryVersion,
    Location,
    Organisation,
    Postcode,
    PostcodeDistrict,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    Unstated,
    WaitingTimeReport,
    stated_by_change,
)

# A link typed without its scheme ("example.org") is taken as https, as Django 6 will by default.
# Searches name both languages' columns of provider-written text: modeltranslation reads "name" as
# the page's language's column, so on /cy/admin/ a search (and an autocomplete box's) looked only at
# name_cy and found no organisation or service without a Welsh name, which is most of them.
HTTPS_LINKS = {models.URLField: {"assume_scheme": "https"}}


def _key_or_404(field: models.Field, value: str):
    """The value as the key column holds it; an address naming none (letters for a number) is not found."""
    try:
        return field.to_python(value)
    except ValidationError:
        raise Http404 from None


class HistoryAdmin(SimpleHistoryAdmin):
    # django-simple-history looks a row and a version up by the ids in the address as given: letters
    # where the key is a number raised ValueError, a server error, instead of "not found".
    def history_view(self, request, object_id, extra_context=None):
        _key_or_404(self.model._meta.pk, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        _key_or_404(self.model._meta.pk, unquote(object_id))
        _key_or_404(self.model.history.model._meta.pk, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def render_history_view(self, request, template, context, **kwargs):
        # django-simple-history prints each version's change reason as stored, "None" where none was
        # given: shown as the listing's own history page shows it (the reasons this app writes in the
        # page's language), a dash where there is none. The page's rows only, never saved. (A past
        # version's page, rendered here too, has no list.)
        for record in context.get("page_obj", ()):
            record.history_change_reason = history_reason_display(record.history_change_reason or "") or "—"
        return super().render_history_view(request, template, context, **kwargs)


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("name", "name_cy", "code", "kind", "children_0_17", "children_year")
    list_filter = ("kind",)
    search_fields = ("name", "name_cy", "code")
    filter_horizontal = ("parents",)


class LocationInline(admin.StackedInline):
    model = Location
    extra = 0
    fields = (
        "name", "name_cy", "address_1", "city", "county", "postcode", "latitude", "longitude", "do_not_publish_address",
    )


@admin.register(Organisation)
class OrganisationAdmin(HistoryAdmin, TranslationAdmin):
    formfield_overrides = HTTPS_LINKS
    list_display = ("name", "email", "phone", "charity_number", "is_sample")
    list_filter = ("is_sample",)
    search_fields = ("name_en", "name_cy", "email", "charity_number", "company_number")
    inlines = [LocationInline]


class CoverageInline(LabelledTabularInline):
    model = Service.coverage_areas.through
    extra = 0
    autocomplete_fields = ("area",)
    # By name, so a service's 20 areas are found at a glance; and the same order on every database (the
    # link table has no order of its own: PostgreSQL gave its rows in whatever order it held them).
    ordering = ("area__name", "pk")
    verbose_name = _("area it takes referrals from")
    verbose_name_plural = _("coverage: areas it takes referrals from")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The link table Django makes for coverage_areas names its columns by their field names
        # ("area"), untranslated: name the column as the areas' own admin does, in the page's language.
        kwargs.setdefault("label", capfirst(db_field.related_model._meta.verbose_name))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ServiceAtLocationInline(LabelledTabularInline):
    model = ServiceAtLocation
    extra = 0
    autocomplete_fields = ("location",)


def _confirm_unusual_label() -> str:
    return gettext("Confirm a wait over %(weeks)s weeks") % {"weeks": unusual_waits.UNUSUAL_WAIT_WEEKS}


def _confirm_unusual_help() -> str:
    weeks = unusual_waits.UNUSUAL_WAIT_WEEKS
    return gettext("Tick only if the wait really is over %(weeks)s weeks (%(duration)s).") % {
        "weeks": weeks, "duration": unusual_waits.years_and_months(weeks),
    }


class WaitingTimeReportAdminForm(forms.ModelForm):
    """A wait over two years is asked about, as on the provider's wait page (directory/unusual_waits.py):
    here the box that confirms it is always on the form, and only such a wait needs it ticked."""

    confirm_unusual = forms.BooleanField(
        # Lazy: the form is built once, each page in its own language; the figure is the one asked about.
        required=False, label=lazy(_confirm_unusual_label, str)(), help_text=lazy(_confirm_unusual_help, str)(),
    )

    class Meta:
        model = WaitingTimeReport
        fields = ("service", "weeks", "confirm_unusual", "referrals_open", "as_of", "recorded_at", "recorded_by")

    def clean(self):
        data = super().clean()
        weeks, service = data.get("weeks"), data.get("service") or getattr(self.instance, "service", None)
        if self.instance.pk is None and not data.get("confirm_unusual") and service is not None:
            current = service.waiting_times.values_list("weeks", flat=True).first()  # one query, the latest
            if unusual_waits.is_unusual(weeks, current=current):
                self.add_error("weeks", unusual_waits.unusual_wait_message(weeks))
        return data


class WaitingTimeInline(LabelledTabularInline):
    model = WaitingTimeReport
    form = WaitingTimeReportAdminForm
    extra = 1
    fields = ("weeks", "confirm_unusual", "referrals_open", "as_of", "recorded_at", "recorded_by")
    readonly_fields = ("recorded_at", "recorded_by")
    ordering = ("-as_of", "-recorded_at")

    def has_change_permission(self, request, obj=None) -> bool:
        # A wait report is history: add a new one rather than rewriting an old one.
        return False


class ServiceAdminForm(forms.ModelForm):
    """A name another listing of the organisation has is refused, as on the listings' pages: two
    listings named alike look the same on its dashboard, the moderators' queue and the search."""

    def clean(self):
        data = super().clean()
        check_name_not_listed(self, data)
        return data


@admin.register(Service)
class ServiceAdmin(HistoryAdmin, TranslationAdmin):
    form = ServiceAdminForm
    formfield_overrides = HTTPS_LINKS
    list_display = ("name", "organisation", "status", "age_min", "age_max", "welsh_available", "last_confirmed_at")
    list_filter = (
        "status", "abuse_intra_familial", "abuse_extra_familial", "abuse_cse", "abuse_harmful_sexual_behaviour",
        "abuse_online", "supports_parent_carer", "supports_sibling", "disclosure_required", "welsh_available",
        "organisation__is_sample",
    )
    search_fields = ("name_en", "name_cy", "description_en", "description_cy", "organisation__name_en",
                     "organisation__name_cy", "public_id")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)
    readonly_fields = ("public_id", "created_at", "updated_at", "not_stated_by_import")
    exclude = ("coverage_areas", "taxonomy_terms")
    inlines = [CoverageInline, ServiceAtLocationInline, WaitingTimeInline]
    fieldsets = (
        (None, {"fields": ("public_id", "organisation", "name", "description", "status")}),
        (_("Forms of abuse"), {"fields": (
            "abuse_intra_familial", "abuse_extra_familial", "abuse_cse", "abuse_harmful_sexual_behaviour",
            "abuse_online")}),
        (_("Kinds of support"), {"fields": (
            "kind_therapeutic", "kind_advocacy", "kind_assessment", "kind_sarc", "kind_group_work", "kind_helpline",
            "kind_hsb_intervention")}),
        (_("Who it supports"), {"fields": ("supports_child", "supports_parent_carer", "supports_sibling",
                                           "age_min", "age_max")}),
        (_("Referral"), {"fields": (
            "referral_by_professional", "referral_by_parent_carer", "referral_by_self", "disclosure_required",
            "pre_trial_therapy", "requires_proceedings_finished", "eligibility", "how_to_refer", "referral_url",
            "referral_email", "referral_phone")}),
        (_("Delivery"), {"fields": (
            "delivery_in_person", "delivery_outreach", "delivery_phone", "delivery_online", "welsh_available",
            "other_languages", "is_free", "cost_note", "capacity_per_year")}),
        (_("Freshness"), {"fields": ("last_confirmed_at", "confirmed_by", "created_at", "updated_at",
                                     "not_stated_by_import")}),
    )

    @admin.display(description=_("not stated by the import"))
    def not_stated_by_import(self, obj: Service) -> str:
        return ", ".join(str(Unstated(code).label) for code in obj.unstated_by_import if code in Unstated.values) or "—"

    def save_model(self, request, obj, form, change):
        # Changing a fact the import did not state states it (as the listings' edit page does).
        obj.unstated_by_import = stated_by_change(obj.unstated_by_import, form.changed_data)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, WaitingTimeReport) and instance.recorded_by_id is None:
                instance.recorded_by = request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(Location)
class LocationAdmin(HistoryAdmin):
    list_display = ("name", "organisation", "postcode", "do_not_publish_address")
    list_filter = ("do_not_publish_address",)
    search_fields = ("name", "name_cy", "postcode", "organisation__name_en", "organisation__name_cy")
    list_select_related = ("organisation",)


@admin.register(WaitingTimeReport)
class WaitingTimeReportAdmin(admin.ModelAdmin):
    form = WaitingTimeReportAdminForm
    list_display = ("service", "weeks", "referrals_open", "as_of", "recorded_by")
    list_filter = ("referrals_open",)
    search_fields = ("service__name_en", "service__name_cy")
    date_hierarchy = "as_of"
    list_select_related = ("service", "recorded_by")
    autocomplete_fields = ("service",)


class TaxonomyTermInline(LabelledTabularInline):
    model = TaxonomyTerm
    extra = 0
    fields = ("code", "name", "parent")
    fk_name = "taxonomy"


@admin.register(Taxonomy)
class TaxonomyAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_LINKS
    list_display = ("name", "version", "uri")
    search_fields = ("name",)
    inlines = [TaxonomyTermInline]


@admin.register(TaxonomyTerm)
class TaxonomyTermAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_LINKS
    list_display = ("name", "code", "taxonomy")
    list_filter = ("taxonomy",)
    search_fields = ("name", "code")


@admin.register(Postcode)
class PostcodeAdmin(admin.ModelAdmin):
    list_display = ("postcode", "lad_code", "latitude", "longitude")
    search_fields = ("postcode",)
    show_full_result_count = False


@admin.register(PostcodeDistrict)
class PostcodeDistrictAdmin(admin.ModelAdmin):
    list_display = ("prefix", "lad_code", "lad_share")
    search_fields = ("prefix",)


@admin.register(DirectoryVersion)
class DirectoryVersionAdmin(admin.ModelAdmin):
    """Read-only: the token that caches are keyed on (see `directory.version`)."""

    list_display = ("counter", "changed_at", "token")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
