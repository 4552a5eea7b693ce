"""Reads for the directory's pages: the social workers' search, a service's page, the shortlist.

Every function here runs a fixed number of queries however many services match (the tests
assert it): related rows come through `select_related` / `prefetch_related`, and the current
waiting time is annotated with subqueries rather than read per service.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import InitVar, dataclass, field
from datetime import date
from decimal import Decimal
from enum import IntEnum
from uuid import UUID

import numpy as np
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from geopy.distance import EARTH_RADIUS

from directory import reference_data, search_index, vocabulary
from directory.bilingual import NamedInBothLanguages
from directory.models import WALES_CODE, Area, Location, Service, ServiceAtLocation, WaitingTimeReport

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
    """Where a result sits on the page, in this order (its value: every sort compares it first).
    Every service that takes the child's referral comes before any that may not."""

    LOCAL = 1  # takes referrals from the child's local authority (or a board/region it is in)
    FALLBACK = 2  # all-Wales services, and helplines that list no area at all: they take it too
    NEARBY = 3  # based near by, but does not list the child's area: it may not take the referral

    @property
    def slug(self) -> str:
        """Its name in the page's anchors and the map's marker and key classes (`#group-all-wales`,
        `.sm-pin--all-wales`): a name, not its place, so a shared link or a marker's shape keeps
        meaning the same group whatever the order."""
        return {Group.LOCAL: "local", Group.FALLBACK: "all-wales", Group.NEARBY: "nearby"}[self]


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


def covers_age(age_min: Decimal, age_max: Decimal, age: Decimal) -> bool:
    """Whether a service for ages `age_min` to `age_max` takes a child of `age` (pure).

    A whole-year upper bound takes the whole of that year: "ages 4 to 16" takes a child of 16½,
    who is 16 (until the 17th birthday). A bound with a fraction (12.5) is exact."""
    if age < age_min:
        return False
    if age_max == age_max.to_integral_value():
        return age < age_max + 1
    return age <= age_max


