"""Reads for the gaps module: directory rows for the analysis, cached until the directory changes."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import F, Max, OuterRef, QuerySet, Subquery, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from directory import boundaries, search_index, vocabulary
from directory.boundaries import AreaShapes
from directory.models import WALES_CODE, Area, Service, WaitingTimeReport
from directory.renderings import as_uuid
from directory.version import current as directory_version  # the gaps' cache key (one indexed read)
from directory.version import current_with_generation
from gaps import layers
from gaps.layers import AreaRow, Layer, LayerResult, ServiceRow
from gaps.models import Snapshot, SnapshotAccess, UnmetSearchCount

CACHE_SECONDS = 60 * 60 * 24
REGION_KINDS = (Area.Kind.HEALTH_BOARD, Area.Kind.SAFEGUARDING_REGION)
T = TypeVar("T")


# Computed results live in this process, keyed by the directory's version: no pickling on
# the way in or out (a layer result holds hundreds of rows). The Django cache holds only a token,
# so clearing the cache (as the tests do) also forgets everything here.
_memo: dict[tuple[str, str, str], object] = {}
_TOKEN_KEY = "gaps:memo-token"


def _cached(key: str, compute: Callable[[], T], version: str | None = None) -> T:
    version = version or directory_version()
    token = cache.get(_TOKEN_KEY)
    if token is None:
        token = uuid.uuid4().hex
        cache.set(_TOKEN_KEY, token, CACHE_SECONDS)
    full_key = (token, version, key)
    if full_key not in _memo:
        if any(k[:2] != (token, version) for k in _memo):
            _memo.clear()  # the directory changed: drop what was computed for the old one
        _memo[full_key] = compute()
    return _memo[full_key]  # type: ignore[return-value]


def _local_authorities_within() -> dict[str, set[str]]:
    """Area code → the local authority codes it contains (itself, for a local authority). Two queries."""
    kinds = dict(Area.objects.values_list("code", "kind"))
    parents: dict[str, set[str]] = defaultdict(set)
    for child, parent in Area.parents.through.objects.values_list("from_area__code", "to_area__code"):
        parents[child].add(parent)
    within: dict[str, set[str]] = defaultdict(set)
    for code, kind in kinds.items():
        if kind != Area.Kind.LOCAL_AUTHORITY:
            continue
        seen, todo = {code}, [code]
        while todo:  # every ancestor, however deep the hierarchy
            for parent in parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        for ancestor in seen:
            within[ancestor].add(code)
    return within


def _services() -> QuerySet[Service]:
    return Service.objects.published().exclude(status=Service.Status.CLOSED)


def _current_waits(service_ids: list[int] | None = None) -> dict[int, tuple[int, bool, date]]:
    """Service id → (weeks, referrals open, as of) of its latest report, by date then recording
    time: of every service, or of these.

    One query. Looking the latest report up per service with three correlated subqueries (one per
    column) took most of the read on a national directory. PostgreSQL numbers each service's
    reports in one pass (a window) far faster than it looks them up one service at a time;
    SQLite, which runs in this process, the other way round, so there the latest report's id is
    looked up once per service through the `wait_latest_idx` index and only those reports are read.
    """
    columns = ("service_id", "weeks", "referrals_open", "as_of")
    newest_first = ("-as_of", "-recorded_at", "-id")
    reports, services = WaitingTimeReport.objects.all(), _services()
    if service_ids is not None:
        reports, services = reports.filter(service_id__in=service_ids), services.filter(pk__in=service_ids)
    if connection.vendor == "postgresql":
        order = [F(field[1:]).desc() for field in newest_first]
        latest = reports.annotate(
            place=Window(RowNumber(), partition_by=F("service_id"), order_by=order)
        ).filter(place=1)
    else:
        newest = WaitingTimeReport.objects.filter(service=OuterRef("pk")).order_by(*newest_first)
        ids = services.annotate(wait_id=Subquery(newest.values("id")[:1])).values("wait_id")
        latest = WaitingTimeReport.objects.filter(id__in=ids)
    return {service_id: rest for service_id, *rest in latest.order_by().values_list(*columns)}


_FORM_FIELDS = tuple(vocabulary.ABUSE_FORM_FIELDS.values())
_FORM_CODES = tuple(vocabulary.ABUSE_FORM_FIELDS)
_NO_WAIT = (None, None, None)


_ROW_COLUMNS = (
    "id", "name_en", "name_cy", "status", "public_id", "supports_child", "supports_parent_carer", "supports_sibling",
    "disclosure_required", "pre_trial_therapy", "welsh_available", "age_min", "age_max", "capacity_per_year",
    *_FORM_FIELDS,
)


def _raw_rows(queryset: QuerySet, columns: tuple[str, ...]) -> list[tuple]:
    """The query `queryset.values_list(*columns)` makes, its rows as the database driver gives them.

    Django's per-value converters (booleans and decimals on SQLite, UUIDs) cost more than the read
    itself for 20,000 services; the caller converts the few columns that need it."""
    compiler = queryset.values_list(*columns).query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        # In the order asked for: modeltranslation's queryset selects the columns in its own order.
        names = [column[0] for column in cursor.description]
    return list(map(itemgetter(*(names.index(name) for name in columns)), rows))


def service_rows_build(service_ids: list[int] | None = None) -> list[ServiceRow]:
    """Open and paused services as analysis rows, coverage expanded to local authorities: every
    one, or those of these ids.

    Closed services are not supply and are left out. Five queries, whatever the number of services.
    Rows come as plain values, not model instances: a national directory's 20,000 instances took
    seconds to build, for every app server after every change to the directory.
    """
    within = _local_authorities_within()
    coverage: dict[int, set[str]] = defaultdict(set)
    links = Service.coverage_areas.through.objects.all()
    services = _services()
    if service_ids is not None:
        links, services = links.filter(service_id__in=service_ids), services.filter(pk__in=service_ids)
    for service_id, code in links.values_list("service_id", "area__code"):
        coverage[service_id].update(within.get(code, ()))
    waits = _current_waits(service_ids)
    rows = []
    # Both names, read by column: the rows are shared by every language (cached per directory version
    # only), so the page picks the name (ServiceRow.display_name), not whoever asked first.
    for (service_id, name, name_cy, status, public_id, child, parent_carer, sibling, disclosure, pre_trial, welsh, age_min,
         age_max, capacity, *forms) in _raw_rows(services.order_by("name_en", "id"), _ROW_COLUMNS):
        weeks, referrals_open, as_of = waits.get(service_id, _NO_WAIT)
        rows.append(ServiceRow(
            id=service_id, name=name or "", name_cy=name_cy or "", status=status,
            abuse_forms=frozenset(code for code, on in zip(_FORM_CODES, forms, strict=True) if on),
            # bool(): SQLite gives its booleans as 0 and 1.
            supports_child=bool(child), supports_parent_carer=bool(parent_carer), supports_sibling=bool(sibling),
            disclosure_required=bool(disclosure), pre_trial_therapy=bool(pre_trial), welsh_available=bool(welsh),
            age_min=float(age_min), age_max=float(age_max), capacity=capacity,
            la_codes=frozenset(coverage.get(service_id, ())),
            wait_weeks=weeks, referrals_open=referrals_open, wait_as_of=as_of, public_id=str(as_uuid(public_id)),
        ))
    return rows


def area_rows_build() -> tuple[list[AreaRow], list[AreaRow]]:
    """Local authorities with a population (the demand), and health/safeguarding boards made of them."""
    las = [
        AreaRow(a.code, a.name, a.name_cy, a.kind, a.children_0_17 or 0, (a.code,), a.latitude, a.longitude)
        for a in Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY, children_0_17__gt=0).order_by("name")
    ]
    la_codes = {a.code for a in las}
    within = _local_authorities_within()
    regions = [
        AreaRow(a.code, a.name, a.name_cy, a.kind, 0, tuple(sorted(within.get(a.code, set()) & la_codes)))
        for a in Area.objects.filter(kind__in=REGION_KINDS).order_by("kind", "name")
    ]
    return las, regions


def gaps_inputs(version: str | None = None) -> tuple[list[ServiceRow], list[AreaRow], list[AreaRow]]:
    """Services, local authorities and regions, cached until the directory changes."""
    return _cached("inputs", _inputs_now, version)


@dataclass(frozen=True)
class _HeldInputs:
    """The inputs this process read last, to patch after a change to a few services."""

    memo_token: str  # the memo's (`_cached`): clearing the cache forgets these too
    generation: str  # the directory's (`version.current_with_generation`)
    tokens: dict[int, object]  # every published service's render_token, as stored, read before the rows
    inputs: tuple[list[ServiceRow], list[AreaRow], list[AreaRow]]


_held: _HeldInputs | None = None


def _inputs_now() -> tuple[list[ServiceRow], list[AreaRow], list[AreaRow]]:
    """The inputs as the directory is now: the last ones read with only the changed services read
    again, or every service read (20,000: 0.5-0.7 s; patched after one new wait: 40-80 ms).

    As the search index does (directory/search_index.py): a provider's change replaces its
    services' `render_token`, so comparing every published service's token with the held ones
    finds what changed. Everything is read again after a change of unknown reach (a new
    generation), to which services are published, or to a name (the rows keep the database's
    name order), or when a service becomes open again."""
    global _held
    memo_token = cache.get(_TOKEN_KEY)
    _token, generation = current_with_generation()
    tokens = search_index.published_tokens()
    held = _held
    inputs = None
    same_services = held is not None and held.tokens.keys() == tokens.keys()
    if same_services and (held.memo_token, held.generation) == (memo_token, generation):
        changed = [pk for pk, token in tokens.items() if held.tokens[pk] != token]
        inputs = _patched(held.inputs, changed) if len(changed) <= search_index.MOST_PATCHED else None
    if inputs is None:
        inputs = (service_rows_build(), *area_rows_build())
    _held = _HeldInputs(memo_token, generation, tokens, inputs)
    return inputs


def _patched(inputs: tuple, changed: list[int]) -> tuple | None:
    """The inputs with these services read again, or None where they cannot be patched."""
    services, las, regions = inputs
    if not changed:
        return inputs
    fresh = {row.id: row for row in service_rows_build(changed)}
    held = {row.id: row for row in services}
    if any(service_id not in held or row.name != held[service_id].name for service_id, row in fresh.items()):
        return None  # a new place in the name order: read everything
    gone = set(changed) - fresh.keys()  # closed since
    return [fresh.get(row.id, row) for row in services if row.id not in gone], las, regions


def gaps_layer(
    *, layer: Layer, basis: str = layers.BASIS_SERVICES, need: str = layers.NEED_CHILDREN, version: str | None = None
) -> LayerResult:
    """One layer's access per local authority, cached until the directory changes."""
    version = version or directory_version()

    def compute() -> LayerResult:
        services, las, _regions = gaps_inputs(version)
        prepared = _cached(f"prepared:{need}", lambda: layers.prepare(services, las, need), version)
        return layers.compute_layer(layer, services, las, basis=basis, need=need, prepared=prepared)

    return _cached(f"layer:{layer.key}:{basis}:{need}", compute, version)


