"""What the search weighs for every published service, held in each process per directory version.

A national search weighs hundreds of candidate services, most of which fail a criterion. Reading
them from the database for every search (with their current waits) cost most of a search; they
change only when the directory does. So each process reads them once per `directory.version`:
a search reads the version (one indexed query) and uses this process's copy while it is current.
Correct behind a load balancer (each app server checks the shared version), and small: about
10 MB and one second to read for 20,000 services.

Five queries to build: the light rows with their current wait, the coverage links, the published
location points, the areas and which larger areas each belongs to. Nothing here is about a child:
the search's criteria never reach this module.

Besides the rows, the index keeps what the criteria, grouping and distances read as numpy columns
(`Columns`, row i of each column is `Columns.rows[i]`), so a search weighs its candidates as a
few array operations instead of a Python loop over hundreds of rows (`selectors.service_search`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.utils.translation import get_language

from directory import version, vocabulary
from directory.models import Area, Service, ServiceAtLocation

# Plain columns the criteria, grouping and sorting read, and what a result whose card is cached
# shows of its service (public id, name, kind_helpline, lists_an_area, the tags): no related rows,
# no translated text except the name (both languages, for sorting by it and for the shortlist button).
ROW_FIELDS = (
    "id", "public_id", "name_en", "name_cy", "status", "age_min", "age_max", "kind_helpline", "welsh_available",
    "disclosure_required", "requires_proceedings_finished",
    *vocabulary.ABUSE_FORM_FIELDS.values(), *vocabulary.AUDIENCE_FIELDS.values(),
    *vocabulary.DELIVERY_MODE_FIELDS.values(), *vocabulary.REFERRER_FIELDS.values(),
)
WAIT_FIELDS = ("current_wait_weeks", "current_wait_as_of", "current_wait_open")
# Read with the waits, in one query: a card built from this row's wait is stored under this token,
# so a wait reported after the index was read is never hidden behind it (renderings.py).
TOKEN_FIELD = "render_token"


class ServiceRow:
    """One published service as the search weighs it (read-only: shared by every search)."""

    __slots__ = (*ROW_FIELDS, *WAIT_FIELDS, TOKEN_FIELD, "lists_an_area")

    def __init__(self, values: Iterable) -> None:
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)

    @property
    def name(self) -> str:
        return translated_name(self.name_en, self.name_cy)


def translated_name(name_en: str, name_cy: str | None) -> str:
    """A service's name in the active language, English where no Welsh is given (as
    modeltranslation reads `Service.name`)."""
    if name_cy and (get_language() or "en").startswith("cy"):
        return name_cy
    return name_en or ""


def bounding_box(point: tuple[float, float], km: float) -> tuple[float, float, float, float]:
    """South, north, west, east of a box reaching at least `km` from the point (pure)."""
    lat, lon = point
    dlat = km / 111.0
    dlon = km / (111.0 * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


# The boolean columns the criteria and grouping read (as truth values, like the criteria do).
FLAG_FIELDS = (
    "kind_helpline", "welsh_available", "disclosure_required", "requires_proceedings_finished", "lists_an_area",
    *vocabulary.ABUSE_FORM_FIELDS.values(), *vocabulary.AUDIENCE_FIELDS.values(),
    *vocabulary.DELIVERY_MODE_FIELDS.values(), *vocabulary.REFERRER_FIELDS.values(),
)


@dataclass(frozen=True)
class Columns:
    """The rows as numpy columns: entry i of each row column is about `rows[i]` (rows in id order)."""

    rows: tuple[ServiceRow, ...]
    flags: dict[str, np.ndarray]  # bool, one per FLAG_FIELDS
    closed: np.ndarray  # bool: status is closed
    active: np.ndarray  # bool: status is active (taking referrals, unless its latest report says closed)
    age_min: np.ndarray  # float64 of the Decimal (exact ties are checked on the row: `selectors`)
    age_max: np.ndarray
    ages_exact: np.ndarray  # bool: both Decimals are exactly their floats (4, 12.5; not 12.3)
    wait_known: np.ndarray  # bool: a waiting time was reported (weeks and date)
    wait_open: np.ndarray  # bool: the latest report says referrals are open
    wait_weeks: np.ndarray  # int64, 0 where not reported
    wait_as_of: np.ndarray  # int64, the report's date as an ordinal (0 where not reported)
    name_rank: dict[bool, np.ndarray]  # Welsh page? -> int64, each name's place in name order
    covering: dict[int, np.ndarray]  # area id -> row numbers of the services listing it
    unlisted_helpline: np.ndarray  # bool: a helpline that lists no area
    point_lat: np.ndarray  # float64, every published point (in row order) ...
    point_lon: np.ndarray
    point_row: np.ndarray  # ... the row number of its service (ascending) ...
    # ... and its side of the great circle formula (`selectors.great_circle_km`), as the formula
    # computes it: its longitude in radians and the sine and cosine of its latitude.
    point_lng_rad: np.ndarray
    point_sin_lat: np.ndarray
    point_cos_lat: np.ndarray


def _exact(value: object) -> bool:
    """Whether a number is exactly its float, so comparing floats compares it (pure)."""
    return Decimal(float(value)) == value


def _name(row: ServiceRow, welsh: bool) -> str:
    """As `translated_name` on a page in Welsh or not."""
    return row.name_cy if welsh and row.name_cy else row.name_en or ""


def _ranks(values: list[str]) -> np.ndarray:
    """Each value's place in sorted order, equal values sharing one (as Python compares them)."""
    place = {value: i for i, value in enumerate(sorted(set(values)))}
    return np.array([place[value] for value in values], dtype=np.int64)