# Each criterion a service can fail. Order is the order they are reported in.
CRITERIA: tuple[Criterion, ...] = (
    Criterion("status", _("Closed"), lambda s, c: s.status != Service.Status.CLOSED),
    Criterion(
        "age", _("The child's age is outside the service's age range"),
        lambda s, c: c.age is None or covers_age(s.age_min, s.age_max, c.age),
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
    # (`search_index.ServiceRow`), which has every column the criteria, tags and sort read, and
    # all a result card reads of its service besides the cached part (`result_cards`).
    service: Service
    group: Group
    distance_km: float | None
    # Its published locations with a point (never a do-not-publish one): Location instances once
    # hydrated, the index's (latitude, longitude) points until then (as many: the card counts them).
    locations: Sequence[Location] | Sequence[tuple[float, float]]
    criteria: SearchCriteria
    wait: CurrentWait | None = field(init=False)
    # The parts of its card that depend on the service alone (result_cards.attach), for the page shown.
    card: dict | None = field(default=None, init=False, repr=False, compare=False)
    today: InitVar[date | None] = None  # what the wait's age counts from (default: today)
    # The language its tags are labelled in (default: the active one, looked up when read). A
    # search passes its own: looking the active language up for each card's tags cost ~0.1 ms a page.
    language: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self, today: date | None) -> None:
        self.wait = current_wait(self.service, today)

    def _tags(self, concept: str, chosen: Sequence[str]) -> list[tuple[str, bool]]:
        choices = vocabulary.translated_choices(concept, self.language)
        service = self.service
        return [(label, code in chosen) for code, field_name, label in choices if getattr(service, field_name)]

    @property
    def abuse_form_tags(self) -> list[tuple[str, bool]]:
        """(label, matched) for every form of abuse the service works with."""
        return self._tags("abuse_forms", self.criteria.abuse_forms)

    @property
    def audience_tags(self) -> list[tuple[str, bool]]:
        return self._tags("audiences", self.criteria.audiences)

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


@dataclass(frozen=True)
class AudienceGap:
    """Someone the social worker chose (an `vocabulary.AUDIENCES` code) whom none of the results
    that take referrals from the area supports, and where on the page a result that does is
    (`elsewhere`: the first other group holding one; None when no result does). Nothing about a child."""

    audience: str
    elsewhere: Group | None = None

    @property
    def in_fallback(self) -> bool:
        return self.elsewhere == Group.FALLBACK

    @property
    def in_nearby(self) -> bool:
        return self.elsewhere == Group.NEARBY


@dataclass
class SearchOutcome:
    area: SearchArea
    results: Sequence[SearchResult]  # a list, or LazyResults
    exclusions: list[Exclusion]
    considered: int  # services relevant to the area before the criteria were applied
    # The criteria each *covering* service failed (one list per service): what the unmet-demand
    # counter needs to say why a child's own area had nothing. Codes only, nothing about the child.
    local_failures: list[list[str]] = field(default_factory=list)
    # A digest of the services weighed and their versions (`candidates_digest`): equal digests in
    # one generation mean the same outcome, whatever else in the directory changed. Not part of
    # the outcome itself (two searches can reach the same outcome from different candidates).
    candidates: bytes = field(default=b"", compare=False)
    # The people chosen whom no local result supports (in `vocabulary.AUDIENCES` order), when some
    # local result is shown: the page says so, so that the social worker looks wider at once.
    audience_gaps: tuple[AudienceGap, ...] = ()

    def _groups(self) -> Sequence[Group]:
        # Lazy results know their groups without building every result.
        groups = getattr(self.results, "groups", None)
        return groups if groups is not None else [result.group for result in self.results]

    def first_page(self, group: Group, page_size: int = PAGE_SIZE) -> int | None:
        """The results page a group starts on, or None if it is empty."""
        return self.first_pages(page_size)[group]

    def continues_group(self, index: int) -> bool:
        """Whether the result at `index` (a page's first) is in the group of the one before it: the
        group began on an earlier page, and its heading on this page says "(continued)" (without it,
        page 2 of a long group read as a new group of the same name)."""
        groups = self._groups()
        return 0 < index < len(groups) and groups[index] == groups[index - 1]

    def group_counts(self) -> dict[Group, int]:
        """How many results each group holds (as `local_count` and the others, in one pass)."""
        counts = dict.fromkeys(Group, 0)
        for group in self._groups():
            counts[group] += 1
        return counts

    def first_pages(self, page_size: int = PAGE_SIZE) -> dict[Group, int | None]:
        """The results page each group starts on (as `first_page`, in one pass)."""
        first: dict[Group, int | None] = dict.fromkeys(Group)
        for index, group in enumerate(self._groups()):
            if first[group] is None:
                first[group] = index // page_size + 1
        return first

    def _count(self, group: Group) -> int:
        return self.group_counts()[group]

    @property
    def local_count(self) -> int:
        return self._count(Group.LOCAL)

    @property
    def nearby_count(self) -> int:
        return self._count(Group.NEARBY)

    @property
    def fallback_count(self) -> int:
        return self._count(Group.FALLBACK)


class LazyResults(Sequence):
    """A search's results in order, each `SearchResult` built when first read: a national search
    passes hundreds, of which a page shows twenty (building them all was a third of `weigh`).
    Equal to any sequence of the same results."""

    def __init__(self, make: Callable[[int], SearchResult], groups: list[Group]) -> None:
        self._make, self.groups = make, groups
        self._built: list[SearchResult | None] = [None] * len(groups)

    def __len__(self) -> int:
        return len(self.groups)

    def __getitem__(self, position):
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError("search result index out of range")
        result = self._built[position]
        if result is None:
            result = self._built[position] = self._make(position)
        return result

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LazyResults({len(self)} results)"


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
    """Coverage first, then all-Wales, then near by; the chosen order within each (pure).

    The definition of the order: `weigh` gives the same with numpy (`_sort_order`)."""
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


def _nearest_kms(columns: search_index.Columns, point: tuple[float, float], rows: Rows) -> np.ndarray:
    """`_nearest_km` from the point to each row's published points (inf where it has none), for
    all of them at once over the index's columns.

    The same operations in the same order as `great_circle_km` (`x ** 2` as `np.power` with an
    array of exponents, which calls the C library's `pow` as Python's `**` does; `np.square`
    rounds differently), from the points' side the index holds. Where numpy's sin, cos, atan2 and
    pow are the C library's, the figures are the same to the last digit; on a processor with
    AVX-512 numpy uses its own, and about one figure in a hundred is a last bit apart (measured on
    session 9's machine). These figures only order and group the results: ties at NEARBY_KM are
    decided again, and the figure a card shows computed again, by `great_circle_km` (`weigh`).
    """
    wanted = np.zeros(len(columns.rows), dtype=bool)
    wanted[rows] = True
    at = np.flatnonzero(wanted[columns.point_row])
    nearest = np.full(len(columns.rows), _INF)
    if len(at):
        lat1, lng1 = math.radians(point[0]), math.radians(point[1])
        sin_lat1, cos_lat1 = math.sin(lat1), math.cos(lat1)
        sin_lat2, cos_lat2 = columns.point_sin_lat[at], columns.point_cos_lat[at]
        delta_lng = columns.point_lng_rad[at] - lng1
        cos_delta_lng, sin_delta_lng = np.cos(delta_lng), np.sin(delta_lng)
        two = np.full(len(at), 2.0)
        d = np.arctan2(
            np.sqrt(np.power(cos_lat2 * sin_delta_lng, two)
                    + np.power(cos_lat1 * sin_lat2 - sin_lat1 * cos_lat2 * cos_delta_lng, two)),
            sin_lat1 * sin_lat2 + cos_lat1 * cos_lat2 * cos_delta_lng,
        )
        km = EARTH_RADIUS_KM * d
        # The points are grouped by row (ascending): the least of each run is its row's nearest.
        point_rows = columns.point_row[at]
        starts = np.flatnonzero(np.concatenate(([True], point_rows[1:] != point_rows[:-1])))
        nearest[point_rows[starts]] = np.minimum.reduceat(km, starts)
    return nearest[rows]


def _nearest_km(point: tuple[float, float] | None, points: Sequence[tuple[float, float]]) -> float | None:
    if point is None or not points:
        return None
    return min(great_circle_km(point, other) for other in points)


def search_area_for(lad_code: str, index: search_index.SearchIndex) -> SearchArea:
    """The local authority and the larger areas it belongs to, from the index (no query)."""
    la = index.areas.get(lad_code)
    if la is None:
        # An authority outside Wales, named from the GB list (its code only if even that lacks it).
        name = reference_data.gb_local_authority_name(lad_code) or lad_code
        return SearchArea(code=lad_code, name=name, in_wales=False, known=False)
    # Parents and grandparents, so coverage by a region inside a board still counts.
    larger_ids = {*la.parents, *(grand for parent in la.parents for grand in index.areas_by_id[parent].parents)}
    larger = [index.areas_by_id[area_id] for area_id in larger_ids]
    nations = frozenset(a.id for a in larger if a.kind == Area.Kind.NATION)
    welsh = (get_language() or "en").startswith("cy")
    return SearchArea(
        code=la.code,
        name=la.name_cy if welsh and la.name_cy else la.name,  # as Area.display_name
        # Its nation is Wales: an English authority belongs to England, also a nation.
        in_wales=any(index.areas_by_id[n].code == WALES_CODE for n in nations),
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


def _hydrate(results: Sequence[SearchResult], *, locations: bool = True) -> None:
    """Full services (organisation, and with `locations` published sites) in place of the light
    rows. Two queries (one without locations).

    The annotations the light rows carry are copied across rather than computed again. Without
    `locations`, each result keeps the index's points for its published locations (as many).
    """
    rows = [result.service for result in results if not isinstance(result.service, Service)]
    if not rows:
        return
    services = Service.objects.filter(id__in=[row.id for row in rows]).select_related("organisation")
    if locations:
        services = services.prefetch_related(_public_sites())
    by_id = {service.id: service for service in services}
    for row in rows:
        for name in (*search_index.WAIT_FIELDS, "lists_an_area"):
            setattr(by_id[row.id], name, getattr(row, name))
    for result in results:
        if not isinstance(result.service, Service):
            result.service = by_id[result.service.id]
            if locations:
                result.locations = public_locations(result.service)


def search_results_hydrate(results: Sequence[SearchResult]) -> None:
    """Give these results their full services, for the cards not cached yet. One query, none if
    they have them already. `service_search(hydrate=False)` leaves every result light: a national
    search passes hundreds, of which a page shows twenty, and only the cards not cached yet need
    more. Their locations stay the index's points: a card only counts them (its service-only
    part reads no location)."""
    _hydrate(results, locations=False)


@dataclass(frozen=True)
class MapService:
    """What the search map shows of a service: its name and address (its page's link)."""

    public_id: UUID
    name: str
    name_lang: str = ""  # "en" where a Welsh page shows the English name (no Welsh one given)


@dataclass(frozen=True)
class MapLocation(NamedInBothLanguages):
    name: str
    latitude: float
    longitude: float
    has_public_point: bool = True
    name_cy: str = ""


def search_results_for_map(results: Sequence[SearchResult]) -> list[SearchResult]:
    """The results that have a published location, each with just what the map draws (its name,
    public id and published locations), not the full service. Two queries."""
    if not results:
        return []
    ids = [result.service.id for result in results]
    names = {
        row["id"]: MapService(row["public_id"], search_index.translated_name(row["name_en"], row["name_cy"]),
                              search_index.translated_name_lang(row["name_en"], row["name_cy"]))
        for row in Service.objects.filter(id__in=ids).values("id", "public_id", "name_en", "name_cy")
    }
    sites: dict[int, list[MapLocation]] = {}
    for service_id, name, name_cy, latitude, longitude in ServiceAtLocation.objects.filter(
        service_id__in=ids, location__do_not_publish_address=False, location__latitude__isnull=False,
        location__longitude__isnull=False,
    ).order_by("location__name", "id").values_list("service_id", "location__name", "location__name_cy",
                                                   "location__latitude", "location__longitude"):
        sites.setdefault(service_id, []).append(MapLocation(name, latitude, longitude, name_cy=name_cy))
    return [
        SearchResult(names[r.service.id], r.group, r.distance_km, sites[r.service.id], r.criteria)
        for r in results if r.service.id in sites
    ]


# --- weighing the candidates (vectorised) --------------------------------------------------
#
# `failed_criteria` (through CRITERIA) is the definition; these compute the same per criterion
# for every candidate at once, over the index's columns (tests/directory/test_search_vectorised.py
# holds the two to the same outcome). Each returns a bool array over `rows` (True: fails), or
# None when no candidate can fail it.

Rows = np.ndarray  # row numbers in `search_index.Columns`


def _fails_any_of(columns: search_index.Columns, rows: Rows, chosen: Sequence[str], fields: dict[str, str]):
    if not chosen:
        return None
    offers = np.zeros(len(rows), dtype=bool)
    for code in chosen:
        offers |= columns.flags[fields[code]][rows]
    return ~offers


def _fails_age(columns: search_index.Columns, rows: Rows, c: SearchCriteria):
    if c.age is None:
        return None
    age = float(c.age)
    low, high = columns.age_min[rows], columns.age_max[rows]
    # As `covers_age`: a whole-year upper bound N takes ages below N + 1, a fractional one up to itself.
    whole = np.floor(high) == high  # exact: a float of a whole Decimal is whole, of 12.3 is not
    limit = np.where(whole, high + 1, high)
    # A float above or below is above or below as a Decimal too.
    fails = (low > age) | np.where(whole, limit <= age, limit < age)
    ties = (low == age) | (limit == age)
    if Decimal(age) == c.age:
        # Equal floats of numbers that are exactly their floats are equal numbers: no tie to check.
        ties &= ~columns.ages_exact[rows]
    for i in np.flatnonzero(ties):  # equal as floats: compare the Decimals
        row = columns.rows[rows[i]]
        fails[i] = not covers_age(row.age_min, row.age_max, c.age)
    return fails


def _fails_wait(columns: search_index.Columns, rows: Rows, c: SearchCriteria):
    if c.max_wait_weeks is None:
        return None
    known = columns.wait_known[rows]
    accepting = columns.active[rows] & (~known | columns.wait_open[rows])
    return ~(accepting & (~known | (columns.wait_weeks[rows] <= c.max_wait_weeks)))


def _flag_fails(field_name: str, asked: Callable[[SearchCriteria], bool]):
    def fails(columns: search_index.Columns, rows: Rows, c: SearchCriteria):
        return columns.flags[field_name][rows] if asked(c) else None
    return fails


_FAILS: dict[str, Callable[[search_index.Columns, Rows, SearchCriteria], np.ndarray | None]] = {
    "status": lambda cols, rows, c: cols.closed[rows],
    "age": _fails_age,
    "abuse_forms": lambda cols, rows, c: _fails_any_of(cols, rows, c.abuse_forms, vocabulary.ABUSE_FORM_FIELDS),
    "audiences": lambda cols, rows, c: _fails_any_of(cols, rows, c.audiences, vocabulary.AUDIENCE_FIELDS),
    "disclosure": _flag_fails("disclosure_required", lambda c: c.no_disclosure),
    "proceedings": _flag_fails("requires_proceedings_finished", lambda c: c.proceedings_ongoing),
    "delivery": lambda cols, rows, c: _fails_any_of(cols, rows, c.delivery_modes, vocabulary.DELIVERY_MODE_FIELDS),
    "welsh": lambda cols, rows, c: ~cols.flags["welsh_available"][rows] if c.welsh else None,
    "wait": _fails_wait,
    "referrer": lambda cols, rows, c: (
        ~cols.flags[vocabulary.REFERRER_FIELDS[c.referrer]][rows] if c.referrer else None),
}
assert tuple(_FAILS) == tuple(criterion.code for criterion in CRITERIA), "one vectorised test per criterion, in order"


def _failures(columns: search_index.Columns, rows: Rows, criteria: SearchCriteria) -> np.ndarray:
    """(candidate, criterion) -> fails, the criteria in CRITERIA order."""
    failures = np.zeros((len(rows), len(CRITERIA)), dtype=bool)
    for j, fails in enumerate(_FAILS.values()):
        column = fails(columns, rows, criteria)
        if column is not None:
            failures[:, j] = column
    return failures


def _within(index: search_index.SearchIndex, point: tuple[float, float] | None, rows: Rows, nearest: np.ndarray,
            km: float) -> np.ndarray:
    """Whether each row's `nearest` (numpy's figure, inf where unknown) is within `km`, decided
    again by `great_circle_km` (the figure a card shows) where numpy's last bits could tip it."""
    within = nearest <= km
    for i in np.flatnonzero(np.abs(nearest - km) < 1e-6):
        within[i] = _nearest_km(point, index.points[index.columns.rows[rows[i]].id]) <= km
    return within


_GROUPS = (None, *sorted(Group))  # a group's value indexes its member


@functools.lru_cache(maxsize=8)
def _criterion_labels(language: str | None) -> tuple[str, ...]:
    """CRITERIA's labels in this language (the active one: gettext reads it). Translating them
    afresh cost a search ~0.2 ms."""
    return tuple(str(criterion.label) for criterion in CRITERIA)


def _exclusions(failures: np.ndarray) -> list[Exclusion]:
    """Per criterion, how many of these (failing) candidates fail it, and fail nothing else."""
    counts = failures.sum(axis=0).tolist()
    only = failures[failures.sum(axis=1) == 1].sum(axis=0).tolist()
    labels = _criterion_labels(get_language())
    exclusions = [
        Exclusion(criterion.code, labels[j], counts[j], only[j]) for j, criterion in enumerate(CRITERIA) if counts[j]
    ]
    return sorted(exclusions, key=lambda e: -e.count)


def _failed_codes(failures: np.ndarray) -> list[list[str]]:
    """The codes each candidate failed, in CRITERIA order. Candidates failing the same criteria
    share one list: read it, do not change it."""
    bits = (failures.astype(np.int64) @ (1 << np.arange(len(CRITERIA), dtype=np.int64))).tolist()
    codes = {value: [criterion.code for j, criterion in enumerate(CRITERIA) if value >> j & 1] for value in set(bits)}
    return [codes[value] for value in bits]


def _audience_gaps(columns: search_index.Columns, rows: Rows, groups: np.ndarray,
                   criteria: SearchCriteria) -> tuple[AudienceGap, ...]:
    """The people chosen whom none of the shown results (`rows`, in `groups`) taking referrals from
    the area supports, from the index's columns (no query); none when no local result is shown (the
    page's counts say so already)."""
    local = groups == Group.LOCAL
    if not local.any():
        return ()
    gaps = []
    for code, _label in vocabulary.AUDIENCES:
        if code not in criteria.audiences:
            continue
        supports = columns.flags[vocabulary.AUDIENCE_FIELDS[code]][rows]
        if supports[local].any():
            continue
        elsewhere = next((g for g in (Group.FALLBACK, Group.NEARBY) if supports[groups == g].any()), None)
        gaps.append(AudienceGap(code, elsewhere))
    return tuple(gaps)


def weigh(
    index: search_index.SearchIndex, area: SearchArea, point: tuple[float, float] | None, criteria: SearchCriteria,
    sort: str = SORT_BEST,
) -> SearchOutcome:
    """The search's outcome from the index (pure): `service_search` without its queries.

    Every candidate's criteria, group and near-by test are computed over the index's columns at
    once; distances too, by `great_circle_km`'s formula (`_nearest_kms`).
    """
    columns, points = index.columns, index.points
    rows, local, nation, near = _candidates(index, area, point)
    failures = _failures(columns, rows, criteria)
    failed = failures.any(axis=1)
    local, nation, near = local[rows], nation[rows], near[rows]
    passing = np.flatnonzero(~failed)
    # Distances only where they matter: passing services (shown), and near-by ones (to know if they
    # are), in one pass over their points.
    within = np.zeros(len(rows), dtype=bool)
    if point is not None:
        measured = np.flatnonzero(~failed | near)
        kms = _nearest_kms(columns, point, rows[measured])
        within[measured] = _within(index, point, rows[measured], kms, NEARBY_KM)
        distances = kms[~failed[measured]]
    else:
        distances = np.full(len(passing), _INF)
        within[passing] = _within(index, point, rows[passing], distances, NEARBY_KM)
    # The group (index into _GROUPS; 0: not shown nor counted), later rules taking precedence.
    group = np.zeros(len(rows), dtype=np.int8)
    group[near & within] = Group.NEARBY
    group[columns.unlisted_helpline[rows] | nation] = Group.FALLBACK  # both take the referral, even near by
    group[local] = Group.LOCAL
    counted = group > 0
    shown = group[passing] > 0
    shown_rows, shown_groups = rows[passing[shown]], group[passing[shown]]
    shown_distances = distances[shown]
    today, language = timezone.localdate(), get_language()
    order = _sort_order(columns, shown_rows, shown_groups, shown_distances, criteria, sort, today)
    order = order.tolist()

    def result(position: int) -> SearchResult:
        i = order[position]
        row = columns.rows[shown_rows[i]]
        row_points = points.get(row.id, ())
        # The figure a card shows is `great_circle_km`'s own, not numpy's: on a processor with
        # AVX-512, numpy's vectorised atan2 and pow give about one distance in a hundred a last bit
        # apart from the C library's (measured), which can tip "12.35" to 12.3 or 12.4 on a card.
        # numpy's figures only order and group the results.
        return SearchResult(row, _GROUPS[shown_groups[i]], _nearest_km(point, row_points), row_points, criteria,
                            today, language)  # type: ignore[arg-type]

    results = LazyResults(result, [_GROUPS[g] for g in shown_groups[order].tolist()])
    return SearchOutcome(
        area, results, _exclusions(failures[counted & failed]), int(counted.sum()),
        _failed_codes(failures[failed & (group == Group.LOCAL)]), index.candidates_digest(rows),
        _audience_gaps(columns, shown_rows, shown_groups, criteria),
    )


def _candidates(
    index: search_index.SearchIndex, area: SearchArea, point: tuple[float, float] | None,
) -> tuple[Rows, np.ndarray, np.ndarray, np.ndarray]:
    """Every service a search in the area weighs (row numbers, ascending), and which of the index's
    rows cover the area's local authority (or a larger area it is in), cover its nation, and have
    a point in the box around `point` (bool masks); helplines that list no area are weighed too."""
    local = index.covering_rows(area.local_ids)
    nation = index.covering_rows(area.nation_ids)
    near = index.nearby_rows(point, NEARBY_KM) if point is not None else np.zeros(len(index.columns.rows), dtype=bool)
    return np.flatnonzero(local | nation | index.columns.unlisted_helpline | near), local, nation, near


def candidates_digest(
    *, lad_code: str, point: tuple[float, float] | None, directory_version: str, generation: str,
) -> bytes:
    """`SearchOutcome.candidates` of any search for a child in `lad_code` (distances from `point`)
    at this version: the same as an earlier outcome's (of this generation) when none of the
    services it weighed changed and none came into reach, so that outcome still holds."""
    index = search_index.current(directory_version, generation)
    return index.candidates_digest(_candidates(index, search_area_for(lad_code, index), point)[0])


def _sort_order(
    columns: search_index.Columns, rows: Rows, groups: np.ndarray, distance: np.ndarray,
    criteria: SearchCriteria, sort: str, today: date,
) -> np.ndarray:
    """The order `sort_results` puts these results in (the same keys, compared as Python would;
    a stable sort, so equal keys keep the id order), as positions. `distance`: inf where unknown."""
    name = columns.name_rank[(get_language() or "en").startswith("cy")][rows]
    if sort == SORT_DISTANCE:
        return np.lexsort((name, distance, groups))
    known = columns.wait_known[rows]
    weeks = np.where(known, columns.wait_weeks[rows], _INF)
    unsure_wait = ~known | (today.toordinal() - columns.wait_as_of[rows] > STALE_WAIT_DAYS)
    refusing = ~(columns.active[rows] & (~known | columns.wait_open[rows]))
    if sort == SORT_WAIT:
        return np.lexsort((name, distance, unsure_wait, weeks, refusing, groups))
    score = np.zeros(len(rows), dtype=np.int64)
    for code in criteria.abuse_forms:
        score += columns.flags[vocabulary.ABUSE_FORM_FIELDS[code]][rows]
    for code in criteria.audiences:
        score += columns.flags[vocabulary.AUDIENCE_FIELDS[code]][rows]
    return np.lexsort((name, distance, weeks, unsure_wait, refusing, -score, groups))


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
    generation: str | None = None,
) -> SearchOutcome:
    """Services for a child in `lad_code` (distances from `point`), in three groups.

    1. services that cover the local authority, its health board or its safeguarding region;
    2. all-Wales services (they cover Wales) and helplines that list no area;
    3. services with a published location within NEARBY_KM of the point that do not cover it.
    The first two take the referral; the third may not, so it comes last. A service covering
    Wales is in group 2 even when it is based near by: it takes the referral, but it is not the
    local offer. Services failing any criterion are left out and counted per criterion in
    `exclusions`.

    The candidates come from `search_index` (this process's copy of the light rows, read once per
    directory version). With `hydrate` every result gets its full service (two queries); without,
    results keep their light rows and the caller hydrates the ones it shows
    (`search_results_hydrate`, `search_results_for_map`). One query (three hydrated): the
    directory's version, none when the caller passes the `directory_version` it read already (with
    its `generation`); plus four or five when the directory changed since this process last read the
    index (`search_index.current`).
    """
    index = search_index.current(directory_version, generation)
    criteria = SearchCriteria(
        age=age, abuse_forms=tuple(abuse_forms), audiences=tuple(audiences), no_disclosure=no_disclosure,
        proceedings_ongoing=proceedings_ongoing, delivery_modes=tuple(delivery_modes), welsh=welsh,
        max_wait_weeks=max_wait_weeks, referrer=referrer,
    )
    outcome = weigh(index, search_area_for(lad_code, index), point, criteria, sort)
    if hydrate:
        _hydrate(outcome.results)
    return outcome


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


def reported_waits(service: Service) -> list[WaitingTimeReport]:
    """The waits the service's public page lists, latest first: one a day, the last recorded for that
    date (from `service_get`'s prefetch, no query). A provider who corrects a wait the day they give it
    adds a report (never overwrites, for the moderators' history, which lists them all); the public
    table listed each as a separate report, as if the wait had changed three times that day. The first
    is the current wait, as everywhere (latest by as-of date, then recorded)."""
    days: dict[date, WaitingTimeReport] = {}
    for report in service.waiting_times.all():  # newest first
        days.setdefault(report.as_of, report)
    return list(days.values())


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