def gaps_regions(*, kind: str | None = None, version: str | None = None) -> list[AreaRow]:
    """Health boards and safeguarding boards as rows of their local authorities: of one kind, or every one."""
    _services, _las, regions = gaps_inputs(version)
    return [r for r in regions if kind is None or r.kind == kind]


def region_outlines(*, version: str | None = None) -> AreaShapes:
    """Every health board's and safeguarding board's outline, dissolved from its local authorities'
    shapes (directory/boundaries.region_shapes: once per version of the boundaries and of the
    membership), for the gaps map's regional views. One file for both kinds: a second regional view
    takes it from the browser's cache."""
    return boundaries.region_shapes({region.code: region.la_codes for region in gaps_regions(version=version)})


def directory_as_of(version: str | None = None) -> date | None:
    """When the directory last changed (the period the gaps figures describe).

    Cached with the figures: its two aggregates scan every service and waiting-time report, and
    every gaps page and API response states it.
    """

    def compute() -> date | None:
        latest = Service.objects.aggregate(latest=Max("updated_at"))["latest"]
        report = WaitingTimeReport.objects.aggregate(latest=Max("as_of"))["latest"]
        # The day in Wales (TIME_ZONE), as a wait's as_of is: the database gives UTC, a day behind from
        # midnight to 1 am in summer.
        dates = [d for d in (timezone.localdate(latest) if latest else None, report) if d]
        return max(dates) if dates else None

    return _cached("as_of", compute, version)