def _columns(rows: tuple[ServiceRow, ...], covering: dict[int, set[int]],
             points: dict[int, tuple[tuple[float, float], ...]]) -> Columns:
    position = {row.id: i for i, row in enumerate(rows)}
    flags = {name: np.array([bool(getattr(row, name)) for row in rows], dtype=bool) for name in FLAG_FIELDS}
    statuses = [row.status for row in rows]
    known = np.array([row.current_wait_weeks is not None and row.current_wait_as_of is not None for row in rows],
                     dtype=bool)
    # Grouped by row (each service's own in the order held): a service's points are one run.
    pairs = sorted(((service_id, point) for service_id, held in points.items() for point in held),
                   key=lambda pair: position[pair[0]])
    terms = [_point_terms(point) for _id, point in pairs]
    return Columns(
        rows=rows,
        flags=flags,
        closed=np.array([status == Service.Status.CLOSED for status in statuses], dtype=bool),
        active=np.array([status == Service.Status.ACTIVE for status in statuses], dtype=bool),
        age_min=np.array([float(row.age_min) for row in rows], dtype=np.float64),
        age_max=np.array([float(row.age_max) for row in rows], dtype=np.float64),
        ages_exact=np.array([_exact(row.age_min) and _exact(row.age_max) for row in rows], dtype=bool),
        wait_known=known,
        wait_open=np.array([bool(row.current_wait_open) for row in rows], dtype=bool),
        wait_weeks=np.array([row.current_wait_weeks or 0 for row in rows], dtype=np.int64),
        wait_as_of=np.array([row.current_wait_as_of.toordinal() if row.current_wait_as_of else 0 for row in rows],
                            dtype=np.int64),
        name_rank={welsh: _ranks([_name(row, welsh).lower() for row in rows]) for welsh in (False, True)},
        covering={
            area_id: np.array(sorted(position[service_id] for service_id in ids), dtype=np.intp)
            for area_id, ids in covering.items()
        },
        unlisted_helpline=flags["kind_helpline"] & ~flags["lists_an_area"],
        point_lat=np.array([point[0] for _id, point in pairs], dtype=np.float64),
        point_lon=np.array([point[1] for _id, point in pairs], dtype=np.float64),
        point_row=np.array([position[service_id] for service_id, _point in pairs], dtype=np.intp),
        point_lng_rad=np.array([term[0] for term in terms], dtype=np.float64),
        point_sin_lat=np.array([term[1] for term in terms], dtype=np.float64),
        point_cos_lat=np.array([term[2] for term in terms], dtype=np.float64),
    )


@dataclass(frozen=True)
class AreaRow:
    """An area as the search reads it: the child's local authority and the larger areas it is in."""

    id: int
    code: str
    name: str
    name_cy: str
    kind: str
    parents: tuple[int, ...]  # ids of the larger areas it belongs to


