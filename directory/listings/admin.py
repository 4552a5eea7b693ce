"""Admin for the moderation records (the queue itself is /moderation/, with diffs)."""

from __future__ import annotations

from django.contrib import admin

from directory.models import ProblemReport, ReviewRequest, ServiceChange


@admin.register(ServiceChange)
class ServiceChangeAdmin(admin.ModelAdmin):
    list_display = ["service", "kind", "state", "submitted_by", "submitted_at", "decided_by", "decided_at"]
    list_filter = ["state", "kind"]
    search_fields = ["service__name_en", "service__name_cy", "reason"]  # both: see directory/admin.py
    list_select_related = ["service", "submitted_by", "decided_by"]
    readonly_fields = ["submitted_at", "decided_at", "live_when_decided"]
    raw_id_fields = ["service", "submitted_by", "decided_by"]


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    list_display = [
        "service", "reason", "created_at", "emailed_to", "resolved_at", "resolved_by", "reopened_at", "reopened_by",
    ]
    list_filter = ["reason", "emailed_to"]
    search_fields = ["service__name_en", "service__name_cy", "comment"]
    list_select_related = ["service", "resolved_by", "reopened_by"]
    raw_id_fields = ["service", "resolved_by", "reopened_by"]


@admin.register(ReviewRequest)
class ReviewRequestAdmin(admin.ModelAdmin):
    """What send_review_requests sent: a log, so nothing here is editable."""

    list_display = ["service", "kind", "basis", "sent_at", "recipients"]
    list_filter = ["kind"]
    search_fields = ["service__name_en", "service__name_cy", "recipients"]
    list_select_related = ["service"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