def area_get(*, code: str) -> Area | None:
    return Area.objects.filter(code=code, kind=Area.Kind.LOCAL_AUTHORITY).first()


def region_kind_get(*, code: str) -> str | None:
    """The kind of region (`Area.Kind`: a health board, a safeguarding board) with this code, or None."""
    return (Area.objects.filter(code=code, kind__in=[Area.Kind.HEALTH_BOARD, Area.Kind.SAFEGUARDING_REGION])
            .values_list("kind", flat=True).first())


def local_authority_list() -> list[tuple[str, str, str, int | None]]:
    """(code, name, Welsh name, children 0–17) of every local authority, by (English) name."""
    return list(
        Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY).order_by("name", "code")
        .values_list("code", "name", "name_cy", "children_0_17")
    )


def unmet_months() -> list[date]:
    """The months the unmet-demand counter has rows for, latest first."""
    return list(UnmetSearchCount.objects.order_by("-month").values_list("month", flat=True).distinct())


def unmet_totals(*, months: Iterable[date], by: str) -> dict[tuple[str, str], int]:
    """Unmet searches over `months`, summed by (`by`, reason): one aggregate query."""
    if by not in {"lad_code", "abuse_forms", "age_band", "excluded_by"}:
        raise ValueError(f"cannot group unmet searches by {by!r}")
    rows = (
        UnmetSearchCount.objects.filter(month__in=list(months))
        .values(by, "reason")
        .annotate(total=Sum("count"))
        .order_by(by, "reason")
    )
    return {(row[by], row["reason"]): row["total"] for row in rows}


