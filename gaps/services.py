"""Writes for the gaps module: the unmet-demand counter and provision snapshots."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from directory.vocabulary import ABUSE_FORM_FIELDS
from gaps import layers, selectors, vocabulary
from gaps.models import Snapshot, SnapshotAccess, SnapshotService, UnmetSearchCount

LAD_CODE_RE = re.compile(r"^[EWSN]\d{8}$")
ERROR_LAD_CODE = "The local authority must be given as its nine-character ONS code."
ERROR_ABUSE_FORM = "Unknown form of abuse: %(code)s."
ERROR_EXCLUDED_BY = "Unknown criterion: %(code)s."
ERROR_REASON = "Unknown reason: %(code)s."
ERROR_MONTH = "The month must be a date."


def _abuse_forms_key(abuse_forms: Iterable[str]) -> str:
    codes = sorted(set(abuse_forms))
    for code in codes:
        if code not in ABUSE_FORM_FIELDS:
            raise ValidationError(ERROR_ABUSE_FORM, params={"code": code})
    return "+".join(codes)


@transaction.atomic
def record_unmet_search(
    *,
    month: date,
    lad_code: str,
    abuse_forms: Iterable[str],
    age: float | None,
    excluded_by: str,
    reason: str,
) -> UnmetSearchCount:
    """Count one search that found no service covering the child's area (an aggregate upsert).

    Call it from the search page when the results hold no service covering the child's local
    authority. Only the month (any day of it may be passed; the first is stored), the local
    authority, the forms of abuse searched for, the child's age *band*, the criterion that
    excluded services (`vocabulary.EXCLUDED_BY`) and the reason (`vocabulary.REASONS`) are kept.
    Raises `ValidationError` on codes outside the vocabulary.
    """
    if not isinstance(month, date):
        raise ValidationError(ERROR_MONTH)
    if not LAD_CODE_RE.match(lad_code or ""):
        raise ValidationError(ERROR_LAD_CODE)
    if excluded_by not in vocabulary.EXCLUDED_BY_CODES:
        raise ValidationError(ERROR_EXCLUDED_BY, params={"code": excluded_by})
    if reason not in dict(vocabulary.REASONS):
        raise ValidationError(ERROR_REASON, params={"code": reason})
    try:
        band = vocabulary.age_band_for(age)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    cell = {
        "month": date(month.year, month.month, 1),
        "lad_code": lad_code,
        "abuse_forms": _abuse_forms_key(abuse_forms),
        "age_band": band,
        "excluded_by": excluded_by,
        "reason": reason,
    }
    UnmetSearchCount(**cell, count=1).full_clean(validate_unique=False, validate_constraints=False)
    row, _created = UnmetSearchCount.objects.get_or_create(**cell, defaults={"count": 0})
    # An UPDATE ... SET count = count + 1, so two searches at once both count.
    UnmetSearchCount.objects.filter(pk=row.pk).update(count=F("count") + 1)
    row.refresh_from_db(fields=["count"])
    return row


@transaction.atomic
def snapshot_take(*, taken_on: date) -> Snapshot:
    """Record provision now under `taken_on`: every service and every layer's access per area.

    Idempotent for a date: taking it again replaces that date's rows. The figures are the
    directory as it is when this runs (the date is a label, not a time machine).
    """
    version = selectors.directory_version()
    snapshot, _created = Snapshot.objects.update_or_create(
        taken_on=taken_on, defaults={"directory_version": version}
    )
    snapshot.services.all().delete()
    snapshot.access.all().delete()
    services, _las, _regions = selectors.gaps_inputs(version)
    SnapshotService.objects.bulk_create([
        SnapshotService(
            snapshot=snapshot, service_public_id=s.public_id, name=s.name, status=s.status,
            la_codes=sorted(s.la_codes), abuse_forms=sorted(s.abuse_forms),
            audiences=[a for a, on in (("child", s.supports_child), ("parent_carer", s.supports_parent_carer),
                                       ("sibling", s.supports_sibling)) if on],
            disclosure_required=s.disclosure_required, pre_trial_therapy=s.pre_trial_therapy,
            welsh_available=s.welsh_available, age_min=Decimal(str(s.age_min)), age_max=Decimal(str(s.age_max)), capacity_per_year=s.capacity,
            wait_weeks=s.wait_weeks, referrals_open=s.referrals_open,
        )
        for s in services
    ])
    rows = []
    for layer in layers.every_layer():
        result = selectors.gaps_layer(layer=layer, version=version)
        for area in [*result.areas, result.wales]:
            rows.append(SnapshotAccess(
                snapshot=snapshot, area_code=area.code, layer=layer.key, demand=area.demand, access=area.access,
                normalised=area.normalised, n_services=area.n_services, median_wait=area.median_wait,
                longest_wait=area.longest_wait, closed_lists=area.closed_lists,
            ))
    SnapshotAccess.objects.bulk_create(rows, batch_size=1000)
    return snapshot


@transaction.atomic
def snapshots_delete_holding(*, service_public_ids: Iterable[uuid.UUID]) -> int:
    """Delete every snapshot that holds any of these services (the fictional sample's, when it is
    removed): each of its figures counted them, so no part of it describes the real directory.
    Returns how many snapshots went."""
    snapshots = Snapshot.objects.filter(services__service_public_id__in=list(service_public_ids)).distinct()
    ids = list(snapshots.values_list("pk", flat=True))
    Snapshot.objects.filter(pk__in=ids).delete()
    return len(ids)
