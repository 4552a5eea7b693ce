"""Loading the shipped reference data (areas and postcodes) into the database.

Idempotent: areas are upserted on their code; postcode tables are replaced only when their
row count differs from the file's, so a second run costs a count query, not a reload.
"""

from __future__ import annotations

import csv
import functools
import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import get_language

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


# ONS lists three authorities in a form for sorting ("Herefordshire, County of"); the search page
# puts the name in sentences ("For a child in …", "… is outside Wales"), so they go by the name
# people use. A comma inside a name ("Bournemouth, Christchurch and Poole") stays.
_SORTING_SUFFIX = re.compile(r", (?:City|County) of$")


@functools.cache
def _gb_local_authority_names() -> dict[str, str]:
    return {row["lad_code"]: _SORTING_SUFFIX.sub("", row["lad_name"]) for row in _rows("gb_local_authority_names.csv")}


@functools.cache
def _gb_local_authority_names_cy() -> dict[str, str]:
    return {row["lad_code"]: row["name_cy"] for row in _rows("gb_local_authority_names_cy.csv")}


def gb_local_authority_name(code: str) -> str | None:
    """The name of a local authority district in Great Britain (England and Scotland too, which the
    directory holds no area for), or None for a code it does not know. Read from data/ once.

    In the active language, as `Area.display_name`: on a Welsh page "Bryste", not "Bristol", where
    an authority outside Wales has a standard Welsh name; the English one where it has none."""
    if (get_language() or "en").startswith("cy") and (name_cy := gb_local_authority_name_cy(code)):
        return name_cy
    return _gb_local_authority_names().get(code)


def gb_local_authority_name_cy(code: str) -> str:
    """The Welsh name of a local authority outside Wales ("" where it has none in common use)."""
    return _gb_local_authority_names_cy().get(code, "")


@functools.cache
def _welsh_names_by_english_name() -> dict[str, str]:
    """Each local authority's English name (as compared: `_name_key`) → its Welsh name, for those
    that have one: Wales's from the areas' file, the rest of Great Britain's from the GB lists; and
    Wales's preserved counties ("Mid Glamorgan" → "Morgannwg Ganol") and pre-1974 counties
    ("Radnorshire" → "Sir Faesyfed"), which addresses still give."""
    english = _gb_local_authority_names()
    names = {_name_key(english[code]): name_cy for code, name_cy in _gb_local_authority_names_cy().items()
             if code in english and name_cy}
    names |= {_name_key(row["name"]): row["name_cy"] for row in _rows("wales_preserved_counties.csv")}
    names |= {_name_key(row["name"]): row["name_cy"] for row in _rows("wales_historic_counties.csv")}
    names |= {_name_key(row["name"]): row["name_cy"] for row in _rows("wales_local_authorities.csv") if row["name_cy"]}
    return names


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def local_authority_name_in_language(name: str) -> str:
    """`name`, or on a Welsh page its Welsh name where it is a local authority's or a preserved
    county's English name that has one ("Cardiff" → "Caerdydd", "Bristol" → "Bryste", "West
    Glamorgan" → "Gorllewin Morgannwg"). For a place name typed by a provider
    (an address's county): anything else is returned as written. Read from data/ once, no query."""
    if not (get_language() or "en").startswith("cy"):
        return name
    return _welsh_names_by_english_name().get(_name_key(name), name)