@dataclass(frozen=True)
class SearchIndex:
    version: str
    rows: dict[int, ServiceRow]  # published services by id
    points: dict[int, tuple[tuple[float, float], ...]]  # published location points by service id
    columns: Columns
    areas: dict[str, AreaRow]  # by code
    areas_by_id: dict[int, AreaRow]

    def nearby_rows(self, point: tuple[float, float], km: float) -> np.ndarray:
        """Services with a published location in a box reaching `km` around the point, as a bool
        mask over `columns.rows`."""
        south, north, west, east = bounding_box(point, km)
        lat, lon = self.columns.point_lat, self.columns.point_lon
        inside = (lat >= south) & (lat <= north) & (lon >= west) & (lon <= east)
        mask = np.zeros(len(self.columns.rows), dtype=bool)
        mask[self.columns.point_row[inside]] = True
        return mask

    def covering_rows(self, area_ids: Iterable[int]) -> np.ndarray:
        """Services listing any of these areas, as a bool mask over `columns.rows`."""
        mask = np.zeros(len(self.columns.rows), dtype=bool)
        for area_id in area_ids:
            held = self.columns.covering.get(area_id)
            if held is not None:
                mask[held] = True
        return mask


def build(token: str) -> SearchIndex:
    """Read the index from the database. Five queries."""
    from directory.selectors import with_current_wait  # selectors imports this module

    links = list(Service.coverage_areas.through.objects.values_list("service_id", "area_id"))
    areas_of = {service_id for service_id, _area_id in links}
    rows = [
        ServiceRow((*values, values[0] in areas_of))
        for values in with_current_wait(Service.objects.published()).order_by("id").values_list(
            *ROW_FIELDS, *WAIT_FIELDS, TOKEN_FIELD)
    ]
    sites = ServiceAtLocation.objects.filter(
        location__do_not_publish_address=False, location__latitude__isnull=False,
        location__longitude__isnull=False,
    ).values_list("service_id", "location__latitude", "location__longitude")
    parents: dict[int, list[int]] = {}
    for area_id, parent_id in Area.parents.through.objects.values_list("from_area_id", "to_area_id"):
        parents.setdefault(area_id, []).append(parent_id)
    areas = [
        AreaRow(area_id, code, name, name_cy, kind, tuple(parents.get(area_id, ())))
        for area_id, code, name, name_cy, kind in Area.objects.values_list("id", "code", "name", "name_cy", "kind")
    ]
    return assemble(token, rows, links, sites, areas)


def assemble(
    token: str, rows: Iterable[ServiceRow], links: Iterable[tuple[int, int]], sites: Iterable[tuple[int, float, float]],
    areas: Iterable[AreaRow] = (),
) -> SearchIndex:
    """The index of these rows (published services), coverage links (service id, area id),
    published points (service id, latitude, longitude) and areas; links and points of other
    services are left out (pure)."""
    by_id = {row.id: row for row in sorted(rows, key=lambda row: row.id)}
    listed: dict[int, set[int]] = {}
    for service_id, area_id in links:
        listed.setdefault(area_id, set()).add(service_id)
    points: dict[int, list[tuple[float, float]]] = {}
    for service_id, lat, lon in sites:
        if service_id in by_id:
            points.setdefault(service_id, []).append((lat, lon))
    held_points = {service_id: tuple(p) for service_id, p in points.items()}
    covering = {area_id: ids & by_id.keys() for area_id, ids in listed.items()}
    areas = list(areas)
    return SearchIndex(
        version=token, rows=by_id, points=held_points, columns=_columns(tuple(by_id.values()), covering, held_points),
        areas={area.code: area for area in areas}, areas_by_id={area.id: area for area in areas},
    )


def _point_terms(point: tuple[float, float]) -> tuple[float, float, float]:
    latitude = math.radians(point[0])
    return math.radians(point[1]), math.sin(latitude), math.cos(latitude)


_lock = threading.Lock()
_held: SearchIndex | None = None


def current(directory_version: str | None = None) -> SearchIndex:
    """This process's index if it is of the current directory version; else read afresh.
    One query when current (the version, unless the caller read it already), six when not."""
    global _held
    token = directory_version or version.current()
    held = _held
    if held is not None and held.version == token:
        return held
    with _lock:  # threaded workers: read it once, not once per thread
        if _held is None or _held.version != token:
            _held = build(token)
        return _held


def forget() -> None:
    """Drop this process's copy (tests: a rolled-back transaction's rows must not linger)."""
    global _held
    _held = None
