"""What the search weighs for every published service, held in each process per directory version.

A national search weighs hundreds of candidate services, most of which fail a criterion. Reading
them from the database for every search (with their current waits) cost most of a search; they
change only when the directory does. So each process reads them once per `directory.version`:
a search reads the version (one indexed query) and uses this process's copy while it is current.
Correct behind a load balancer (each app server checks the shared version), and small: about
10 MB and one second to read for 20,000 services.

Three queries to build: the light rows with their current wait, the coverage links, the published
location points. Nothing here is about a child: the search's criteria never reach this module.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import get_language

from directory import version, vocabulary
from directory.models import Service, ServiceAtLocation

# Plain columns the criteria, grouping and sorting read: no related rows, no translated text
# except the name (both languages, for sorting by it).
ROW_FIELDS = (
    "id", "name_en", "name_cy", "status", "age_min", "age_max", "kind_helpline", "welsh_available",
    "disclosure_required", "requires_proceedings_finished",
    *vocabulary.ABUSE_FORM_FIELDS.values(), *vocabulary.AUDIENCE_FIELDS.values(),
    *vocabulary.DELIVERY_MODE_FIELDS.values(), *vocabulary.REFERRER_FIELDS.values(),
)
WAIT_FIELDS = ("current_wait_weeks", "current_wait_as_of", "current_wait_open")
# Grid cells for the near-by look-up: half a degree is ~55 km north-south, so a 40 km box
# spans at most three cells each way.
CELL_DEGREES = 0.5


class ServiceRow:
    """One published service as the search weighs it (read-only: shared by every search)."""

    __slots__ = (*ROW_FIELDS, *WAIT_FIELDS, "lists_an_area")

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


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)


@dataclass(frozen=True)
class SearchIndex:
    version: str
    rows: dict[int, ServiceRow]  # published services by id
    covering: dict[int, frozenset[int]]  # area id -> published services listing it
    unlisted_helplines: frozenset[int]  # published helplines that list no area
    points: dict[int, tuple[tuple[float, float], ...]]  # published location points by service id
    grid: dict[tuple[int, int], tuple[tuple[float, float, int], ...]]  # (lat, lon, service id) by cell

    def covering_any(self, area_ids: Iterable[int]) -> set[int]:
        ids: set[int] = set()
        for area_id in area_ids:
            ids.update(self.covering.get(area_id, ()))
        return ids

    def nearby(self, point: tuple[float, float], km: float) -> set[int]:
        """Services with a published location in a box reaching `km` around the point."""
        south, north, west, east = bounding_box(point, km)
        (low_lat, low_lon), (high_lat, high_lon) = _cell(south, west), _cell(north, east)
        ids = set()
        for cell_lat in range(low_lat, high_lat + 1):
            for cell_lon in range(low_lon, high_lon + 1):
                for lat, lon, service_id in self.grid.get((cell_lat, cell_lon), ()):
                    if south <= lat <= north and west <= lon <= east:
                        ids.add(service_id)
        return ids


def build(token: str) -> SearchIndex:
    """Read the index from the database. Three queries."""
    from directory.selectors import with_current_wait  # selectors imports this module

    listed: dict[int, set[int]] = {}
    areas_of: set[int] = set()
    for service_id, area_id in Service.coverage_areas.through.objects.values_list("service_id", "area_id"):
        listed.setdefault(area_id, set()).add(service_id)
        areas_of.add(service_id)
    rows = {}
    for values in with_current_wait(Service.objects.published()).order_by("id").values_list(*ROW_FIELDS, *WAIT_FIELDS):
        row = ServiceRow((*values, values[0] in areas_of))
        rows[row.id] = row
    points: dict[int, list[tuple[float, float]]] = {}
    grid: dict[tuple[int, int], list[tuple[float, float, int]]] = {}
    sites = ServiceAtLocation.objects.filter(
        location__do_not_publish_address=False, location__latitude__isnull=False,
        location__longitude__isnull=False,
    ).values_list("service_id", "location__latitude", "location__longitude")
    for service_id, lat, lon in sites:
        if service_id in rows:
            points.setdefault(service_id, []).append((lat, lon))
            grid.setdefault(_cell(lat, lon), []).append((lat, lon, service_id))
    return SearchIndex(
        version=token,
        rows=rows,
        covering={area_id: frozenset(ids & rows.keys()) for area_id, ids in listed.items()},
        unlisted_helplines=frozenset(r.id for r in rows.values() if r.kind_helpline and not r.lists_an_area),
        points={service_id: tuple(p) for service_id, p in points.items()},
        grid={cell: tuple(entries) for cell, entries in grid.items()},
    )


_lock = threading.Lock()
_held: SearchIndex | None = None


def current(directory_version: str | None = None) -> SearchIndex:
    """This process's index if it is of the current directory version; else read afresh.
    One query when current (the version, unless the caller read it already), four when not."""
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
