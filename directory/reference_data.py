"""Loading the shipped reference data (areas and postcodes) into the database.

Idempotent: areas are upserted on their code; postcode tables are replaced only when their
row count differs from the file's, so a second run costs a count query, not a reload.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from directory import version
from directory.models import WALES_CODE, Area, Postcode, PostcodeDistrict

DATA_DIR = Path(settings.BASE_DIR) / "data"
CENSUS_SOURCE = "ONS Census 2021, table TS007 (usual residents aged 0–17 on 21 March 2021)"


@dataclass
class LoadCounts:
    areas: int = 0
    postcodes: int = 0
    postcode_prefixes: int = 0


def _rows(name: str) -> Iterator[dict[str, str]]:
    path = DATA_DIR / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _upsert_area(code: str, kind: str, **fields) -> Area:
    area, _created = Area.objects.update_or_create(code=code, defaults={"kind": kind, **fields})
    return area


@transaction.atomic
def load_areas() -> int:
    """Wales, its 22 local authorities, 7 health boards and 6 safeguarding boards, linked."""
    names_cy = {row["code"]: row["name_cy"] for row in _rows("wales_area_names_cy.csv")}
    centroids = {row["lad_code"]: row for row in _rows("wales_la_centroids.csv")}
    wales = _upsert_area(WALES_CODE, Area.Kind.NATION, name="Wales", name_cy=names_cy[WALES_CODE])
    total_children = 0
    las: dict[str, Area] = {}
    for row in _rows("wales_local_authorities.csv"):
        centroid = centroids.get(row["code"], {})
        children = int(row["children_0_17"]) if row["children_0_17"] else None
        total_children += children or 0
        las[row["code"]] = _upsert_area(
            row["code"], Area.Kind.LOCAL_AUTHORITY, name=row["name"], name_cy=row["name_cy"],
            children_0_17=children, children_source=CENSUS_SOURCE,
            children_year=int(row["children_0_17_source_year"] or 0) or None,
            latitude=float(centroid["latitude"]) if centroid else None,
            longitude=float(centroid["longitude"]) if centroid else None,
        )
    wales.children_0_17, wales.children_source, wales.children_year = total_children, CENSUS_SOURCE, 2021
    wales.save()

    groups: dict[str, list[str]] = {}
    for row in _rows("wales_local_health_boards.csv"):
        board = _upsert_area(
            row["lhb_code"], Area.Kind.HEALTH_BOARD, name=row["lhb_name"], name_cy=names_cy.get(row["lhb_code"], "")
        )
        board.parents.set([wales])
        groups[board.code] = row["la_codes"].split(";")
    for row in _rows("wales_safeguarding_regions.csv"):
        code = row["safeguarding_region_code"]
        region = _upsert_area(
            code, Area.Kind.SAFEGUARDING_REGION, name=row["safeguarding_region_name"], name_cy=names_cy.get(code, "")
        )
        region.parents.set([wales])
        groups.setdefault(code, []).append(row["lad_code"])

    group_areas = {a.code: a for a in Area.objects.filter(code__in=groups)}
    parents_of: dict[str, list[Area]] = {code: [wales] for code in las}
    for group_code, la_codes in groups.items():
        for la_code in la_codes:
            parents_of[la_code].append(group_areas[group_code])
    for code, la in las.items():
        la.parents.set(parents_of[code])
        # Fill in the boards' populations as the sum of their local authorities.
    for group_code, la_codes in groups.items():
        group = group_areas[group_code]
        group.children_0_17 = sum(las[c].children_0_17 or 0 for c in la_codes)
        group.children_source, group.children_year = CENSUS_SOURCE, 2021
        group.save()
    return Area.objects.count()


def _replace_if_changed(model, rows: list, batch_size: int = 5000) -> int:
    if model.objects.count() == len(rows):
        return 0
    with transaction.atomic():
        model.objects.all().delete()
        model.objects.bulk_create(rows, batch_size=batch_size)
        version.bump()  # bulk_create sends no signals
    return len(rows)


def load_postcodes() -> tuple[int, int]:
    """Welsh unit postcodes and GB sector/district centroids. Returns rows (re)loaded."""
    units = [
        Postcode(postcode=r["postcode"], latitude=float(r["latitude"]), longitude=float(r["longitude"]),
                 lad_code=r["lad_code"])
        for r in _rows("wales_postcodes.csv.gz")
    ]
    prefixes = [
        PostcodeDistrict(prefix=r["sector"], latitude=float(r["latitude"]), longitude=float(r["longitude"]),
                         lad_code=r["lad_code"], lad_share=float(r["lad_share"] or 1))
        for r in _rows("gb_postcode_sectors.csv.gz")
    ] + [
        PostcodeDistrict(prefix=r["district"], latitude=float(r["latitude"]), longitude=float(r["longitude"]),
                         lad_code=r["lad_code"], lad_share=float(r["lad_share"] or 1))
        for r in _rows("gb_postcode_districts.csv.gz")
    ]
    return _replace_if_changed(Postcode, units), _replace_if_changed(PostcodeDistrict, prefixes)
