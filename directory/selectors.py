"""Reads for the directory's pages: the social workers' search, a service's page, the shortlist.

Every function here runs a fixed number of queries however many services match (the tests
assert it): related rows come through `select_related` / `prefetch_related`, and the current
waiting time is annotated with subqueries rather than read per service.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import IntEnum
from uuid import UUID

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from geopy.distance import EARTH_RADIUS

from directory import search_index, vocabulary
from directory.models import Area, Location, Service, ServiceAtLocation, WaitingTimeReport

# Services based this close to the child, that do not cover the child's area, are still shown
# (labelled) because a social worker may negotiate an out-of-area referral.
NEARBY_KM = 40
# A waiting time reported longer ago than this is shown as "may be out of date".
STALE_WAIT_DAYS = 42
PAGE_SIZE = 20

SORT_BEST = "best"
SORT_WAIT = "wait"
SORT_DISTANCE = "distance"
SORTS = (
    (SORT_BEST, _("Best match")),
    (SORT_WAIT, _("Shortest wait")),
    (SORT_DISTANCE, _("Nearest")),
)


class Group(IntEnum):
    """Where a result sits on the page, in this order."""

    LOCAL = 1  # takes referrals from the child's local authority (or a board/region it is in)
    NEARBY = 2  # based near by, but does not list the child's area
    FALLBACK = 3  # all-Wales services, and helplines that list no area at all


# --- current waiting time ----------------------------------------------------------------


def with_current_wait(queryset: QuerySet[Service]) -> QuerySet[Service]:
    """Annotate each service with its latest waiting-time report (three correlated subqueries)."""
    latest = WaitingTimeReport.objects.filter(service=OuterRef("pk")).order_by("-as_of", "-recorded_at", "-id")
    return queryset.annotate(
        current_wait_weeks=Subquery(latest.values("weeks")[:1]),
        current_wait_as_of=Subquery(latest.values("as_of")[:1]),
        current_wait_open=Subquery(latest.values("referrals_open")[:1]),
    )


@dataclass(frozen=True)
class CurrentWait:
    """The latest waiting-time report, with how old it is (pure)."""

    weeks: int
    as_of: date
    referrals_open: bool
    age_days: int

    @property
    def is_stale(self) -> bool:
        return self.age_days > STALE_WAIT_DAYS

    @property
    def shows_year(self) -> bool:
        return self.age_days > 300


def current_wait(service: Service, today: date | None = None) -> CurrentWait | None:
    """Read the annotations `with_current_wait` adds; None when the service never reported one."""
    weeks = getattr(service, "current_wait_weeks", None)
    as_of = getattr(service, "current_wait_as_of", None)
    if weeks is None or as_of is None:
        return None
    today = today or timezone.localdate()
    return CurrentWait(
        weeks=weeks,
        as_of=as_of,
        referrals_open=bool(getattr(service, "current_wait_open", True)),
        age_days=(today - as_of).days,
    )


def accepting_referrals(service: Service, wait: CurrentWait | None) -> bool:
    """Active, and its latest report (if any) does not say the list is closed."""
    return service.status == Service.Status.ACTIVE and (wait is None or wait.referrals_open)


# --- search criteria (pure) ---------------------------------------------------------------


@dataclass(frozen=True)
class SearchCriteria:
    """What the social worker asked for. Empty means "any"."""

    age: Decimal | None = None
    abuse_forms: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    no_disclosure: bool = False
    proceedings_ongoing: bool = False
    delivery_modes: tuple[str, ...] = ()
    welsh: bool = False
    max_wait_weeks: int | None = None
    referrer: str = ""


def _offers_any(service: Service, chosen: Sequence[str], fields: dict[str, str]) -> bool:
    return not chosen or any(getattr(service, fields[code]) for code in chosen)


def _wait_ok(service: Service, c: SearchCriteria) -> bool:
    # No reported wait is "unknown", not "too long": it stays in, shown as "not reported".
    # A closed list or paused service cannot meet any acceptable wait.
    if c.max_wait_weeks is None:
        return True
    wait = current_wait(service)
    if not accepting_referrals(service, wait):
        return False
    return wait is None or wait.weeks <= c.max_wait_weeks


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    passes: Callable[[Service, SearchCriteria], bool]


# Each criterion a service can fail. Order is the order they are reported in.
CRITERIA: tuple[Criterion, ...] = (
    Criterion("status", _("Closed"), lambda s, c: s.status != Service.Status.CLOSED),
    Criterion(
        "age", _("The child's age is outside the service's age range"),
        lambda s, c: c.age is None or s.age_min <= c.age <= s.age_max,
    ),
    Criterion(
        "abuse_forms", _("Does not work with the forms of abuse chosen"),
        lambda s, c: _offers_any(s, c.abuse_forms, vocabulary.ABUSE_FORM_FIELDS),
    ),
    Criterion(
        "audiences", _("Does not support the people chosen"),
        lambda s, c: _offers_any(s, c.audiences, vocabulary.AUDIENCE_FIELDS),
    ),
    Criterion(
        "disclosure", _("Needs a verbal disclosure first"),
        lambda s, c: not (c.no_disclosure and s.disclosure_required),
    ),
    Criterion(
        "proceedings", _("Only once the police investigation or court case is finished"),
        lambda s, c: not (c.proceedings_ongoing and s.requires_proceedings_finished),
    ),
    Criterion(
        "delivery", _("Does not offer the ways of delivery chosen"),
        lambda s, c: _offers_any(s, c.delivery_modes, vocabulary.DELIVERY_MODE_FIELDS),
    ),
    Criterion("welsh", _("No support in Welsh"), lambda s, c: s.welsh_available or not c.welsh),
    Criterion("wait", _("Wait longer than you can accept, or not taking referrals"), _wait_ok),
    Criterion(
        "referrer", _("Does not accept referrals from you"),
        lambda s, c: not c.referrer or getattr(s, vocabulary.REFERRER_FIELDS[c.referrer]),
    ),
)


def failed_criteria(service: Service, criteria: SearchCriteria) -> list[str]:
    """Codes of the criteria this service fails (pure: reads only the instance)."""
    return [criterion.code for criterion in CRITERIA if not criterion.passes(service, criteria)]


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchArea:
    """The child's area as the search sees it."""

    code: str
    name: str
    in_wales: bool
    known: bool  # False for an area we hold no row for (e.g. an English local authority)
    local_ids: frozenset[int] = frozenset()  # the LA, its health board and safeguarding region
    nation_ids: frozenset[int] = frozenset()  # Wales


