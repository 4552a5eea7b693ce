"""What the search weighs for every published service, held in each process per directory version.

A national search weighs hundreds of candidate services, most of which fail a criterion. Reading
them from the database for every search (with their current waits) cost most of a search; they
change only when the directory does. So each process reads them once per `directory.version`:
a search reads the version (one indexed query) and uses this process's copy while it is current.
Correct behind a load balancer (each app server checks the shared version), and small: about
10 MB and one second to read for 20,000 services. After a change to a few services (a provider's
new wait), only those are read again and a copy of the index is patched (`_read_again`).

Five queries to build: the light rows with their current wait, the coverage links, the published
location points, the areas and which larger areas each belongs to. Nothing here is about a child:
the search's criteria never reach this module.

Besides the rows, the index keeps what the criteria, grouping and distances read as numpy columns
(`Columns`, row i of each column is `Columns.rows[i]`), so a search weighs its candidates as a
few array operations instead of a Python loop over hundreds of rows (`selectors.service_search`).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np
from django.db import connection
from django.utils.translation import get_language

from directory import renderings, version, vocabulary
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


def translated_name_lang(name_en: str, name_cy: str | None) -> str:
    """"en" where `translated_name` gives the English name on a Welsh page (for a `lang`
    attribute, as `{% lang_attr service "name" %}`); "" where the name is in the page's language."""
    if not name_cy and (get_language() or "en").startswith("cy"):
        return "en"
    return ""


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
    ids: np.ndarray  # int64, each row's service id
    tokens: np.ndarray  # 16-byte strings, each row's `render_token` (see `SearchIndex.candidates_digest`)
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


def _flags(rows: Sequence[ServiceRow]) -> dict[str, np.ndarray]:
    return {name: np.array([bool(getattr(row, name)) for row in rows], dtype=bool) for name in FLAG_FIELDS}


def _row_columns(rows: Sequence[ServiceRow]) -> dict[str, np.ndarray]:
    """The `Columns` fields that are each row's own values (besides its flags), for these rows."""
    statuses = [row.status for row in rows]
    return {
        "closed": np.array([status == Service.Status.CLOSED for status in statuses], dtype=bool),
        "active": np.array([status == Service.Status.ACTIVE for status in statuses], dtype=bool),
        "age_min": np.array([float(row.age_min) for row in rows], dtype=np.float64),
        "age_max": np.array([float(row.age_max) for row in rows], dtype=np.float64),
        "ages_exact": np.array([_exact(row.age_min) and _exact(row.age_max) for row in rows], dtype=bool),
        "wait_known": np.array(
            [row.current_wait_weeks is not None and row.current_wait_as_of is not None for row in rows], dtype=bool),
        "wait_open": np.array([bool(row.current_wait_open) for row in rows], dtype=bool),
        "wait_weeks": np.array([row.current_wait_weeks or 0 for row in rows], dtype=np.int64),
        "wait_as_of": np.array([row.current_wait_as_of.toordinal() if row.current_wait_as_of else 0 for row in rows],
                               dtype=np.int64),
        "ids": np.array([row.id for row in rows], dtype=np.int64),
        "tokens": np.array([renderings.as_uuid(row.render_token).bytes for row in rows], dtype="S16"),
    }


def _name_ranks(rows: Sequence[ServiceRow]) -> dict[bool, np.ndarray]:
    return {welsh: _ranks([_name(row, welsh).lower() for row in rows]) for welsh in (False, True)}


def _point_columns(position: dict[int, int], points: dict[int, tuple[tuple[float, float], ...]]) -> dict[str, np.ndarray]:
    """The point columns of these services' points, in row order and, within a row, in point order."""
    pairs = sorted(((position[service_id], point) for service_id, held in points.items() for point in held))
    terms = [_point_terms(point) for _row, point in pairs]
    return {
        "point_lat": np.array([point[0] for _row, point in pairs], dtype=np.float64),
        "point_lon": np.array([point[1] for _row, point in pairs], dtype=np.float64),
        "point_row": np.array([row for row, _point in pairs], dtype=np.intp),
        "point_lng_rad": np.array([term[0] for term in terms], dtype=np.float64),
        "point_sin_lat": np.array([term[1] for term in terms], dtype=np.float64),
        "point_cos_lat": np.array([term[2] for term in terms], dtype=np.float64),
    }


