"""Gaps module models: aggregates only, never a row about a child or a search.

`UnmetSearchCount` is a counter (month × local authority × forms of abuse × age band × criterion ×
reason); snapshots record provision on a date for the trends page.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gaps import vocabulary


class UnmetSearchCount(models.Model):
    """How many searches in a month found no service covering the child's area, and why.

    Nothing finer than the month is stored: no time, no free text, no IP address or session.
    A search for several forms of abuse is counted once, under the combination (so counts add up).
    """

    month = models.DateField(_("month"), help_text=_("The first day of the month"))
    lad_code = models.CharField(_("local authority code"), max_length=9)
    abuse_forms = models.CharField(
        _("forms of abuse"), max_length=120, blank=True,
        help_text=_("The forms searched for, sorted and joined with '+'; empty for any"),
    )
    age_band = models.CharField(_("age band"), max_length=16, choices=vocabulary.UNMET_AGE_BANDS, default="unknown")
    excluded_by = models.CharField(_("excluded by"), max_length=32, choices=vocabulary.EXCLUDED_BY, default="none")
    reason = models.CharField(_("reason"), max_length=32, choices=vocabulary.REASONS)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("unmet search count")
        verbose_name_plural = _("unmet search counts")
        ordering = ["-month", "lad_code", "abuse_forms", "age_band", "excluded_by", "reason"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "lad_code", "abuse_forms", "age_band", "excluded_by", "reason"],
                name="unmet_search_count_unique_cell",
            ),
            # Each says what is wrong in words: Django's own message names the constraint.
            models.CheckConstraint(
                condition=Q(month__day=1), name="unmet_search_count_month_first_day",
                violation_error_message=_("Enter the month as its first day, like 2026-07-01."),
            ),
            models.CheckConstraint(
                condition=Q(count__gte=0), name="unmet_search_count_not_negative",
                violation_error_message=_("The count cannot be below 0."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.lad_code} {self.abuse_forms or 'any'} {self.reason}: {self.count}"


class Snapshot(models.Model):
    """Provision on one date (taken by `take_gaps_snapshot`, meant for a quarterly cron)."""

    taken_on = models.DateField(_("taken on"), unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    directory_version = models.CharField(_("directory version"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["-taken_on"]

    def __str__(self) -> str:
        return gettext("Snapshot %(date)s") % {"date": f"{self.taken_on:%Y-%m-%d}"}


class SnapshotService(models.Model):
    """One service as it stood on the snapshot's date: coverage, forms, audiences, current wait."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="services")
    service_public_id = models.UUIDField()
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16)
    la_codes = models.JSONField(default=list, help_text=_("Local authorities covered (parent areas expanded)"))
    abuse_forms = models.JSONField(default=list)
    audiences = models.JSONField(default=list)
    disclosure_required = models.BooleanField(default=False)
    pre_trial_therapy = models.BooleanField(default=False)
    # Null in snapshots taken before it was recorded: not known then.
    welsh_available = models.BooleanField(null=True)
    age_min = models.DecimalField(max_digits=4, decimal_places=1)
    age_max = models.DecimalField(max_digits=4, decimal_places=1)
    capacity_per_year = models.PositiveIntegerField(null=True, blank=True)
    wait_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    referrals_open = models.BooleanField(null=True)

    class Meta:
        ordering = ["snapshot", "name"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "service_public_id"], name="snapshot_service_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.snapshot})"


class SnapshotAccess(models.Model):
    """One local authority's access for one layer on the snapshot's date."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="access")
    area_code = models.CharField(max_length=32)
    layer = models.CharField(max_length=64)
    demand = models.FloatField()
    access = models.FloatField()
    normalised = models.FloatField()
    n_services = models.PositiveIntegerField()
    median_wait = models.FloatField(null=True, blank=True)
    longest_wait = models.PositiveSmallIntegerField(null=True, blank=True)
    closed_lists = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["snapshot", "layer", "area_code"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "area_code", "layer"], name="snapshot_access_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.layer} {self.snapshot}"