@dataclass
class SearchResult:
    # The full service once hydrated (`search_results_hydrate`); until then its light row
    # (`search_index.ServiceRow`), which has every column the criteria, tags and sort read.
    service: Service
    group: Group
    distance_km: float | None
    locations: list[Location]  # published locations with a point; never a do-not-publish one
    criteria: SearchCriteria
    wait: CurrentWait | None = field(init=False)
    # The parts of its card that depend on the service alone (result_cards.attach), for the page shown.
    card: dict | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.wait = current_wait(self.service)

    @staticmethod
    def _tags(service: Service, concept: str, chosen: Sequence[str]) -> list[tuple[str, bool]]:
        choices, fields = vocabulary.MULTI_VALUED[concept]
        return [(str(label), code in chosen) for code, label in choices if getattr(service, fields[code])]

    @property
    def abuse_form_tags(self) -> list[tuple[str, bool]]:
        """(label, matched) for every form of abuse the service works with."""
        return self._tags(self.service, "abuse_forms", self.criteria.abuse_forms)

    @property
    def audience_tags(self) -> list[tuple[str, bool]]:
        return self._tags(self.service, "audiences", self.criteria.audiences)

    @property
    def match_score(self) -> int:
        """How many of the chosen forms and people the service works with (the matched tags, counted
        without building their translated labels: it is read for every result when sorting)."""
        service, criteria = self.service, self.criteria
        return sum(1 for code in criteria.abuse_forms if getattr(service, vocabulary.ABUSE_FORM_FIELDS[code])) + sum(
            1 for code in criteria.audiences if getattr(service, vocabulary.AUDIENCE_FIELDS[code]))

    @property
    def accepting(self) -> bool:
        return accepting_referrals(self.service, self.wait)

    @property
    def is_local(self) -> bool:
        return self.group == Group.LOCAL

    @property
    def is_nearby(self) -> bool:
        return self.group == Group.NEARBY

    @property
    def is_fallback(self) -> bool:
        return self.group == Group.FALLBACK


@dataclass(frozen=True)
class Exclusion:
    code: str
    label: str
    count: int  # services that fail this criterion (a service may fail several)
    only_reason: int  # of those, how many fail nothing else: relaxing it alone would show them