def snapshot_list() -> QuerySet[Snapshot]:
    return Snapshot.objects.order_by("-taken_on")


def snapshot_layer(*, snapshot: Snapshot, layer: Layer) -> LayerResult:
    """One layer computed again from the services and numbers of children a snapshot recorded.

    A snapshot stores each local authority's figures and Wales's, not a region's: a region's
    (its demand-weighted mean access, the services reaching any of its local authorities and their
    median wait) comes from this result through `layers.regional`, as today's does. The snapshot's
    rows are read once (two queries) and kept, with what every layer shares, until the directory
    changes.
    """
    key = f"snapshot:{snapshot.pk}:{snapshot.directory_version}"

    def compute() -> LayerResult:
        services, las, prepared = _cached(key, lambda: _snapshot_inputs(snapshot))
        return layers.compute_layer(layer, services, las, prepared=prepared)

    return _cached(f"{key}:{layer.key}", compute)


def _snapshot_inputs(snapshot: Snapshot) -> tuple[list[ServiceRow], list[AreaRow], layers.Prepared]:
    demand = (SnapshotAccess.objects.filter(snapshot=snapshot, layer=Layer().key)
              .exclude(area_code=WALES_CODE).order_by("area_code").values_list("area_code", "demand"))
    las = [AreaRow(code, "", "", Area.Kind.LOCAL_AUTHORITY, children, (code,)) for code, children in demand]
    # In the order they were recorded (the directory's): each area's access then adds its services'
    # shares in the order the stored figures added them.
    services = [
        ServiceRow(
            id=s.pk, name=s.name, status=s.status, abuse_forms=frozenset(s.abuse_forms),
            supports_child="child" in s.audiences, supports_parent_carer="parent_carer" in s.audiences,
            supports_sibling="sibling" in s.audiences, disclosure_required=s.disclosure_required,
            pre_trial_therapy=s.pre_trial_therapy, age_min=float(s.age_min), age_max=float(s.age_max),
            capacity=s.capacity_per_year, la_codes=frozenset(s.la_codes), wait_weeks=s.wait_weeks,
            referrals_open=s.referrals_open, public_id=str(s.service_public_id),
            welsh_available=bool(s.welsh_available),
        )
        for s in snapshot.services.order_by("pk")
    ]
    return services, las, layers.prepare(services, las)


def snapshot_access(*, snapshot: Snapshot, layer: Layer) -> dict[str, SnapshotAccess]:
    """Area code → that snapshot's figures for one layer (one query)."""
    rows = SnapshotAccess.objects.filter(snapshot=snapshot, layer=layer.key).order_by("area_code")
    return {row.area_code: row for row in rows}
