"""The gaps layers: one 2SFCA run per question, over plain rows.

Pure: `ServiceRow`/`AreaRow` dataclasses in, `LayerResult` out; no ORM, request or settings
(the selectors build the rows from the database and cache the results).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from gaps import analysis

# A service counts for an age band it overlaps: band [low, high) against the service's
# inclusive [age_min, age_max].
AGE_BANDS: tuple[tuple[str, str, int, int], ...] = (
    ("under_5", _("under 5"), 0, 5),
    ("5_10", _("5 to 10"), 5, 11),
    ("11_15", _("11 to 15"), 11, 16),
    ("16_17", _("16 and 17"), 16, 18),
    ("under_11", _("under 11"), 0, 11),
)
AGE_BAND_CODES = tuple(code for code, *_rest in AGE_BANDS)

BASIS_SERVICES = "services"
BASIS_CAPACITY = "capacity"
BASES = (
    (BASIS_SERVICES, _("Services (each service counts as 1)")),
    (BASIS_CAPACITY, _("Stated capacity (new referrals a year; 1 where a service states none)")),
)

NEED_CHILDREN = "children"
NEED_PREVALENCE = "prevalence"
NEEDS = (
    (NEED_CHILDREN, _("Children aged 0–17")),
    (NEED_PREVALENCE, _("Estimated children who will experience sexual abuse before 16 (at least)")),
)
# CSA Centre (2021), "The scale and nature of child sexual abuse: review of evidence": at least
# 15% of girls and 5% of boys. Area populations are not split by sex here, so with girls and boys
# in roughly equal numbers this is about one in ten, also the method's conservative figure.
PREVALENCE = 0.10
PREVALENCE_SOURCE = _(
    "At least 15% of girls and 5% of boys experience sexual abuse before 16: Centre of expertise on "
    "child sexual abuse (2021), The scale and nature of child sexual abuse: review of evidence. "
    "Applied here as one in ten children, as populations are not split by sex. Prevalence is "
    "national, so it changes the units, not the ranking of areas."
)


@dataclass(frozen=True)
class ServiceRow:
    """What the analysis needs to know about one open or paused service."""

    id: int
    name: str
    status: str
    abuse_forms: frozenset[str]
    supports_child: bool
    supports_parent_carer: bool
    supports_sibling: bool
    disclosure_required: bool
    pre_trial_therapy: bool
    age_min: float
    age_max: float
    capacity: int | None
    la_codes: frozenset[str]
    wait_weeks: int | None = None
    referrals_open: bool | None = None
    wait_as_of: date | None = None
    public_id: str = ""

    @property
    def list_closed(self) -> bool:
        """Paused services count as supply, but their list is closed; so is a reported closed list."""
        return self.status == "paused" or self.referrals_open is False

    def overlaps(self, low: int, high: int) -> bool:
        return self.age_min < high and self.age_max >= low


@dataclass(frozen=True)
class AreaRow:
    """A local authority (its own code in `la_codes`) or a region made of local authorities."""

    code: str
    name: str
    name_cy: str
    kind: str
    demand: int
    la_codes: tuple[str, ...]
    latitude: float | None = None
    longitude: float | None = None


def _form(code: str) -> Callable[[ServiceRow], bool]:
    return lambda s: s.supports_child and code in s.abuse_forms


QUESTIONS: tuple[tuple[str, str, Callable[[ServiceRow], bool]], ...] = (
    ("all", _("All CSA support for children"), lambda s: s.supports_child),
    ("intra_familial", _("Intra-familial abuse"), _form("intra_familial")),
    ("extra_familial", _("Extra-familial abuse"), _form("extra_familial")),
    ("cse", _("Child sexual exploitation"), _form("cse")),
    ("harmful_sexual_behaviour", _("Harmful sexual behaviour"), _form("harmful_sexual_behaviour")),
    ("online", _("Online / technology-assisted abuse"), _form("online")),
    ("parent_carer", _("Support for non-abusing parents and carers"), lambda s: s.supports_parent_carer),
    ("sibling", _("Support for siblings"), lambda s: s.supports_sibling),
    ("no_disclosure", _("Accepts referrals without a verbal disclosure"),
     lambda s: s.supports_child and not s.disclosure_required),
    ("pre_trial", _("Pre-trial therapy"), lambda s: s.supports_child and s.pre_trial_therapy),
)
QUESTION_CODES = tuple(code for code, _label, _test in QUESTIONS)
_QUESTION = {code: (label, test) for code, label, test in QUESTIONS}
_BAND = {code: (label, low, high) for code, label, low, high in AGE_BANDS}


@dataclass(frozen=True)
class Layer:
    """One question, optionally narrowed to an age band (e.g. intra-familial × under 11)."""

    question: str = "all"
    band: str = ""

    def __post_init__(self) -> None:
        if self.question not in _QUESTION:
            raise ValueError(f"unknown layer {self.question!r}")
        if self.band and self.band not in _BAND:
            raise ValueError(f"unknown age band {self.band!r}")

    @classmethod
    def from_key(cls, key: str) -> Layer:
        question, _sep, band = key.partition(":")
        return cls(question, band)

    @property
    def key(self) -> str:
        return f"{self.question}:{self.band}" if self.band else self.question

    @property
    def label(self) -> str:
        label = str(_QUESTION[self.question][0])
        if self.band:
            label = str(_("%(question)s, children %(band)s") % {"question": label, "band": _BAND[self.band][0]})
        return label

    def counts(self, service: ServiceRow) -> bool:
        if not _QUESTION[self.question][1](service):
            return False
        if self.band:
            _label, low, high = _BAND[self.band]
            return service.overlaps(low, high)
        return True


def every_layer() -> list[Layer]:
    """Every question alone and with every age band."""
    return [Layer(q, b) for q in QUESTION_CODES for b in ("", *AGE_BAND_CODES)]


@dataclass(slots=True)
class AreaResult:
    code: str
    name: str
    name_cy: str
    kind: str
    demand: float
    access: float
    normalised: float
    service_ids: frozenset[int] = frozenset()
    median_wait: float | None = None
    longest_wait: int | None = None
    closed_lists: int = 0

    @property
    def per_10k(self) -> float:
        return self.access * analysis.PER

    @property
    def n_services(self) -> int:
        return len(self.service_ids)

    @property
    def no_provision(self) -> bool:
        return self.access == 0

    @property
    def all_lists_closed(self) -> bool:
        return bool(self.service_ids) and self.closed_lists == len(self.service_ids)


@dataclass(frozen=True)
class LayerResult:
    layer: Layer
    basis: str
    need: str
    wales: AreaResult
    areas: list[AreaResult]
    services: dict[int, ServiceRow]
    services_with_capacity: int

    @property
    def no_provision(self) -> list[AreaResult]:
        return [a for a in self.areas if a.no_provision]

    def area(self, code: str) -> AreaResult | None:
        return next((a for a in self.areas if a.code == code), None)


class _WaitIndex:
    """Each service's wait and closed-list flag, looked up by id (built once per layer, not per area).

    A national directory has hundreds of areas each covered by hundreds of services: reading the
    rows' attributes area by area cost most of the analysis; dict look-ups through `map` and one
    set intersection per area cost a fraction of it.
    """

    def __init__(self, services: dict[int, ServiceRow]) -> None:
        self.weeks = {i: s.wait_weeks for i, s in services.items() if s.wait_weeks is not None}
        self.closed = frozenset(i for i, s in services.items() if s.list_closed)

    def summary(self, service_ids: Collection[int]) -> tuple[float | None, int | None, int]:
        """Median and longest wait and the number of closed lists among these services."""
        weeks = [w for w in map(self.weeks.get, service_ids) if w is not None]
        return analysis.median(weeks), (max(weeks) if weeks else None), len(self.closed.intersection(service_ids))


def supply_of(service: ServiceRow, basis: str) -> float:
    if basis == BASIS_CAPACITY and service.capacity:
        return float(service.capacity)
    return 1.0


def prepare(services: Sequence[ServiceRow], las: Sequence[AreaRow], need: str = NEED_CHILDREN) -> Prepared:
    """What every layer shares: demand per area and each service's catchment (computed once)."""
    factor = PREVALENCE if need == NEED_PREVALENCE else 1.0
    demand = {la.code: la.demand * factor for la in las}
    shared = analysis.catchments(demand, {s.id: s.la_codes for s in services})
    covering: dict[str, set[int]] = {code: set() for code in demand}
    for service_id, (codes, _demand) in shared.items():
        for code in codes:
            covering[code].add(service_id)
    return Prepared(need, demand, shared, {code: frozenset(ids) for code, ids in covering.items()})