def _columns(rows: tuple[ServiceRow, ...], covering: dict[int, set[int]],
             points: dict[int, tuple[tuple[float, float], ...]]) -> Columns:
    position = {row.id: i for i, row in enumerate(rows)}
    flags = _flags(rows)
    return Columns(
        rows=rows,
        flags=flags,
        **_row_columns(rows),
        name_rank=_name_ranks(rows),
        covering={  # areas some published service lists
            area_id: np.array(sorted(position[service_id] for service_id in ids), dtype=np.intp)
            for area_id, ids in covering.items() if ids
        },
        unlisted_helpline=flags["kind_helpline"] & ~flags["lists_an_area"],
        **_point_columns(position, points),
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
    generation: str = ""  # the directory's (`version.current_with_generation`) when read: see `current`

    def nearby_rows(self, point: tuple[float, float], km: float) -> np.ndarray:
        """Services with a published location in a box reaching `km` around the point, as a bool
        mask over `columns.rows`."""
        south, north, west, east = bounding_box(point, km)
        lat, lon = self.columns.point_lat, self.columns.point_lon
        inside = (lat >= south) & (lat <= north) & (lon >= west) & (lon <= east)
        mask = np.zeros(len(self.columns.rows), dtype=bool)
        mask[self.columns.point_row[inside]] = True
        return mask

    def candidates_digest(self, rows: np.ndarray) -> bytes:
        """A digest of these rows' services and their `render_token`s (rows: ascending positions).

        Everything a search shows of a service follows from its row, its coverage and points (all
        of which replace its token when they change: directory/version.py), so two indexes of one
        generation give a search the same outcome when its candidates' digests are equal
        (search_cache: a cached page outlives changes to other services)."""
        columns = self.columns
        return hashlib.blake2b(columns.ids[rows].tobytes() + columns.tokens[rows].tobytes(), digest_size=16).digest()

    def covering_rows(self, area_ids: Iterable[int]) -> np.ndarray:
        """Services listing any of these areas, as a bool mask over `columns.rows`."""
        mask = np.zeros(len(self.columns.rows), dtype=bool)
        for area_id in area_ids:
            held = self.columns.covering.get(area_id)
            if held is not None:
                mask[held] = True
        return mask


def _read(service_ids: list[int] | None = None) -> tuple[list[ServiceRow], list[tuple[int, int]], list]:
    """The published services' light rows (with their current wait and token) in id order, the
    coverage links and the published location points: of every service, or of these. Three queries."""
    from directory.selectors import with_current_wait  # selectors imports this module

    links = Service.coverage_areas.through.objects.all()
    services = with_current_wait(Service.objects.published())
    sites = ServiceAtLocation.objects.filter(
        location__do_not_publish_address=False, location__latitude__isnull=False,
        location__longitude__isnull=False,
    )
    if service_ids is not None:
        links, services = links.filter(service_id__in=service_ids), services.filter(pk__in=service_ids)
        sites = sites.filter(service_id__in=service_ids)
    links = list(links.values_list("service_id", "area_id"))
    listing = {service_id for service_id, _area_id in links}
    rows = [
        ServiceRow((*values, values[0] in listing))
        for values in services.order_by("id").values_list(*ROW_FIELDS, *WAIT_FIELDS, TOKEN_FIELD)
    ]
    return rows, links, list(sites.values_list("service_id", "location__latitude", "location__longitude"))


def build(token: str, generation: str = "") -> SearchIndex:
    """Read the index from the database. Five queries."""
    rows, links, sites = _read()
    parents: dict[int, list[int]] = {}
    for area_id, parent_id in Area.parents.through.objects.values_list("from_area_id", "to_area_id"):
        parents.setdefault(area_id, []).append(parent_id)
    areas = [
        AreaRow(area_id, code, name, name_cy, kind, tuple(parents.get(area_id, ())))
        for area_id, code, name, name_cy, kind in Area.objects.values_list("id", "code", "name", "name_cy", "kind")
    ]
    return assemble(token, rows, links, sites, areas, generation=generation)


def _points_of(sites: Iterable[tuple[int, float, float]], service_ids) -> dict[int, tuple[tuple[float, float], ...]]:
    """Each of these services' points, in order (others' are left out)."""
    points: dict[int, list[tuple[float, float]]] = {}
    for service_id, lat, lon in sites:
        if service_id in service_ids:
            points.setdefault(service_id, []).append((lat, lon))
    return {service_id: tuple(sorted(held)) for service_id, held in points.items()}


def assemble(
    token: str, rows: Iterable[ServiceRow], links: Iterable[tuple[int, int]], sites: Iterable[tuple[int, float, float]],
    areas: Iterable[AreaRow] = (), generation: str = "",
) -> SearchIndex:
    """The index of these rows (published services), coverage links (service id, area id),
    published points (service id, latitude, longitude) and areas; links and points of other
    services are left out (pure)."""
    by_id = {row.id: row for row in sorted(rows, key=lambda row: row.id)}
    listed: dict[int, set[int]] = {}
    for service_id, area_id in links:
        listed.setdefault(area_id, set()).add(service_id)
    held_points = _points_of(sites, by_id)
    covering = {area_id: ids & by_id.keys() for area_id, ids in listed.items()}
    areas = list(areas)
    return SearchIndex(
        version=token, rows=by_id, points=held_points, columns=_columns(tuple(by_id.values()), covering, held_points),
        areas={area.code: area for area in areas}, areas_by_id={area.id: area for area in areas},
        generation=generation,
    )


# --- after a change: the changed services read again, not every service ------------------------
#
# Every public change replaces the directory's version, and most say whose: a provider's new wait
# replaces that service's `render_token` (directory/version.py). Reading the whole index again
# cost each process ~0.6-0.9 s for 20,000 services, on its first search after any change. So a
# process holding an index of the same generation reads every published service's token (one
# light query), then only the services whose token changed, and patches a copy of its index.
# A change of unknown reach (a new generation: areas, imports) or of which services are published
# reads everything again, as does a change to very many services.

# Beyond this many changed services, patching gains little on reading everything (20,000 services
# on the 2-core machine: 0.7-0.9 s read afresh; patched, one changed 40-150 ms, 1,000 90-270 ms).
MOST_PATCHED = 1000


def published_tokens() -> dict[int, object]:
    """Every published service's `render_token` as the database returns it: the ORM's own query,
    run without its converters (on SQLite they made a UUID of each of the 20,000 hex strings,
    which cost more than the read)."""
    query = Service.objects.published().order_by().values_list("id", TOKEN_FIELD).query
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    # The order Django wrote the columns in: modeltranslation's queryset picks its own.
    aliases = [alias for _expression, _sql, alias in compiler.select]
    pk, token = aliases.index("id"), aliases.index(TOKEN_FIELD)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[pk]: row[token] for row in cursor.fetchall()}


