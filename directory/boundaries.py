"""Welsh local authority boundaries from data/, simplified for drawing, and served as one file;
and the regions' outlines (health boards, safeguarding boards) dissolved from them, as another.

The file (ONS 2013, 20 m generalised, 675 kB) is simplified (Douglas–Peucker, ~100 m: fine at the
maps' zoom) to one copy of about 130 kB that every map draws from: the gaps map all 22 areas, the
search map its authority and the faint all-Wales backdrop, a service's page the areas it covers.

A map's page carries each area's code, name, figures and colour, which follow the directory, the
layer and the language; the shapes come from `shapes_url()` (directory/views.area_shapes), fetched
by the map's script (static/js/map-shapes.js) and kept by the browser for a year: they were in every
map page, 35–40 kB compressed again on every view. The URL is named by a digest of the bytes served,
and those are made afresh whenever the boundary file changes (its size, modification time or inode:
one stat() per call), so replacing it gives a new URL without a restart or a build step, and no
browser keeps old shapes under a new page. A page made before the change (the search cache keeps
some for a while) asks for the old digest and is sent on to the current one.

`region_shapes(members)` is the regions' file, for the gaps map's regional views (which draw each
region's edge over its local authorities): each region the union of its local authorities' shapes
from the boundary file, simplified as they are, once per version of that file and of the regions'
membership; its URL (`maps/regions-<digest>.geojson`) is named by a digest of the bytes too, so a
change of either gives a new one.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import shapely
from django.conf import settings
from django.urls import reverse
from shapely.geometry import shape

BOUNDARIES_PATH = Path(settings.BASE_DIR) / "data" / "wales_local_authorities.geojson"
TOLERANCE = 0.0015  # degrees (~100 m): fine from all of Wales to a town's streets
PLACES = 4  # decimal places kept (~10 m)


def _perpendicular(p: Sequence[float], a: Sequence[float], b: Sequence[float]) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / (dx * dx + dy * dy) ** 0.5


def simplify_ring(ring: list[list[float]], tolerance: float) -> list[list[float]]:
    """Douglas–Peucker on one closed ring, keeping at least a triangle (pure)."""
    if len(ring) <= 4:
        return ring
    keep = {0, len(ring) - 1}
    stack = [(0, len(ring) - 1)]
    while stack:
        start, end = stack.pop()
        best, index = 0.0, -1
        for i in range(start + 1, end):
            d = _perpendicular(ring[i], ring[start], ring[end])
            if d > best:
                best, index = d, i
        if index >= 0 and best > tolerance:
            keep.add(index)
            stack += [(start, index), (index, end)]
    out = [[round(x, PLACES), round(y, PLACES)] for i, (x, y) in enumerate(ring) if i in keep]
    return out if len(out) >= 4 else ring


def simplify_geometry(geometry: dict, tolerance: float) -> dict:
    """A (Multi)Polygon as a simplified MultiPolygon; islands that shrink to nothing go, but the
    largest piece stays whatever happens (pure)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    simplified = [[simplify_ring(ring, tolerance) for ring in polygon] for polygon in polygons]
    simplified = [p for p in simplified if len(p[0]) >= 4] or simplified[:1]
    return {"type": "MultiPolygon", "coordinates": simplified}


@dataclass(frozen=True, eq=False)  # compared (and cached by) identity: one per version of the file
class AreaShapes:
    features: tuple[dict, ...]  # GeoJSON features: their code (`key`) and names in properties, simplified geometry
    body: bytes  # the served file: each area's geometry under its code (`id`), nothing else
    gzipped: bytes
    digest: str
    key: str = "lad_code"  # the property that holds each feature's code
    url_name: str = "area_shapes"

    def collection(self) -> dict:
        return {"type": "FeatureCollection", "features": list(self.features)}

    def url(self) -> str:
        """Where maps fetch these shapes from: named by their digest, so cached for good."""
        return reverse(self.url_name, kwargs={"digest": self.digest})


def _served(features: tuple[dict, ...], key: str, url_name: str) -> AreaShapes:
    """The file maps fetch: each feature's geometry under its code, compressed once."""
    served = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": f["properties"][key], "properties": {}, "geometry": f["geometry"]}
        for f in features
    ]}
    body = json.dumps(served, separators=(",", ":")).encode()
    digest = hashlib.sha256(body).hexdigest()[:16]
    return AreaShapes(features, body, gzip.compress(body, 9, mtime=0), digest, key, url_name)


def la_shapes() -> AreaShapes:
    """The boundaries as they are in the file now (re-read only when it has changed)."""
    found = BOUNDARIES_PATH.stat()
    return _shapes_of(str(BOUNDARIES_PATH), found.st_mtime_ns, found.st_size, found.st_ino)


@lru_cache(maxsize=1)
def _shapes_of(path: str, _mtime_ns: int, _size: int, _inode: int) -> AreaShapes:
    # ~0.5 s for the 22 areas, once per process and version of the file.
    collection = json.loads(Path(path).read_text(encoding="utf-8"))
    features = tuple(
        {"type": "Feature", "properties": dict(feature["properties"]),
         "geometry": simplify_geometry(feature["geometry"], TOLERANCE)}
        for feature in collection["features"]
    )
    return _served(features, "lad_code", "area_shapes")