@dataclass(frozen=True)
class Prepared:
    need: str
    demand: dict[str, float]
    catchments: analysis.Catchments
    # Area code → every service whose catchment holds it: each layer intersects this with the
    # services it counts (a C-level set operation) instead of walking every service's catchment.
    covering: dict[str, frozenset[int]]


def compute_layer(
    layer: Layer,
    services: Sequence[ServiceRow],
    las: Sequence[AreaRow],
    *,
    basis: str = BASIS_SERVICES,
    need: str = NEED_CHILDREN,
    prepared: Prepared | None = None,
) -> LayerResult:
    """2SFCA for one layer over the local authorities, with waits beside access (not in it).

    `prepared` (from `prepare(services, las, need)`) saves recomputing catchments for each layer.
    """
    prepared = prepared if prepared is not None and prepared.need == need else prepare(services, las, need)
    demand, shared = prepared.demand, prepared.catchments
    counted = {s.id: s for s in services if s.status != "closed" and layer.counts(s)}
    supply = analysis.reached_supply(demand, {i: supply_of(s, basis) for i, s in counted.items()}, {},
                                     prepared=shared)
    counted = {i: counted[i] for i in supply}
    access = analysis.two_step_fca(demand, supply, {}, prepared=shared)
    normalised = analysis.normalise(access, demand, supply)
    counted_ids = counted.keys()
    waits = _WaitIndex(counted)
    areas = []
    for la in las:
        ids = prepared.covering[la.code] & counted_ids
        med, longest, closed = waits.summary(ids)
        areas.append(AreaResult(
            la.code, la.name, la.name_cy, la.kind, demand[la.code], access[la.code], normalised[la.code],
            ids, med, longest, closed,
        ))
    level = analysis.wales_level(demand, supply)
    med, longest, closed = waits.summary(counted.keys())
    wales = AreaResult(
        "W92000004", "Wales", "Cymru", "nation", sum(demand.values()), level, 1.0 if level else 0.0,
        frozenset(counted), med, longest, closed,
    )
    with_capacity = sum(1 for s in counted.values() if s.capacity)
    return LayerResult(layer, basis, need, wales, areas, counted, with_capacity)


