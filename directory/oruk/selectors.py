"""Reads for the Open Referral feed: the API, `export_oruk` and the CSV bulk update use these.

Every queryset carries what its documents need (joined or prefetched), so the number of queries
for a page does not depend on how many rows it holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.db import connections
from django.db.models import (
    DateTimeField,
    Exists,
    F,
    Field,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    UUIDField,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import get_language

from directory import vocabulary
from directory.bilingual import in_language
from directory.lookups import FoldContains
from directory.models import (
    Area,
    Organisation,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    WaitingTimeReport,
)
from directory.oruk import taxonomy as published
from directory.oruk.params import AREA_INSTEAD, ServiceFilters
from directory.postcodes import (
    OUTSIDE_GREAT_BRITAIN_NAMES,
    ParsedPostcode,
    lookup_postcode,
    postcode_area,
    welsh_authorities_within,
)

POSTCODE_NOT_FOUND = "We could not find the postcode {postcode!r}"
# A real postcode no table holds (they are Great Britain's): "could not find" had the client check a right one.
POSTCODE_OUTSIDE_GREAT_BRITAIN = ("The postcode {postcode!r} is in {place}, which this directory does not cover: it "
                                  "lists services in Wales, and places postcodes in England, Scotland and Wales only. "
                                  + AREA_INSTEAD)
POSTCODE_NO_AREA = "The postcode {postcode!r} spans several local authorities; give a full postcode"
AREA_NOT_FOUND = "No area has the code {code!r}; use an ONS code such as W06000015"


def _text_contains(fields: tuple[str, ...], text: str) -> Q:
    """Any of these translated fields, as read in the active language (`in_language`), holds `text`."""
    return Q(*(FoldContains(in_language(name), text) for name in fields), _connector=Q.OR)


def with_current_wait(queryset: QuerySet[Service]) -> QuerySet[Service]:
    """Annotate the current (latest) waiting-time report and the feed's last-modified time.

    Three correlated subqueries in the same SELECT: no extra query per row.
    """
    latest = WaitingTimeReport.objects.filter(service=OuterRef("pk")).order_by("-as_of", "-recorded_at", "-id")
    last_report = (
        WaitingTimeReport.objects.filter(service=OuterRef("pk")).order_by("-recorded_at").values("recorded_at")[:1]
    )
    return queryset.annotate(
        current_wait_weeks=Subquery(latest.values("weeks")[:1]),
        current_wait_as_of=Subquery(latest.values("as_of")[:1]),
        current_referrals_open=Subquery(latest.values("referrals_open")[:1]),
        # A new waiting time changes the published record, so it counts as a modification.
        feed_last_modified=Greatest(
            F("updated_at"), Coalesce(Subquery(last_report), F("updated_at"), output_field=DateTimeField())
        ),
    )


def service_feed_queryset(*, full: bool) -> QuerySet[Service]:
    """Services as the feed publishes them, in a stable order (name, then id)."""
    queryset = with_current_wait(Service.objects.published().select_related("organisation")).order_by("name", "pk")
    if full:
        queryset = queryset.prefetch_related(
            "coverage_areas",
            Prefetch("taxonomy_terms", queryset=TaxonomyTerm.objects.select_related("taxonomy", "parent")),
            Prefetch(
                "service_at_locations",
                queryset=ServiceAtLocation.objects.select_related("location").order_by("location__name", "pk"),
            ),
        )
    return queryset


def service_feed_order(filters: ServiceFilters) -> QuerySet[Service]:
    """Published services in feed order, to filter and count and to choose a page's ids: with the
    current wait annotated only when a filter reads it (building those subqueries took longer than
    running the query that chooses a page)."""
    queryset = Service.objects.published().order_by(in_language("name"), "pk")
    # The filters `service_feed_filter` applies to these annotations.
    if filters.max_wait_weeks is not None or filters.modified_after is not None:
        return with_current_wait(queryset)
    return queryset


def area_codes_covering(code: str) -> list[str]:
    """The area and every area it belongs to (a service covering Wales covers Cardiff). One query.

    Raises Area.DoesNotExist for an unknown code.
    """
    codes = list(
        Area.objects.filter(Q(code=code) | Q(members__code=code) | Q(members__members__code=code))
        .values_list("code", flat=True)
        .distinct()
    )
    if code not in codes:
        raise Area.DoesNotExist(AREA_NOT_FOUND.format(code=code))
    return codes


def area_codes_for_postcode(parsed: ParsedPostcode) -> list[str]:
    """Codes of the postcode's local authority (each of them, for a district or sector split
    between authorities) and the areas each belongs to.

    Raises LookupError with a message for a postcode we cannot place. A postcode outside our
    areas (e.g. in England) gives its local authority's code alone.
    """
    point = lookup_postcode(parsed)
    if point is None:
        if place := OUTSIDE_GREAT_BRITAIN_NAMES.get(postcode_area(parsed)):
            raise LookupError(POSTCODE_OUTSIDE_GREAT_BRITAIN.format(postcode=parsed.text, place=place))
        raise LookupError(POSTCODE_NOT_FOUND.format(postcode=parsed.text))
    if not point.lad_code:
        raise LookupError(POSTCODE_NO_AREA.format(postcode=parsed.text))
    authorities = [point.lad_code]
    if parsed.kind != "unit" and point.lad_share < 1:
        # A district or sector split between authorities: the child may live in any of them, so
        # each one's services count (HR3, half in Powys, asked Herefordshire alone: no service at
        # all). One more query, only for a split part postcode.
        authorities += [code for code in welsh_authorities_within(parsed) if code != point.lad_code]
    codes: dict[str, None] = {}
    for authority in authorities:
        try:
            codes.update(dict.fromkeys(area_codes_covering(authority)))
        except Area.DoesNotExist:
            codes[authority] = None
    return list(codes)


def _taxonomy_filters(filters: ServiceFilters) -> Q:
    query = Q()
    if filters.taxonomy_term_id is not None:
        term = published.terms_by_id().get(filters.taxonomy_term_id)
        if term is not None:
            query &= term.q()
        else:
            query &= Q(pk__in=Service.objects.filter(taxonomy_terms__public_id=filters.taxonomy_term_id).values("pk"))
    if filters.taxonomy_id is not None:
        ours = published.taxonomies_by_id().get(filters.taxonomy_id)
        if ours is not None:
            query &= ours.q()
        else:
            query &= Q(
                pk__in=Service.objects.filter(taxonomy_terms__taxonomy__public_id=filters.taxonomy_id).values("pk")
            )
    return query


def _criteria_filters(filters: ServiceFilters) -> Q:
    query = Q()
    if filters.age is not None:
        query &= Q(age_min__lte=filters.age, age_max__gte=filters.age)
    for code in filters.abuse_forms:
        query &= Q(**{vocabulary.ABUSE_FORM_FIELDS[code]: True})
    for code in filters.audiences:
        query &= Q(**{vocabulary.AUDIENCE_FIELDS[code]: True})
    if filters.disclosure_required is not None:
        query &= Q(disclosure_required=filters.disclosure_required)
    if filters.welsh is not None:
        query &= Q(welsh_available=filters.welsh)
    if filters.max_wait_weeks is not None:
        query &= Q(current_wait_weeks__lte=filters.max_wait_weeks)
    return query


def service_feed_filter(
    queryset: QuerySet[Service], filters: ServiceFilters, *, covering_codes: list[list[str]] = ()
) -> QuerySet[Service]:
    """Apply every given filter (AND). `covering_codes`: one list of area codes per area filter
    (postcode, coverage); a service must cover an area in each list.
    """
    query = _taxonomy_filters(filters) & _criteria_filters(filters)
    if filters.search:
        text = filters.search
        query &= _text_contains(("name", "description", "organisation__name"), text)
    if filters.organization_id is not None:
        query &= Q(organisation__public_id=filters.organization_id)
    if filters.modified_after is not None:
        query &= Q(feed_last_modified__gte=filters.modified_after)
    for codes in covering_codes:
        query &= Q(pk__in=Service.objects.filter(coverage_areas__code__in=codes).values("pk"))
    return queryset.filter(query)


def organisation_feed_queryset(
    *, search: str | None = None, services: str | None = None, modified_after: datetime | None = None
) -> QuerySet[Organisation]:
    """Organisations with at least one published service, in name order; `services` = "summary"
    or "full" prefetches their services.

    An organisation with none (made by a moderator's invitation, or whose only listing awaits
    approval) is not public: its name, email and phone would be published ahead of any listing."""
    queryset = Organisation.objects.filter(
        Exists(Service.objects.published().filter(organisation=OuterRef("pk")))
    ).order_by(in_language("name"), "pk")
    if search:
        queryset = queryset.filter(_text_contains(("name", "description"), search))
    if modified_after is not None:
        queryset = queryset.filter(updated_at__gte=modified_after)
    if services:
        service_rows = service_feed_queryset(full=services == "full")
        queryset = queryset.prefetch_related(Prefetch("services", queryset=service_rows))
    return queryset


def service_at_location_feed_queryset(services: QuerySet[Service]) -> QuerySet[ServiceAtLocation]:
    """Links between the given services and their locations, in service then location order."""
    return (
        ServiceAtLocation.objects.filter(service__in=services.values("pk"))
        .select_related("service", "location")
        .order_by(in_language("service__name"), "location__name", "pk")
    )


def taxonomy_rows(*, search: str | None = None) -> QuerySet[Taxonomy]:
    """Imported taxonomies (ours are served from code, see `taxonomy.published_taxonomies`)."""
    queryset = Taxonomy.objects.order_by("name", "pk")
    if search:
        queryset = queryset.filter(Q(name__foldcontains=search) | Q(description__foldcontains=search))
    return queryset


def taxonomy_term_rows(
    *,
    search: str | None = None,
    taxonomy_id: uuid.UUID | None = None,
    parent_id: uuid.UUID | None = None,
    top_only: bool = False,
) -> QuerySet[TaxonomyTerm]:
    queryset = TaxonomyTerm.objects.select_related("taxonomy", "parent").order_by("taxonomy__name", "name", "pk")
    if search:
        queryset = queryset.filter(
            Q(name__foldcontains=search) | Q(code__foldcontains=search) | Q(description__foldcontains=search)
        )
    if taxonomy_id is not None:
        queryset = queryset.filter(taxonomy__public_id=taxonomy_id)
    if parent_id is not None:
        queryset = queryset.filter(parent__public_id=parent_id)
    if top_only:
        queryset = queryset.filter(parent__isnull=True)
    return queryset


# --- plain rows for the documents builder (directory.oruk.documents) ---------------------------

_TRANSLATED_SERVICE_FIELDS = ("name", "description", "eligibility", "how_to_refer")
_TRANSLATED_ORGANISATION_FIELDS = ("name", "description")
_SERVICE_COLUMNS = (
    "pk", "public_id", "referral_email", "status", "age_min", "age_max", "last_confirmed_at", "updated_at",
    "cost_note", "referral_url", "other_languages", "capacity_per_year", "referral_phone", "welsh_available",
    "is_free", "current_wait_weeks", "current_wait_as_of", "current_referrals_open", "feed_last_modified",
    "unstated_by_import",
)
_ORGANISATION_COLUMNS = (
    "public_id", "email", "website", "phone", "charity_number", "company_number", "is_sample",
)
_LOCATION_COLUMNS = (
    "public_id", "name", "name_cy", "address_1", "city", "county", "postcode", "latitude", "longitude", "do_not_publish_address",
)


@dataclass
class FeedRows:
    """A set of services' rows as plain values, related rows grouped by service pk (each list in
    the order its document lists them)."""

    services: list[dict]
    areas: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)  # (code, name, name_cy), unsorted
    links: dict[int, list[dict]] = field(default_factory=dict)  # service_at_location + location__*
    terms: dict[int, list[dict]] = field(default_factory=dict)  # imported terms, unsorted


def _service_columns() -> list[str]:
    flags = {name for _choices, fields in vocabulary.MULTI_VALUED.values() for name in fields.values()}
    flags |= {term.field for term in published.all_terms()}
    languages = [code for code, _name in settings.LANGUAGES]
    translated = [f"{name}_{code}" for name in _TRANSLATED_SERVICE_FIELDS for code in languages]
    organisation = [f"organisation__{name}" for name in _ORGANISATION_COLUMNS]
    organisation += [f"organisation__{name}_{code}" for name in _TRANSLATED_ORGANISATION_FIELDS for code in languages]
    return [*_SERVICE_COLUMNS, *translated, *sorted(flags), *organisation]


def _services_values(public_ids: list) -> QuerySet:
    return with_current_wait(Service.objects.published().filter(public_id__in=public_ids)).order_by().values(
        *_service_columns()
    )


def _areas_values(pks: list) -> QuerySet:
    return Service.coverage_areas.through.objects.filter(service_id__in=pks).values(
        "service_id", "area__code", "area__name", "area__name_cy"
    )


def _links_values(pks: list) -> QuerySet:
    return (
        ServiceAtLocation.objects.filter(service_id__in=pks)
        .order_by("location__name", "pk")
        .values("service_id", "public_id", *(f"location__{name}" for name in _LOCATION_COLUMNS))
    )


def _terms_values(pks: list) -> QuerySet:
    return Service.taxonomy_terms.through.objects.filter(service_id__in=pks).values(
        "service_id", "taxonomyterm__public_id", "taxonomyterm__code", "taxonomyterm__name",
        "taxonomyterm__description", "taxonomyterm__term_uri", "taxonomyterm__parent__public_id",
        "taxonomyterm__taxonomy__name", "taxonomyterm__taxonomy__public_id",
    )


@dataclass(frozen=True)
class _CompiledValues:
    sql: str
    params: tuple
    key_positions: tuple[int, ...]  # where the keys go in params
    names: tuple[str, ...]
    converters: tuple  # (column, converter functions, expression), as Django applies them


@lru_cache(maxsize=1024)  # a few distinct counts per page size and language in practice
def _compile(
    make: Callable[[list], QuerySet], count: int, key_field: Field, alias: str, language: str | None
) -> _CompiledValues:
    """`make`'s query compiled for `count` keys. `language` is only part of the cache's key: a
    translated field's name may stand for another column in each language."""
    # Sentinel keys nothing else in the query can equal, to find where the keys' parameters are.
    uuids = isinstance(key_field, UUIDField)
    sentinels = [uuid.UUID(int=i + 1) if uuids else -(i + 1) for i in range(count)]
    connection = connections[alias]
    prepared = {key_field.get_db_prep_value(sentinel, connection) for sentinel in sentinels}
    query = make(sentinels).query
    compiler = query.get_compiler(alias)
    sql, params = compiler.as_sql()
    positions = tuple(i for i, param in enumerate(params) if isinstance(param, Hashable) and param in prepared)
    if len(positions) != count:
        raise RuntimeError(f"expected {count} key parameters in {sql!r}")
    names = list(query.selected) if query.selected else [
        *query.extra_select, *query.values_select, *query.annotation_select,
    ]
    columns = [s[0] for s in compiler.select[0 : compiler.col_count]]
    converters = tuple((i, tuple(convs), col) for i, (convs, col) in compiler.get_converters(columns).items())
    return _CompiledValues(sql, tuple(params), positions, tuple(names), converters)