@dataclass
class SearchOutcome:
    area: SearchArea
    results: list[SearchResult]
    exclusions: list[Exclusion]
    considered: int  # services relevant to the area before the criteria were applied
    # The criteria each *covering* service failed (one list per service): what the unmet-demand
    # counter needs to say why a child's own area had nothing. Codes only, nothing about the child.
    local_failures: list[list[str]] = field(default_factory=list)

    def first_page(self, group: Group, page_size: int = PAGE_SIZE) -> int | None:
        """The results page a group starts on, or None if it is empty."""
        for index, result in enumerate(self.results):
            if result.group == group:
                return index // page_size + 1
        return None

    def _count(self, group: Group) -> int:
        return sum(1 for result in self.results if result.group == group)

    @property
    def local_count(self) -> int:
        return self._count(Group.LOCAL)

    @property
    def nearby_count(self) -> int:
        return self._count(Group.NEARBY)

    @property
    def fallback_count(self) -> int:
        return self._count(Group.FALLBACK)


_INF = math.inf


def _sort_key(result: SearchResult, sort: str) -> tuple:
    wait = result.wait
    weeks = wait.weeks if wait is not None else _INF
    unsure_wait = wait is None or wait.is_stale
    distance = result.distance_km if result.distance_km is not None else _INF
    name = result.service.name.lower()  # a light row's name reads the active language too
    if sort == SORT_DISTANCE:
        return (result.group, distance, name)
    if sort == SORT_WAIT:
        return (result.group, not result.accepting, weeks, unsure_wait, distance, name)
    # Best match: most chosen forms/people matched, then open lists, fresh waits, short waits.
    return (result.group, -result.match_score, not result.accepting, unsure_wait, weeks, distance, name)


def sort_results(results: Iterable[SearchResult], sort: str) -> list[SearchResult]:
    """Coverage first, then near by, then all-Wales; the chosen order within each (pure)."""
    return sorted(results, key=lambda r: _sort_key(r, sort))