def _read_again(held: SearchIndex | None, token: str, generation: str) -> SearchIndex:
    """The index of the directory at this version and generation (read before its rows): `held`
    patched with the services changed since it was read, or read afresh (see above). One query,
    and three more for the changed services."""
    if held is None or held.generation != generation:
        return build(token, generation)
    stored = published_tokens()
    if stored.keys() != held.rows.keys():
        return build(token, generation)
    # Compared as the database gives them (renderings.py's `as_uuid`, `as_hex`: a uuid on PostgreSQL).
    as_stored = renderings.as_uuid if connection.vendor == "postgresql" else renderings.as_hex
    changed = [pk for pk, row in held.rows.items() if as_stored(row.render_token) != stored[pk]]
    if not changed:
        return replace(held, version=token)
    if len(changed) > MOST_PATCHED:
        return build(token, generation)
    rows, links, sites = _read(changed)
    if [row.id for row in rows] != changed:  # unpublished since the tokens were read
        return build(token, generation)
    return patched(held, token, rows, links, sites)


def _with(column: np.ndarray, at: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A copy of the column with these positions set (the held index is never written to: other
    threads may be reading it)."""
    out = column.copy()
    out[at] = values
    return out


def patched(
    held: SearchIndex, token: str, rows: Sequence[ServiceRow], links: Iterable[tuple[int, int]],
    sites: Iterable[tuple[int, float, float]],
) -> SearchIndex:
    """`held` with these services' rows, coverage links and points in place of their old ones:
    the same services as `held`, rows in id order (pure). Equal to assembling every row afresh
    (tests/directory/test_search_index.py holds the two to it)."""
    columns = held.columns
    position = {row.id: i for i, row in enumerate(columns.rows)}
    at = np.array([position[row.id] for row in rows], dtype=np.intp)
    all_rows = list(columns.rows)
    for i, row in zip(at.tolist(), rows, strict=True):
        all_rows[i] = row
    all_rows = tuple(all_rows)
    new_flags = _flags(rows)
    flags = {name: _with(column, at, new_flags[name]) for name, column in columns.flags.items()}
    renamed = any(_name(row, welsh) != _name(columns.rows[i], welsh)
                  for i, row in zip(at.tolist(), rows, strict=True) for welsh in (False, True))
    by_id = {**held.rows, **{row.id: row for row in rows}}
    changed_ids = {row.id for row in rows}
    new_points = _points_of(sites, changed_ids)
    points = {service_id: held_points for service_id, held_points in held.points.items()
              if service_id not in changed_ids}
    points.update(new_points)
    return SearchIndex(
        version=token, rows=by_id, points=points, areas=held.areas, areas_by_id=held.areas_by_id,
        generation=held.generation,
        columns=Columns(
            rows=all_rows,
            flags=flags,
            **{name: _with(getattr(columns, name), at, values) for name, values in _row_columns(rows).items()},
            name_rank=_name_ranks(all_rows) if renamed else columns.name_rank,
            covering=_covering_patched(columns.covering, at, [(position[s], a) for s, a in links], len(all_rows)),
            unlisted_helpline=flags["kind_helpline"] & ~flags["lists_an_area"],
            **_points_patched(columns, at, {position[s]: held_points for s, held_points in new_points.items()}),
        ),
    )


def _covering_patched(
    covering: dict[int, np.ndarray], at: np.ndarray, links: list[tuple[int, int]], size: int,
) -> dict[int, np.ndarray]:
    """The areas' rows with the rows at `at` listing only the areas their links give."""
    replaced = np.zeros(size, dtype=bool)
    replaced[at] = True
    added: dict[int, list[int]] = {}
    for row, area_id in links:
        added.setdefault(area_id, []).append(row)
    out = {}
    for area_id in covering.keys() | added.keys():
        rows = covering.get(area_id)
        if rows is not None and replaced[rows].any():
            rows = rows[~replaced[rows]]
        if area_id in added:
            extra = np.array(added[area_id], dtype=np.intp)
            rows = extra if rows is None else np.concatenate((rows, extra))
            rows = np.unique(rows)  # sorted, as assembled
        if len(rows):
            out[area_id] = rows
    return out


def _points_patched(
    columns: Columns, at: np.ndarray, new_points: dict[int, tuple[tuple[float, float], ...]],
) -> dict[str, np.ndarray]:
    """The point columns with the points of the rows at `at` replaced by these (row: points)."""
    kept = ~np.isin(columns.point_row, at)
    names = ("point_lat", "point_lon", "point_row", "point_lng_rad", "point_sin_lat", "point_cos_lat")
    added = _point_columns({row: row for row in new_points}, new_points)
    merged = {name: np.concatenate((getattr(columns, name)[kept], added[name])) for name in names}
    # Row order, then point order within a row, as `_point_columns` lays them out.
    order = np.lexsort((merged["point_lon"], merged["point_lat"], merged["point_row"]))
    return {name: column[order] for name, column in merged.items()}


def _point_terms(point: tuple[float, float]) -> tuple[float, float, float]:
    latitude = math.radians(point[0])
    return math.radians(point[1]), math.sin(latitude), math.cos(latitude)


_lock = threading.Lock()
_held: SearchIndex | None = None


def current(directory_version: str | None = None, generation: str | None = None) -> SearchIndex:
    """This process's index if it is of the current directory version; else brought up to date
    (`_read_again`). One query when current (the version, unless the caller read it already, as
    `version.current_with_generation()` gives both)."""
    global _held
    read = (directory_version, generation) if directory_version and generation else None
    if directory_version is None:
        read = version.current_with_generation()
        directory_version = read[0]
    held = _held
    if held is not None and held.version == directory_version:
        return held
    with _lock:  # threaded workers: read it once, not once per thread
        if _held is None or _held.version != directory_version:
            # A version without its generation is read again with it: one query, on a change only.
            _held = _read_again(_held, *(read or version.current_with_generation()))
        return _held


def forget() -> None:
    """Drop this process's copy (tests: a rolled-back transaction's rows must not linger)."""
    global _held
    _held = None
