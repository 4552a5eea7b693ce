"""The gaps layers: one 2SFCA run per question, over plain rows.

Pure: `ServiceRow`/`AreaRow` dataclasses in, `LayerResult` out; no ORM, request or settings
(the selectors build the rows from the database and cache the results).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import TypeVar

import numpy as np
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from directory.bilingual import area_display_name
from gaps import analysis, incidence

T = TypeVar("T")

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
# The figure is of abuse before 16, the children counted are all those aged 0–17 (the Census
# table): some are 16 or 17, most have not yet reached 16. Said wherever the figures are.
PREVALENCE_AGES = _(
    "The figure is of sexual abuse before the age of 16, but it is applied here to all children aged "
    "0–17, so the estimate is an approximation."
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
    name_cy: str = ""
    welsh_available: bool = False

    @property
    def display_name(self) -> str:
        """The name in the page's language: Welsh where the provider gave one, English otherwise."""
        return self.name_cy if self.name_cy and (get_language() or "").startswith("cy") else self.name

    @property
    def name_en(self) -> str:
        """The English name, as a translated model field names it, so that `{% lang_attr row "name" %}`
        marks an English name shown on a Welsh page (screen readers read it in English)."""
        return self.name

    @property
    def list_closed(self) -> bool:
        """Paused services count as supply, but their list is closed; so is a reported closed list."""
        return self.status == "paused" or self.referrals_open is False

    def overlaps(self, low: int, high: int) -> bool:
        return overlaps(self.age_min, self.age_max, low, high)


def overlaps(age_min, age_max, low: int, high: int):
    """Whether ages [age_min, age_max] (inclusive) meet band [low, high): for one service's ages
    (a bool) or for arrays of every service's (an array of bools)."""
    return (age_min < high) & (age_max >= low)


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


@dataclass(frozen=True)
class Criteria:
    """What a service must be to count for a question: each named flag has the given value and,
    if `abuse_form` is set, the service works with that form of abuse.

    Written as data so that one definition answers for one service (`Layer.counts`) and for every
    service of a national directory at once (`mask`, over columns of flags).
    """

    flags: tuple[tuple[str, bool], ...]
    abuse_form: str = ""

    def __call__(self, service: ServiceRow) -> bool:
        return all(bool(getattr(service, name)) is value for name, value in self.flags) and (
            not self.abuse_form or self.abuse_form in service.abuse_forms
        )

    def mask(
        self, among: np.ndarray, flags: Callable[[str], np.ndarray], forms: Callable[[str], np.ndarray]
    ) -> np.ndarray:
        """Which of `among` (one boolean per service) meet the criteria; `flags(name)` and
        `forms(code)` give one boolean per service. A new array: `among` is left as it was."""
        result = among & forms(self.abuse_form) if self.abuse_form else among.copy()
        for name, value in self.flags:
            result &= flags(name) if value else ~flags(name)
        return result


def _form(code: str) -> Criteria:
    return Criteria((("supports_child", True),), code)