EARTH_RADIUS_KM = EARTH_RADIUS  # geopy's mean radius, the one its great_circle uses


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance: within 0.5% of the geodesic and about ten times faster (pure).

    The same formula and radius as geopy's `great_circle` (so the same figures), without its
    Point objects, which cost more than the arithmetic when a search weighs a thousand services.
    """
    lat1, lng1, lat2, lng2 = math.radians(a[0]), math.radians(a[1]), math.radians(b[0]), math.radians(b[1])
    sin_lat1, cos_lat1 = math.sin(lat1), math.cos(lat1)
    sin_lat2, cos_lat2 = math.sin(lat2), math.cos(lat2)
    delta_lng = lng2 - lng1
    cos_delta_lng, sin_delta_lng = math.cos(delta_lng), math.sin(delta_lng)
    d = math.atan2(
        math.sqrt((cos_lat2 * sin_delta_lng) ** 2 + (cos_lat1 * sin_lat2 - sin_lat1 * cos_lat2 * cos_delta_lng) ** 2),
        sin_lat1 * sin_lat2 + cos_lat1 * cos_lat2 * cos_delta_lng,
    )
    return EARTH_RADIUS_KM * d


def _nearest_km(point: tuple[float, float] | None, points: Sequence[tuple[float, float]]) -> float | None:
    if point is None or not points:
        return None
    return min(great_circle_km(point, other) for other in points)


def search_area_for(lad_code: str) -> SearchArea:
    """The local authority and the larger areas it belongs to. Two queries."""
    la = Area.objects.filter(code=lad_code).first()
    if la is None:
        return SearchArea(code=lad_code, name=lad_code, in_wales=False, known=False)
    # Parents and grandparents, so coverage by a region inside a board still counts.
    larger = list(Area.objects.filter(Q(members=la) | Q(members__members=la)).distinct())
    nations = frozenset(a.id for a in larger if a.kind == Area.Kind.NATION)
    return SearchArea(
        code=la.code,
        name=la.display_name,
        in_wales=bool(nations),
        known=True,
        local_ids=frozenset({la.id} | {a.id for a in larger if a.kind != Area.Kind.NATION}),
        nation_ids=nations,
    )


def _public_sites() -> Prefetch:
    return Prefetch(
        "service_at_locations",
        queryset=ServiceAtLocation.objects.select_related("location").filter(
            location__do_not_publish_address=False, location__latitude__isnull=False,
            location__longitude__isnull=False,
        ).order_by("location__name", "id"),
        to_attr="public_sites",
    )


def public_locations(service: Service) -> list[Location]:
    """Published locations with a point, from the `_public_sites` prefetch (no query)."""
    return [site.location for site in getattr(service, "public_sites", []) if site.location.has_public_point]


def _hydrate(results: Sequence[SearchResult]) -> None:
    """Full services (organisation, published sites) in place of the light rows. Two queries.

    The annotations the light rows carry are copied across rather than computed again.
    """
    rows = [result.service for result in results if not isinstance(result.service, Service)]
    if not rows:
        return
    services = Service.objects.filter(id__in=[row.id for row in rows]).select_related("organisation") \
        .prefetch_related(_public_sites())
    by_id = {service.id: service for service in services}
    for row in rows:
        for name in (*search_index.WAIT_FIELDS, "lists_an_area"):
            setattr(by_id[row.id], name, getattr(row, name))
    for result in results:
        if not isinstance(result.service, Service):
            result.service = by_id[result.service.id]
            result.locations = public_locations(result.service)


def search_results_hydrate(results: Sequence[SearchResult]) -> None:
    """Give these results (the page shown) their full services and published locations. Two queries,
    none if they have them already. `service_search(hydrate=False)` leaves every result light: a
    national search passes hundreds, of which a page shows twenty."""
    _hydrate(results)


@dataclass(frozen=True)
class MapService:
    """What the search map shows of a service: its name and address (its page's link)."""

    public_id: UUID
    name: str


@dataclass(frozen=True)
class MapLocation:
    name: str
    latitude: float
    longitude: float
    has_public_point: bool = True


def search_results_for_map(results: Sequence[SearchResult]) -> list[SearchResult]:
    """The results that have a published location, each with just what the map draws (its name,
    public id and published locations), not the full service. Two queries."""
    if not results:
        return []
    ids = [result.service.id for result in results]
    names = {
        row["id"]: MapService(row["public_id"], search_index.translated_name(row["name_en"], row["name_cy"]))
        for row in Service.objects.filter(id__in=ids).values("id", "public_id", "name_en", "name_cy")
    }
    sites: dict[int, list[MapLocation]] = {}
    for service_id, name, latitude, longitude in ServiceAtLocation.objects.filter(
        service_id__in=ids, location__do_not_publish_address=False, location__latitude__isnull=False,
        location__longitude__isnull=False,
    ).order_by("location__name", "id").values_list("service_id", "location__name", "location__latitude",
                                                   "location__longitude"):
        sites.setdefault(service_id, []).append(MapLocation(name, latitude, longitude))
    return [
        SearchResult(names[r.service.id], r.group, r.distance_km, sites[r.service.id], r.criteria)
        for r in results if r.service.id in sites
    ]


def _group(
    service: search_index.ServiceRow, covers_local: bool, covers_nation: bool, distance_km: float | None, nearby: bool,
) -> Group | None:
    if covers_local:
        return Group.LOCAL
    if covers_nation:
        return Group.FALLBACK
    if nearby and distance_km is not None and distance_km <= NEARBY_KM:
        return Group.NEARBY
    if service.kind_helpline and not service.lists_an_area:
        return Group.FALLBACK
    return None


def _exclusions(failures: list[list[str]]) -> list[Exclusion]:
    exclusions = []
    for criterion in CRITERIA:
        failing = [f for f in failures if criterion.code in f]
        if failing:
            only = sum(1 for f in failing if len(f) == 1)
            exclusions.append(Exclusion(criterion.code, str(criterion.label), len(failing), only))
    return sorted(exclusions, key=lambda e: -e.count)


def service_search(
    *,
    lad_code: str,
    point: tuple[float, float] | None,
    age: Decimal | None = None,
    abuse_forms: Sequence[str] = (),
    audiences: Sequence[str] = (),
    no_disclosure: bool = False,
    proceedings_ongoing: bool = False,
    delivery_modes: Sequence[str] = (),
    welsh: bool = False,
    max_wait_weeks: int | None = None,
    referrer: str = "",
    sort: str = SORT_BEST,
    hydrate: bool = True,
    directory_version: str | None = None,
) -> SearchOutcome:
    """Services for a child in `lad_code` (distances from `point`), in three groups.

    1. services that cover the local authority, its health board or its safeguarding region;
    2. services with a published location within NEARBY_KM of the point that do not cover it;
    3. all-Wales services (they cover Wales) and helplines that list no area.
    A service covering Wales is a fallback even when it is based near by: it takes the
    referral, but it is not the local offer. Services failing any criterion are left out
    and counted per criterion in `exclusions`.

    The candidates come from `search_index` (this process's copy of the light rows, read once per
    directory version). With `hydrate` every result gets its full service (two queries); without,
    results keep their light rows and the caller hydrates the ones it shows
    (`search_results_hydrate`, `search_results_for_map`). Three queries (five hydrated), plus
    three when the directory changed since this process last read the index; one fewer when the
    caller passes the `directory_version` it read already.
    """
    index = search_index.current(directory_version)
    area = search_area_for(lad_code)
    nearby_ids = index.nearby(point, NEARBY_KM) if point is not None else set()
    criteria = SearchCriteria(
        age=age, abuse_forms=tuple(abuse_forms), audiences=tuple(audiences), no_disclosure=no_disclosure,
        proceedings_ongoing=proceedings_ongoing, delivery_modes=tuple(delivery_modes), welsh=welsh,
        max_wait_weeks=max_wait_weeks, referrer=referrer,
    )
    local = index.covering_any(area.local_ids)
    nation = index.covering_any(area.nation_ids)
    candidates = local | nation | index.unlisted_helplines | nearby_ids
    rows = [index.rows[i] for i in sorted(candidates) if i in index.rows]
    failures: list[list[str]] = []
    local_failures: list[list[str]] = []
    results: list[SearchResult] = []
    considered = 0
    for row in rows:
        failed = failed_criteria(row, criteria)  # type: ignore[arg-type]
        near = row.id in nearby_ids
        # Distances only where they matter: passing services, and near-by ones (to know if they are).
        distance = _nearest_km(point, index.points.get(row.id, ())) if near or not failed else None
        group = _group(row, row.id in local, row.id in nation, distance, near)
        if group is None:
            continue  # inside the bounding box but beyond NEARBY_KM
        considered += 1
        if failed:
            failures.append(failed)
            if group == Group.LOCAL:
                local_failures.append(failed)
        else:
            results.append(SearchResult(row, group, distance, [], criteria))  # type: ignore[arg-type]
    results = sort_results(results, sort)
    if hydrate:
        _hydrate(results)
    return SearchOutcome(area, results, _exclusions(failures), considered, local_failures)


# --- a service's page and the shortlist ---------------------------------------------------


def service_get(*, public_id: UUID) -> Service:
    """One service with everything its page shows. Raises Service.DoesNotExist. Seven queries."""
    queryset = with_current_wait(Service.objects.published().select_related("organisation")).prefetch_related(
        Prefetch("coverage_areas", queryset=Area.objects.prefetch_related("members__members").order_by("name")),
        Prefetch("waiting_times", queryset=WaitingTimeReport.objects.order_by("-as_of", "-recorded_at", "-id")),
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related("location").order_by("location__name", "id"),
            to_attr="all_sites",
        ),
        _public_sites(),
    )
    return queryset.get(public_id=public_id)


