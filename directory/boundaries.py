"""Welsh local authority boundaries from data/, thinned for drawing on a web page.

The file (ONS 2013, 20 m generalised, 675 kB) is read once per process. Maps of one local
authority use light thinning; maps of many use more, so an all-Wales map stays near 200 kB.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from django.conf import settings

BOUNDARIES_PATH = Path(settings.BASE_DIR) / "data" / "wales_local_authorities.geojson"
FINE = 0.002  # degrees (~150 m): one local authority
COARSE = 0.004  # several local authorities
BACKDROP = 0.01  # all of Wales, as faint context lines behind the real content


@lru_cache(maxsize=1)
def _raw_features() -> dict[str, dict]:
    with BOUNDARIES_PATH.open(encoding="utf-8") as handle:
        collection = json.load(handle)
    return {feature["properties"]["lad_code"]: feature for feature in collection["features"]}


def _thin_ring(ring: list[list[float]], tolerance: float) -> list[list[float]] | None:
    """Drop points closer than `tolerance` to the last kept one; None if the ring vanishes (pure)."""
    kept: list[list[float]] = []
    for x, y in ring:
        if not kept or abs(kept[-1][0] - x) + abs(kept[-1][1] - y) >= tolerance:
            kept.append([round(x, 4), round(y, 4)])
    if kept[-1] != kept[0]:
        kept.append(kept[0])
    return kept if len(kept) >= 4 else None


def thin_geometry(geometry: dict, tolerance: float) -> dict:
    """A (Multi)Polygon as a thinned MultiPolygon; islands smaller than the tolerance go (pure)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    thinned = []
    for polygon in polygons:
        rings = [_thin_ring(ring, tolerance) for ring in polygon]
        if rings[0] is not None:
            thinned.append([ring for ring in rings if ring is not None])
    return {"type": "MultiPolygon", "coordinates": thinned}


@lru_cache(maxsize=64)
def _thinned(code: str, tolerance: float) -> dict | None:
    feature = _raw_features().get(code)
    if feature is None:
        return None
    return {"type": "Feature", "properties": dict(feature["properties"]),
            "geometry": thin_geometry(feature["geometry"], tolerance)}


def la_boundaries(codes: Iterable[str]) -> list[dict]:
    """GeoJSON features for these local authority codes (unknown codes skipped), thinned."""
    codes = list(dict.fromkeys(codes))
    tolerance = FINE if len(codes) <= 2 else COARSE
    return [feature for code in codes if (feature := _thinned(code, tolerance)) is not None]


def wales_backdrop() -> list[dict]:
    """All 22 local authorities, thinned hard: orientation on maps that have no base tiles."""
    return [feature for code in _raw_features() if (feature := _thinned(code, BACKDROP)) is not None]
