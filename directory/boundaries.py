"""Welsh local authority boundaries from data/, simplified for drawing, and served as one file.

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
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.urls import reverse

BOUNDARIES_PATH = Path(settings.BASE_DIR) / "data" / "wales_local_authorities.geojson"
TOLERANCE = 0.0015  # degrees (~100 m): fine from all of Wales to a town's streets


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
    out = [[round(x, 4), round(y, 4)] for i, (x, y) in enumerate(ring) if i in keep]
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
    features: tuple[dict, ...]  # GeoJSON features: lad_code and names in properties, simplified geometry
    body: bytes  # the served file: each area's geometry under its code (`id`), nothing else
    gzipped: bytes
    digest: str

    def collection(self) -> dict:
        return {"type": "FeatureCollection", "features": list(self.features)}

    def url(self) -> str:
        """Where maps fetch these shapes from: named by their digest, so cached for good."""
        return reverse("area_shapes", kwargs={"digest": self.digest})


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
    served = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": f["properties"]["lad_code"], "properties": {}, "geometry": f["geometry"]}
        for f in features
    ]}
    body = json.dumps(served, separators=(",", ":")).encode()
    return AreaShapes(features, body, gzip.compress(body, 9, mtime=0), hashlib.sha256(body).hexdigest()[:16])


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