def _values(make: Callable[[list], QuerySet], keys: list, key_field: Field) -> list[dict]:
    """`list(make(keys))` for `make` returning a values() queryset filtered on `<key>__in=keys`:
    the same rows, but Django compiles the SQL once per number of keys and language, not on every
    call. For the feed's rows, building and compiling the queryset cost ~3× running it (~5 ms of
    CPU for a page of 50 services against ~1.5 ms)."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return []
    alias = Service.objects.db
    compiled = _compile(make, len(keys), key_field, alias, get_language())
    connection = connections[alias]
    params = list(compiled.params)
    for position, key in zip(compiled.key_positions, keys, strict=True):
        params[position] = key_field.get_db_prep_value(key, connection)
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    names, converters = compiled.names, compiled.converters
    if converters:
        rows = [list(row) for row in rows]
        for row in rows:
            for i, functions, expression in converters:
                value = row[i]
                for function in functions:
                    value = function(value, expression, connection)
                row[i] = value
    return [dict(zip(names, row, strict=True)) for row in rows]


def service_feed_rows(*, public_ids: list[uuid.UUID], full: bool) -> FeedRows:
    """The published services with these ids as plain rows: what `service_feed_queryset` gives as
    model instances, without building them. One query, and three more if `full` (areas, locations,
    imported taxonomy terms), however many services."""
    services = _values(_services_values, public_ids, Service._meta.get_field("public_id"))
    rows = FeedRows(services)
    if not full or not services:
        return rows
    pks, pk_field = [row["pk"] for row in services], Service._meta.pk
    for area in _values(_areas_values, pks, pk_field):
        rows.areas.setdefault(area["service_id"], []).append(
            (area["area__code"], area["area__name"], area["area__name_cy"])
        )
    for link in _values(_links_values, pks, pk_field):
        rows.links.setdefault(link["service_id"], []).append(link)
    for term in _values(_terms_values, pks, pk_field):
        rows.terms.setdefault(term["service_id"], []).append(term)
    return rows
