"""A child's full postcode kept out of search addresses: cut to its sector ("CF10 1EP" → "CF10 1").

A unit postcode is about 15 homes: with the child's age and the forms of abuse in the same address
it comes close to naming a child, and a search's address stays in browser history, shared links,
bookmarks, proxy logs and the search page cache's keys. Its sector (a few thousand homes) finds the
same services, so a full postcode never stays in the address: the search form's script cuts it
before the form is sent (servicemap/static/js/search-form.js), and the search answers a request
that still carries one (no JavaScript, a typed or old link) with a redirect to the same search
from its sector, with `cut=1` so the page says so.

What the sector loses is the local authority, where its postcodes are split between authorities
or the unit is in a small part of the sector in another one: the redirect then adds
`la=<the unit's authority>`, unless a local authority was chosen (that choice stands, as it does
beside any postcode). The script takes the same from `units_needing_authority`, a table that is the
same for everyone, so nothing about the search is sent to read it.
"""

from __future__ import annotations

import functools

from django.db import connection, models
from django.http import QueryDict

from directory import local_authorities, postcodes
from directory.forms import CUT_FLAG, SPLIT_WARNING_SHARE
from directory.models import Area, Postcode, PostcodeDistrict


def unit_sector(parsed: postcodes.ParsedPostcode) -> postcodes.ParsedPostcode:
    """The sector of a parsed unit postcode (pure): "CF10 1EP" → "CF10 1"."""
    return postcodes.ParsedPostcode("sector", parsed.text[:-2], parsed.outward)


def _needs_authority(unit_lad: str, sector_lad: str | None, sector_share: float) -> bool:
    """Whether a search from the unit's sector would not name the unit's authority for certain:
    the sector (or its district) is another authority's, or split (the page would say "part of")."""
    return sector_lad != unit_lad or sector_share < SPLIT_WARNING_SHARE


def exact_authority(parsed: postcodes.ParsedPostcode) -> str:
    """The local authority to search with a unit postcode's sector so that the search is for the
    unit's authority, or "" where the sector alone gives it (or the unit is not one we hold).
    Two or three indexed queries."""
    unit = postcodes.unit_postcode_point(parsed)
    if unit is None:
        return ""  # not held (an English unit, a typo): its sector is what a search from it used anyway
    sector = postcodes.lookup_postcode(unit_sector(parsed))
    if sector is not None and not _needs_authority(unit.lad_code, sector.lad_code, sector.lad_share):
        return ""
    # Only one the search's list offers (a local authority of ours), or the search would refuse it.
    return unit.lad_code if local_authorities.by_code(unit.lad_code) is not None else ""


def cut_query(query: QueryDict) -> str | None:
    """The query string of the same search with every full postcode cut to its sector (and the
    unit's local authority and `cut=1` added), or None when it holds no full postcode."""
    typed = query.getlist("postcode")
    parsed = [postcodes.parse_postcode(value) for value in typed]
    if not any(p is not None and p.kind == "unit" for p in parsed):
        return None
    cut = query.copy()
    cut.setlist("postcode", [unit_sector(p).text if p is not None and p.kind == "unit" else value
                             for value, p in zip(typed, parsed, strict=True)])
    searched = parsed[-1]  # the form reads the last one
    if searched is not None and searched.kind == "unit" and not query.get("la"):
        authority = exact_authority(searched)
        if authority:
            cut["la"] = authority  # in place of an empty `la=` (the form sent without script), else last
    cut[CUT_FLAG] = "1"
    return cut.urlencode()


def units_needing_authority(generation: str) -> dict[str, dict[str, str]]:
    """For the search form's script: {sector: {local authority: its units' last two letters,
    run together}} for every unit postcode we hold whose sector alone would not give its authority
    (`exact_authority`), e.g. {"HR3 5": {"W06000023": "AAABAD…"}}. About 12,000 of Wales's 92,000
    units, ~25 kB; built once per process and generation (a reload of the postcode tables replaces
    it): three queries over the tables, ~0.3–0.5 s on 2 cores."""
    return _units_needing_authority(generation)


def _rows(model: type[models.Model], fields: tuple[str, ...]) -> list[tuple]:
    # Plain SQL: the ORM's values_list cost ~0.6 s for the 92,000 units, the rows themselves ~0.05 s.
    meta, quote = model._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {quote(meta.db_table)} ORDER BY 1")  # noqa: S608 - our names
        return cursor.fetchall()


@functools.lru_cache(maxsize=1)
def _units_needing_authority(generation: str) -> dict[str, dict[str, str]]:
    parts = {prefix: (lad, share) for prefix, lad, share in _rows(PostcodeDistrict, ("prefix", "lad_code", "lad_share"))}
    offered = set(Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY).values_list("code", flat=True))
    table: dict[str, dict[str, list[str]]] = {}
    for postcode, lad in _rows(Postcode, ("postcode", "lad_code")):
        sector, outward = postcode[:-2], postcode.split(" ")[0]
        # As lookup_postcode reads a sector: its own row, else its district's.
        sector_lad, share = parts.get(sector) or parts.get(outward) or (None, 1.0)
        if lad in offered and _needs_authority(lad, sector_lad, share):
            table.setdefault(sector, {}).setdefault(lad, []).append(postcode[-2:])
    return {sector: {lad: "".join(units) for lad, units in by_lad.items()} for sector, by_lad in table.items()}