def covered_local_authority_codes(service: Service) -> list[str]:
    """Codes of the local authorities inside the service's coverage areas (from the prefetch)."""
    codes: set[str] = set()
    for area in service.coverage_areas.all():
        stack = [area]
        while stack:
            current = stack.pop()
            if current.kind == Area.Kind.LOCAL_AUTHORITY:
                codes.add(current.code)
            else:
                stack.extend(current.members.all())
    return sorted(codes)


def service_list_by_public_ids(*, public_ids: Sequence[UUID]) -> list[Service]:
    """The services with these ids, in the order given; unknown ids are skipped. Four queries."""
    if not public_ids:
        return []
    queryset = with_current_wait(Service.objects.published().filter(public_id__in=public_ids)).select_related(
        "organisation"
    ).prefetch_related("coverage_areas", _public_sites())
    by_id = {service.public_id: service for service in queryset}
    return [by_id[pid] for pid in public_ids if pid in by_id]


def local_authority_choices() -> QuerySet[Area]:
    """The 22 Welsh local authorities, for the search form's list, in the order of the page's
    language (Welsh names on Welsh pages: Caerdydd sits under C, not where Cardiff would)."""
    welsh = (get_language() or "en").startswith("cy")
    return Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY).order_by("name_cy" if welsh else "name", "name")