def shapes_url() -> str:
    """Where maps fetch the current shapes from."""
    return la_shapes().url()


def la_boundaries(codes: Iterable[str]) -> list[dict]:
    """GeoJSON features for these local authority codes (unknown codes skipped), in their order."""
    by_code = {feature["properties"]["lad_code"]: feature for feature in la_shapes().features}
    return [by_code[code] for code in dict.fromkeys(codes) if code in by_code]


def wales_backdrop() -> list[dict]:
    """All 22 local authorities: orientation on maps that have no base tiles."""
    return list(la_shapes().features)


def _simplified_edge(edge: shapely.LineString, tolerance: float) -> shapely.LineString:
    # A closed edge (an island, a region with no neighbour) that would shrink to nothing stays as it
    # is, as simplify_ring keeps it.
    simpler = edge.simplify(tolerance, preserve_topology=False)
    return edge if edge.is_closed and len(simpler.coords) < 4 else simpler


def _as_multipolygon(geometry: shapely.Geometry) -> dict:
    polygons = [p for p in shapely.get_parts(geometry) if isinstance(p, shapely.Polygon) and not p.is_empty]
    return {"type": "MultiPolygon", "coordinates": [
        [[[round(x, PLACES), round(y, PLACES)] for x, y in ring.coords] for ring in (p.exterior, *p.interiors)]
        for p in polygons
    ]}


def _coverages(members: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The regions in groups that share no member (health boards in one, safeguarding boards in
    another): each group covers the map once, and its faces are shared out among its regions alone."""
    groups: list[tuple[list[str], set[str]]] = []
    for code, las in members.items():
        held = set(las)
        group = next((g for g in groups if not g[1] & held), None)
        if group is None:
            groups.append(([code], held))
        else:
            group[0].append(code)
            group[1].update(held)
    return [codes for codes, _held in groups]


def _owner(face: shapely.Polygon, regions: Mapping[str, shapely.Geometry]) -> str:
    """The region most of the face lies in; a face of none (a sliver where simplified edges crossed)
    goes to the nearest, so it is never a gap between regions."""
    for code, region in regions.items():
        if region.contains(face):  # nearly every face: prepared, this is quick
            return code
    overlaps = {code: region.intersection(face).area for code, region in regions.items() if region.intersects(face)}
    if overlaps and max(overlaps.values()) > 0:
        return max(overlaps, key=overlaps.__getitem__)
    return min(regions, key=lambda code: regions[code].distance(face))


def dissolve(parts: Mapping[str, dict], members: Mapping[str, Iterable[str]], tolerance: float) -> dict[str, dict]:
    """Region code → its outline (a GeoJSON MultiPolygon): the union of its members' shapes (`parts`:
    code → GeoJSON geometry, unsimplified; unknown codes skipped), simplified as `simplify_ring` does
    (Douglas–Peucker) one edge at a time, so that neighbouring regions keep one common edge: they
    touch, with neither gap nor overlap, where simplifying each region alone would leave slivers of
    both. Regions may be of several kinds at once (`_coverages`). Pure."""
    geometries = {code: shape(geometry) for code, geometry in parts.items()}
    regions = {code: shapely.union_all([geometries[la] for la in las if la in geometries])
               for code, las in members.items()}
    regions = {code: region for code, region in regions.items() if not region.is_empty}
    shapely.prepare(list(regions.values()))
    outlines = {}
    for group in _coverages({code: members[code] for code in regions}):
        within = {code: regions[code] for code in group}
        # Every region's edge, cut where edges meet (the union nodes them), joined up between those points.
        edges = shapely.line_merge(shapely.union_all([region.boundary for region in within.values()]))
        simplified = [_simplified_edge(edge, tolerance) for edge in shapely.get_parts(edges)]
        # Simplified edges may cross: cut them again where they do before taking the faces they enclose.
        faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(simplified))))
        owned: dict[str, list[shapely.Polygon]] = {code: [] for code in group}
        for face in faces:
            owned[_owner(face, within)].append(face)
        for code, pieces in owned.items():
            outlines[code] = _as_multipolygon(shapely.set_precision(shapely.union_all(pieces), 10**-PLACES))
    return {code: outlines[code] for code in regions}


def region_shapes(members: Mapping[str, Iterable[str]]) -> AreaShapes:
    """The outlines of these regions (region code → its local authorities' codes), from the boundary
    file as it is now: computed once per version of the file and of the membership (~1.5 s for
    Wales's 13 regions)."""
    found = BOUNDARIES_PATH.stat()
    frozen = tuple(sorted((code, tuple(sorted(set(las)))) for code, las in members.items()))
    return _regions_of(str(BOUNDARIES_PATH), found.st_mtime_ns, found.st_size, found.st_ino, frozen)


@lru_cache(maxsize=2)
def _regions_of(
    path: str, _mtime_ns: int, _size: int, _inode: int, members: tuple[tuple[str, tuple[str, ...]], ...]
) -> AreaShapes:
    collection = json.loads(Path(path).read_text(encoding="utf-8"))
    parts = {feature["properties"]["lad_code"]: feature["geometry"] for feature in collection["features"]}
    features = tuple(
        {"type": "Feature", "properties": {"region_code": code}, "geometry": outline}
        for code, outline in dissolve(parts, dict(members), TOLERANCE).items()
    )
    return _served(features, "region_code", "region_shapes")