QUESTIONS: tuple[tuple[str, str, Criteria], ...] = (
    ("all", _("All CSA support for children"), Criteria((("supports_child", True),))),
    ("intra_familial", _("Intra-familial abuse"), _form("intra_familial")),
    ("extra_familial", _("Extra-familial abuse"), _form("extra_familial")),
    ("cse", _("Child sexual exploitation"), _form("cse")),
    ("harmful_sexual_behaviour", _("Harmful sexual behaviour"), _form("harmful_sexual_behaviour")),
    ("online", _("Online / technology-assisted abuse"), _form("online")),
    ("parent_carer", _("Support for non-abusing parents and carers"), Criteria((("supports_parent_carer", True),))),
    ("sibling", _("Support for siblings"), Criteria((("supports_sibling", True),))),
    ("no_disclosure", _("Accepts referrals without a verbal disclosure"),
     Criteria((("supports_child", True), ("disclosure_required", False)))),
    ("pre_trial", _("Pre-trial therapy"), Criteria((("supports_child", True), ("pre_trial_therapy", True)))),
    # The Welsh Government's "active offer": support in Welsh without having to ask for it. Which
    # areas have none is a commissioner's question the other layers could not answer.
    ("welsh", _("Support for children in Welsh"), Criteria((("supports_child", True), ("welsh_available", True)))),
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

    @property
    def age_label(self) -> str:
        """Among the rows of children's support by age (the area page's table, under its own heading):
        "Children under 5", where the full label ("All CSA support for children, children under 5")
        wrapped onto four or five lines on a phone."""
        if not self.band:
            return self.label
        return str(_("Children %(band)s") % {"band": _BAND[self.band][0]})

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
    # The services the layer counts here (a set; `incidence.ServiceIds` makes it only when read).
    service_ids: Set[int] = frozenset()
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
    _reach: _Reach | None = field(default=None, repr=False, compare=False)

    @property
    def no_provision(self) -> list[AreaResult]:
        return [a for a in self.areas if a.no_provision]

    def area(self, code: str) -> AreaResult | None:
        return next((a for a in self.areas if a.code == code), None)


def supply_of(service: ServiceRow, basis: str) -> float:
    if basis == BASIS_CAPACITY and service.capacity:
        return float(service.capacity)
    return 1.0


class Prepared:
    """What every layer shares, computed once per directory version and need: demand per area,
    each service's catchment as (service, area) index pairs with its total demand, and the
    services reaching each area sorted by wait. Columns of service attributes, and which
    services an age band or a basis's supply picks, are made on first use and kept.
    """

    def __init__(self, services: Sequence[ServiceRow], las: Sequence[AreaRow], need: str = NEED_CHILDREN) -> None:
        factor = PREVALENCE if need == NEED_PREVALENCE else 1.0
        self.need = need
        self.services, self.las = services, las
        self._kept: dict[tuple, object] = {}
        self.demand = {la.code: la.demand * factor for la in las}
        self.total_demand = sum(self.demand.values())
        n = len(services)
        self.pair_service, self.pair_area = incidence.pairs_by_service([s.la_codes for s in services], self.demand)
        self.demand_array = np.fromiter(self.demand.values(), dtype=float, count=len(self.demand))
        self.catchments = analysis.catchment_demand(self.demand_array, self.pair_service, self.pair_area, n)
        self.ids = np.fromiter((s.id for s in services), dtype=np.int64, count=n)
        # Closed services are not supply; nor is one whose catchment holds no demand here.
        self.eligible = self._by_value("status", lambda status: status != "closed") & (self.catchments > 0)
        self.waits = incidence.Waits([s.wait_weeks for s in services], self._column(lambda s: s.list_closed))
        # Groups 0…n-1 are the areas; one more holds every service (the whole-country row).
        self.whole = len(self.demand)
        self.areas = incidence.Groups(
            np.concatenate((self.pair_area, np.full(n, self.whole, dtype=np.intp))),
            np.concatenate((self.pair_service, np.arange(n, dtype=np.intp))),
            self.whole + 1, self.waits,
        )

    def _column(self, value: Callable[[ServiceRow], object], dtype: type = bool) -> np.ndarray:
        return np.fromiter(map(value, self.services), dtype=dtype, count=len(self.services))

    def _keep(self, key: tuple, make: Callable[[], T]) -> T:
        if key not in self._kept:
            self._kept[key] = make()
        return self._kept[key]  # type: ignore[return-value]

    def _flag(self, name: str) -> np.ndarray:
        return self._keep(("flag", name), lambda: self._column(attrgetter(name)))

    def _by_value(self, name: str, value: Callable[[object], object]) -> np.ndarray:
        """`value(service.<name>)` for every service, calling `value` once per distinct value of
        the attribute: 20,000 services hold a few dozen distinct sets of forms."""
        def make() -> tuple[np.ndarray, list]:
            values = list(map(attrgetter(name), self.services))
            distinct = {v: i for i, v in enumerate(dict.fromkeys(values))}
            return np.fromiter(map(distinct.__getitem__, values), dtype=np.intp, count=len(values)), list(distinct)

        which, distinct = self._keep(("distinct", name), make)
        return np.fromiter(map(value, distinct), dtype=bool, count=len(distinct))[which]

    def _form(self, code: str) -> np.ndarray:
        return self._keep(("form", code), lambda: self._by_value("abuse_forms", lambda forms: code in forms))

    def counted(self, layer: Layer) -> np.ndarray:
        """True for each service the layer counts (what `layer.counts` says) that is supply here."""
        _label, criteria = _QUESTION[layer.question]
        mask = criteria.mask(self.eligible, self._flag, self._form)
        if layer.band:
            _label, low, high = _BAND[layer.band]
            ages = self._keep(("ages",), lambda: (self._column(attrgetter("age_min"), float),
                                                   self._column(attrgetter("age_max"), float)))
            mask &= overlaps(*ages, low, high)
        return mask

    def supply(self, basis: str) -> np.ndarray:
        return self._keep(("supply", basis), lambda: self._column(lambda s: supply_of(s, basis), float))

    def has_capacity(self) -> np.ndarray:
        return self._keep(("capacity",), lambda: self._column(lambda s: s.capacity))

    def regions(self, regions: Sequence[AreaRow]) -> _Regions:
        """Regions as groups of this preparation's areas (kept for the next layer)."""
        return self._keep(("regions", tuple((r.code, r.la_codes) for r in regions)),
                          lambda: _Regions(self, regions))

    def fits(self, services: Sequence[ServiceRow], las: Sequence[AreaRow], need: str) -> bool:
        """Whether this was prepared from these rows (the same objects, or rows with the same contents)."""
        if need != self.need:
            return False
        if services is self.services and las is self.las:
            return True
        return list(services) == list(self.services) and list(las) == list(self.las)


def prepare(services: Sequence[ServiceRow], las: Sequence[AreaRow], need: str = NEED_CHILDREN) -> Prepared:
    """What every layer shares (see `Prepared`): compute it once and pass it to `compute_layer`."""
    return Prepared(services, las, need)


class _Regions:
    """Regions made of a preparation's areas: their members, and the services reaching any member."""

    def __init__(self, prepared: Prepared, regions: Sequence[AreaRow]) -> None:
        index = {code: i for i, code in enumerate(prepared.demand)}
        members = [[index[c] for c in r.la_codes if c in index] for r in regions]
        self.has_members = [bool(m) for m in members]
        # Each region's member indices, padded with an index past the last area: its demand and
        # figures are 0, so a padded place adds exactly nothing.
        width = max((len(m) for m in members), default=0)
        self.padded = np.full((len(members), width), len(index), dtype=np.intp)
        for row, codes in enumerate(members):
            self.padded[row, :len(codes)] = codes
        self.weights = np.append(prepared.demand_array, 0.0)[self.padded]
        self.demand = _member_sums(self.weights)
        self.groups = incidence.region_groups(prepared.areas, members, prepared.waits)


def _member_sums(values: np.ndarray) -> np.ndarray:
    """Sum along the last axis one member after another, as Python's `sum` adds (so the same to
    the last digit as analysis.demand_weighted_mean); numpy's own sum may pair them differently."""
    if values.shape[-1] == 0:
        return np.zeros(values.shape[:-1])
    return np.cumsum(values, axis=-1)[..., -1]


@dataclass(frozen=True)
class _Reach:
    """A layer's figures as arrays over its `Prepared`, for the regional view of the same layer."""

    prepared: Prepared
    counted: np.ndarray
    access: np.ndarray
    normalised: np.ndarray


class CountedServices(Mapping[int, ServiceRow]):
    """Service id → row for the services a layer counts, in directory order; the dict is made on
    first look-up (pages mostly need only how many)."""

    def __init__(self, services: Sequence[ServiceRow], counted: np.ndarray) -> None:
        self._services, self._counted = services, counted
        self._count = int(np.count_nonzero(counted))
        self._rows: dict[int, ServiceRow] | None = None

    def _dict(self) -> dict[int, ServiceRow]:
        if self._rows is None:
            self._rows = {s.id: s for s in map(self._services.__getitem__, np.flatnonzero(self._counted).tolist())}
        return self._rows

    def __getitem__(self, key: int) -> ServiceRow:
        return self._dict()[key]

    def __iter__(self) -> Iterator[int]:
        return iter(self._dict())

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"CountedServices({self._dict()!r})"


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
    if prepared is None or not prepared.fits(services, las, need):
        prepared = prepare(services, las, need)
    counted = prepared.counted(layer)
    supply = np.where(counted, prepared.supply(basis), 0.0)
    ratios = analysis.supply_ratios(supply, prepared.catchments)
    access = analysis.access_by_area(ratios, prepared.pair_service, prepared.pair_area, len(prepared.demand))
    total_demand = prepared.total_demand
    # As analysis.wales_level and analysis.normalise, over arrays.
    level = float(supply.sum()) / total_demand if total_demand > 0 else 0.0
    normalised = access / level if level > 0 else np.zeros(len(access))
    figures = prepared.areas.summaries(counted)
    areas = [
        AreaResult(
            la.code, la.name, la.name_cy, la.kind, demand, a, norm,
            incidence.ServiceIds(n, prepared.areas, i, counted, prepared.ids), median, longest, closed,
        )
        for i, (la, demand, a, norm, n, median, longest, closed) in enumerate(zip(
            las, prepared.demand.values(), access.tolist(), normalised.tolist(),
            figures.n, figures.median, figures.longest, figures.closed, strict=False,  # + the whole row
        ))
    ]
    whole = prepared.whole
    wales = AreaResult(
        "W92000004", "Wales", "Cymru", "nation", total_demand, level, 1.0 if level else 0.0,
        incidence.ServiceIds(figures.n[whole], prepared.areas, whole, counted, prepared.ids),
        figures.median[whole], figures.longest[whole], figures.closed[whole],
    )
    with_capacity = int(np.count_nonzero(counted & prepared.has_capacity()))
    return LayerResult(layer, basis, need, wales, areas, CountedServices(prepared.services, counted), with_capacity,
                       _Reach(prepared, counted, access, normalised))


def regional(result: LayerResult, regions: Sequence[AreaRow]) -> list[AreaResult]:
    """Regions as demand-weighted means of their local authorities' access and access against the Wales level."""
    reach = result._reach
    prepared, counted = reach.prepared, reach.counted
    made = prepared.regions(regions)
    # Σ P_i·v_i / Σ P_i over each region's members (analysis.demand_weighted_mean, over arrays).
    figures = np.zeros((2, len(prepared.demand) + 1))
    figures[0, :-1], figures[1, :-1] = reach.access, reach.normalised
    weighted = _member_sums(made.weights * figures[:, made.padded])
    means = np.zeros_like(weighted)
    np.divide(weighted, made.demand, out=means, where=made.demand > 0)
    access, normalised = means.tolist()
    demand = made.demand.tolist()
    waits = made.groups.summaries(counted)
    return [
        AreaResult(
            region.code, region.name, region.name_cy, region.kind, demand[i] if made.has_members[i] else 0,
            access[i], normalised[i], incidence.ServiceIds(waits.n[i], made.groups, i, counted, prepared.ids),
            waits.median[i], waits.longest[i], waits.closed[i],
        )
        for i, region in enumerate(regions)
    ]


def no_provision_within(result: LayerResult, regions: Sequence[AreaRow]) -> list[list[AreaResult]]:
    """For each region, its local authorities with no provision, by name.

    A region's figures are a demand-weighted mean of its members', so a region with provision can
    hold a local authority with none: every view of a region (page, CSV, API) names them beside it.
    """
    empty = [area for area in sort_results(result.areas, "name") if area.no_provision]
    return [[area for area in empty if area.code in region.la_codes] for region in regions]


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
    # Ties (every area with none has a share of 0) by the name the page shows, as the tables are.
    return sorted(rows, key=lambda r: (not r.area.no_provision, r.ratio if r.ratio is not None else -1,
                                       _SORT_KEYS["name"](r.area)))


def shown_name(area: AreaResult) -> str:
    """The name the page shows (the template's `area_name`): Welsh on Welsh pages where there is one."""
    return area_display_name(area.name, area.name_cy)


_SORT_KEYS: dict[str, Callable[[AreaResult], object]] = {
    "name": lambda a: shown_name(a).casefold(),
    "access": lambda a: a.access,
    "normalised": lambda a: a.normalised,
    "services": lambda a: a.n_services,
    "wait": lambda a: a.median_wait,
    "longest": lambda a: a.longest_wait,
    "closed": lambda a: a.closed_lists,
}


def sort_results(results: Sequence[AreaResult], sort: str) -> list[AreaResult]:
    """Sort by a column name, "-name" for descending; ties by area name. Areas with no value (no
    wait reported) come last either way: "longest wait first" must not open with the unknown."""
    field_name = sort.lstrip("-")
    key = _SORT_KEYS.get(field_name, _SORT_KEYS["normalised"])
    ordered = sorted(results, key=_SORT_KEYS["name"])
    known = [a for a in ordered if key(a) is not None]
    return sorted(known, key=key, reverse=sort.startswith("-")) + [a for a in ordered if key(a) is None]
