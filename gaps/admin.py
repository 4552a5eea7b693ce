"""Read-only admin views of the gaps aggregates (they are written by the search page and a command)."""

from __future__ import annotations

from django.contrib import admin

from gaps.models import Snapshot, UnmetSearchCount


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UnmetSearchCount)
class UnmetSearchCountAdmin(ReadOnlyAdmin):
    list_display = ("month", "lad_code", "abuse_forms", "age_band", "excluded_by", "reason", "count")
    list_filter = ("month", "reason", "excluded_by", "age_band")


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ("taken_on", "created_at", "directory_version")