def _wanted_areas() -> tuple[dict[str, dict], dict[str, list[str]]]:
    """From the shipped files: each area's code → its fields, and each code → its parents' codes."""
    names_cy = {row["code"]: row["name_cy"] for row in _rows("wales_area_names_cy.csv")}
    centroids = {row["lad_code"]: row for row in _rows("wales_la_centroids.csv")}
    las: dict[str, dict] = {}
    for row in _rows("wales_local_authorities.csv"):
        centroid = centroids.get(row["code"], {})
        las[row["code"]] = {
            "kind": Area.Kind.LOCAL_AUTHORITY, "name": row["name"], "name_cy": row["name_cy"],
            "children_0_17": int(row["children_0_17"]) if row["children_0_17"] else None,
            "children_source": CENSUS_SOURCE, "children_year": int(row["children_0_17_source_year"] or 0) or None,
            "latitude": float(centroid["latitude"]) if centroid else None,
            "longitude": float(centroid["longitude"]) if centroid else None,
        }
    groups: dict[str, dict] = {}
    members: dict[str, list[str]] = {}
    for row in _rows("wales_local_health_boards.csv"):
        code = row["lhb_code"]
        groups[code] = {"kind": Area.Kind.HEALTH_BOARD, "name": row["lhb_name"], "name_cy": names_cy.get(code, "")}
        members[code] = row["la_codes"].split(";")
    for row in _rows("wales_safeguarding_regions.csv"):
        code = row["safeguarding_region_code"]
        groups[code] = {"kind": Area.Kind.SAFEGUARDING_REGION, "name": row["safeguarding_region_name"],
                        "name_cy": names_cy.get(code, "")}
        members.setdefault(code, []).append(row["lad_code"])
    # A board's or region's population is the sum of its local authorities'; Wales's of all of them.
    for code, group in groups.items():
        group.update(children_0_17=sum(las[la]["children_0_17"] or 0 for la in members[code]),
                     children_source=CENSUS_SOURCE, children_year=2021)
    wales = {"kind": Area.Kind.NATION, "name": "Wales", "name_cy": names_cy[WALES_CODE],
             "children_0_17": sum(la["children_0_17"] or 0 for la in las.values()),
             "children_source": CENSUS_SOURCE, "children_year": 2021}
    parents = {code: [WALES_CODE] for code in [*las, *groups]}
    for code, la_codes in members.items():
        for la in la_codes:
            parents[la].append(code)
    return {WALES_CODE: wales, **las, **groups}, parents


def _save_areas(wanted: dict[str, dict]) -> tuple[dict[str, int], bool]:
    """Create or update the areas so that each holds the fields wanted (others left as they are).
    Returns code → id, and whether any row changed."""
    existing = {area.code: area for area in Area.objects.filter(code__in=wanted)}
    created = [Area(code=code, **fields) for code, fields in wanted.items() if code not in existing]
    changed, names = [], set()
    for code, area in existing.items():
        differ = [name for name, value in wanted[code].items() if getattr(area, name) != value]
        for name in differ:
            setattr(area, name, wanted[code][name])
        if differ:
            changed.append(area)
            names.update(differ)
    Area.objects.bulk_create(created)  # sets each new row's pk (both databases return them)
    if changed:
        Area.objects.bulk_update(changed, sorted(names))
    return {area.code: area.pk for area in [*existing.values(), *created]}, bool(created or changed)


def _link_parents(ids: dict[str, int], parents: dict[str, list[str]]) -> bool:
    """Each area's parents exactly as wanted (as `parents.set` would). Returns whether any link changed."""
    through = Area.parents.through
    wanted = {(ids[child], ids[parent]) for child, codes in parents.items() for parent in codes}
    held = {(child, parent): pk for pk, child, parent in through.objects.filter(
        from_area_id__in=[ids[code] for code in parents]).values_list("pk", "from_area_id", "to_area_id")}
    gone = [pk for pair, pk in held.items() if pair not in wanted]
    new = [through(from_area_id=child, to_area_id=parent) for child, parent in wanted - held.keys()]
    through.objects.filter(pk__in=gone).delete()
    through.objects.bulk_create(new)
    return bool(gone or new)


@transaction.atomic
def load_areas() -> int:
    """Wales, its 22 local authorities, 7 health boards and 6 safeguarding boards, linked.

    In bulk, a few queries in all (row by row it was ~550, which every test that loads the areas
    paid); the version is bumped once, and only if a row or link changed."""
    wanted, parents = _wanted_areas()
    ids, areas_changed = _save_areas(wanted)
    links_changed = _link_parents(ids, parents)
    if areas_changed or links_changed:
        version.bump()  # bulk writes send no signals
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