def regional(result: LayerResult, regions: Sequence[AreaRow]) -> list[AreaResult]:
    """Regions as demand-weighted means of their local authorities' access and normalised access."""
    by_code = {a.code: a for a in result.areas}
    demand = {a.code: a.demand for a in result.areas}
    access = {a.code: a.access for a in result.areas}
    normalised = {a.code: a.normalised for a in result.areas}
    waits = _WaitIndex(result.services)
    rows = []
    for region in regions:
        members = [c for c in region.la_codes if c in by_code]
        ids = frozenset().union(*(by_code[c].service_ids for c in members)) if members else frozenset()
        med, longest, closed = waits.summary(ids)
        rows.append(AreaResult(
            region.code, region.name, region.name_cy, region.kind, sum(demand[c] for c in members),
            analysis.demand_weighted_mean(access, demand, members),
            analysis.demand_weighted_mean(normalised, demand, members),
            ids, med, longest, closed,
        ))
    return rows


@dataclass(frozen=True)
class RatioRow:
    area: AreaResult  # the intra-familial result
    all_access: float

    @property
    def all_per_10k(self) -> float:
        return self.all_access * analysis.PER

    @property
    def ratio(self) -> float | None:
        """Intra-familial access ÷ all-CSA access; None where there is no CSA support at all."""
        return self.area.access / self.all_access if self.all_access else None


def intra_familial_ratio(intra: LayerResult, all_support: LayerResult) -> list[RatioRow]:
    """Per area, intra-familial access ÷ all-CSA access: areas with none listed first, then lowest."""
    all_by_code = {a.code: a.access for a in all_support.areas}
    rows = [RatioRow(a, all_by_code.get(a.code, 0.0)) for a in intra.areas]
    return sorted(rows, key=lambda r: (not r.area.no_provision, r.ratio if r.ratio is not None else -1, r.area.name))


_SORT_KEYS: dict[str, Callable[[AreaResult], object]] = {
    "name": lambda a: a.name,
    "access": lambda a: a.access,
    "normalised": lambda a: a.normalised,
    "services": lambda a: a.n_services,
    "wait": lambda a: (a.median_wait is None, a.median_wait or 0),
    "longest": lambda a: (a.longest_wait is None, a.longest_wait or 0),
    "closed": lambda a: a.closed_lists,
}


def sort_results(results: Sequence[AreaResult], sort: str) -> list[AreaResult]:
    """Sort by a column name, "-name" for descending; ties by area name."""
    field_name = sort.lstrip("-")
    key = _SORT_KEYS.get(field_name, _SORT_KEYS["normalised"])
    ordered = sorted(results, key=lambda a: a.name)
    return sorted(ordered, key=key, reverse=sort.startswith("-"))
