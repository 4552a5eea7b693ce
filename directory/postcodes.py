"""Postcode normalisation (pure) and look-up against the tables loaded from data/.

Accepts any spacing, punctuation and case, a full unit postcode ("cf101ep"), a sector ("CF10 1") or a
district ("CF10"). Unit postcodes are Welsh only (92k live ones); sectors and districts cover
Great Britain, so an English postcode still gets a point and a local authority code.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from directory.models import Postcode, PostcodeDistrict

# Outward code: area letters, district digit(s), optional letter; inward: digit + two letters.
_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_FULL_RE = re.compile(rf"^({_OUTWARD})([0-9][ABD-HJLNP-UW-Z]{{2}})$")
_SECTOR_RE = re.compile(rf"^({_OUTWARD})([0-9])$")
_DISTRICT_RE = re.compile(rf"^({_OUTWARD})$")

# A letter O or I typed for a digit where only a digit can stand ("CF1O 1EP", "CF10 IEP"): the
# character after the area and district digit (no district ends in O or I) and the first of the
# inward code (always a digit, here before the last two letters). No valid postcode changes.
_DISTRICT_END_TYPO = re.compile(r"^([A-Z]{1,2}[0-9])([OI])")
_INWARD_START_TYPO = re.compile(r"^(.{2,4})([OI])([A-Z]{2})$")
_DIGIT_FOR = str.maketrans("OI", "01")

MALFORMED = _("That does not look like a UK postcode")
# Words alone (a town's name, "Bangor"): a postcode is what to type, or the list is what to use.
NOT_A_POSTCODE = _("Enter a postcode, like CF10 1, or choose the local authority from the list")
UNKNOWN = _("We could not find that postcode. Check it, or choose the local authority from the list instead.")
# The postcode areas of the UK's postcodes outside Great Britain, which the tables (Great Britain's
# sectors and districts, Wales's units) never hold: "We could not find that postcode. Check it"
# had the searcher check a right one. Each says where it is and what can be searched instead.
OUTSIDE_GREAT_BRITAIN = {
    "BT": _("That postcode is in Northern Ireland. servicemap lists services in Wales and searches from postcodes "
            "in England, Scotland and Wales: enter one of those, or choose a local authority in Wales from the list."),
    "IM": _("That postcode is on the Isle of Man. servicemap lists services in Wales and searches from postcodes "
            "in England, Scotland and Wales: enter one of those, or choose a local authority in Wales from the list."),
    "JE": _("That postcode is in Jersey. servicemap lists services in Wales and searches from postcodes in "
            "England, Scotland and Wales: enter one of those, or choose a local authority in Wales from the list."),
    "GY": _("That postcode is in Guernsey. servicemap lists services in Wales and searches from postcodes in "
            "England, Scotland and Wales: enter one of those, or choose a local authority in Wales from the list."),
}
# The same places, named in the APIs' English messages (`directory/oruk/selectors.py`).
OUTSIDE_GREAT_BRITAIN_NAMES = {"BT": "Northern Ireland", "IM": "the Isle of Man", "JE": "Jersey", "GY": "Guernsey"}
_AREA_LETTERS = re.compile(r"[A-Z]+")


@dataclass(frozen=True)
class ParsedPostcode:
    kind: str  # "unit", "sector" or "district"
    text: str  # normalised, e.g. "CF10 1EP", "CF10 1", "CF10"
    outward: str


@dataclass(frozen=True)
class PostcodePoint:
    postcode: str
    kind: str
    latitude: float
    longitude: float
    lad_code: str
    lad_share: float = 1.0  # of a sector's or district's postcodes, the share in `lad_code`


def parse_postcode(raw: str) -> ParsedPostcode | None:
    """Normalise a typed postcode, or None if it cannot be a UK postcode (pure)."""
    # Anything but a letter or digit separates, as a space does: a postcode pasted from a sentence
    # ("CF10 1EP."), typed with a hyphen, or with a non-breaking or zero-width space in it.
    spaced = re.sub(r"[^A-Z0-9]+", " ", (raw or "").upper()).strip()
    compact = _digits_for_letters(spaced.replace(" ", ""))
    if not compact or len(compact) > 8:
        return None
    if match := _FULL_RE.match(compact):
        return ParsedPostcode("unit", f"{match[1]} {match[2]}", match[1])
    # A sector without its space can read as a district ("CF11": district CF11, or CF1 + sector 1):
    # with its space it is a sector; without, a district where one reads so, else a sector ("CF101").
    if " " in spaced and (match := _SECTOR_RE.match(compact)):
        return ParsedPostcode("sector", f"{match[1]} {match[2]}", match[1])
    if match := _DISTRICT_RE.match(compact):
        return ParsedPostcode("district", match[1], match[1])
    if match := _SECTOR_RE.match(compact):
        return ParsedPostcode("sector", f"{match[1]} {match[2]}", match[1])
    return None


def outside_great_britain(parsed: ParsedPostcode) -> str | None:
    """What to say of a postcode from Northern Ireland, the Isle of Man or the Channel Islands,
    which no search can start from (pure); None for any other."""
    return OUTSIDE_GREAT_BRITAIN.get(postcode_area(parsed))


def postcode_area(parsed: ParsedPostcode) -> str:
    """The postcode area, the outward code's letters ("BT" of "BT1 1AA") (pure)."""
    return _AREA_LETTERS.match(parsed.outward)[0]


def _digits_for_letters(compact: str) -> str:
    """`compact` with an O or I read as 0 or 1 where only a digit can stand (pure)."""
    def digit(match: re.Match) -> str:
        return "".join(part.translate(_DIGIT_FOR) if part in ("O", "I") else part for part in match.groups())

    return _INWARD_START_TYPO.sub(digit, _DISTRICT_END_TYPO.sub(digit, compact))


@functools.lru_cache(maxsize=4)
def _unit_sql(vendor: str) -> str:
    # Written once: every search with a postcode asks, and building the query through the ORM
    # each time cost several times running it (~0.2 against ~0.03 ms).
    meta, quote = Postcode._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in ("latitude", "longitude", "lad_code"))
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.get_field('postcode').column)} = %s"


def lookup_postcode(parsed: ParsedPostcode) -> PostcodePoint | None:
    """Find a parsed postcode's point and local authority. One or two indexed queries."""
    if parsed.kind == "unit":
        if (point := unit_postcode_point(parsed)) is not None:
            return point
        # A valid-looking unit postcode we do not hold (e.g. English): fall back to its sector.
        sector = f"{parsed.text[:-2]}"
        prefixes = [sector, parsed.outward]
    else:
        prefixes = [parsed.text] if parsed.kind == "district" else [parsed.text, parsed.outward]
    with connection.cursor() as cursor:
        cursor.execute(_prefix_sql(connection.vendor, len(prefixes)), prefixes)
        rows = {prefix: values for prefix, *values in cursor.fetchall()}
    for prefix in prefixes:
        if (values := rows.get(prefix)) is not None:
            return PostcodePoint(parsed.text, parsed.kind, *values)
    return None


@functools.lru_cache(maxsize=8)
def _prefix_sql(vendor: str, count: int) -> str:
    # Written once, as `_unit_sql`: through the ORM (a queryset, then model instances) the
    # district or sector look-up cost a first-time search ~0.3 ms against ~0.05 ms running it.
    meta, quote = PostcodeDistrict._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column)
                        for name in ("prefix", "latitude", "longitude", "lad_code", "lad_share"))
    placeholders = ", ".join(["%s"] * count)
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.get_field('prefix').column)} IN ({placeholders})"


def welsh_authorities_within(parsed: ParsedPostcode) -> list[str]:
    """The Welsh local authorities holding a part postcode's live unit postcodes (a sector or
    district, or the sector of a unit we do not hold), most postcodes first. The district and
    sector tables give only their main authority: where that is in England ("HR3", Herefordshire),
    this names the Welsh part (Powys). One indexed query; asked only of a postcode that is split."""
    rows = (Postcode.objects.filter(postcode__startswith=_unit_prefix(parsed), lad_code__startswith="W06")
            .values("lad_code").annotate(n=Count("pk")).order_by("-n", "lad_code"))
    return [row["lad_code"] for row in rows]


def holds_welsh_authority(parsed: ParsedPostcode, lad_code: str) -> bool:
    """`lad_code in welsh_authorities_within(parsed)`, without a query for an authority outside
    Wales (which that list never names). The search form asks it of every part postcode searched
    with an authority chosen that is not the postcode's main one."""
    if not lad_code.startswith("W06"):
        return False
    pattern = _unit_prefix(parsed) + _ANY_AFTER.get(connection.vendor, "%")
    with connection.cursor() as cursor:
        cursor.execute(_holds_sql(connection.vendor), [pattern, lad_code])
        return cursor.fetchone() is not None


def _unit_prefix(parsed: ParsedPostcode) -> str:
    """How the unit postcodes within a part postcode begin ("HR3 " for the district HR3, not "HR30")."""
    if parsed.kind == "district":
        return f"{parsed.text} "
    return parsed.text if parsed.kind == "sector" else parsed.text[:-2]


# A prefix match that an index on the postcode serves: SQLite's LIKE ignores case, so it cannot use
# the column's (binary) index and read all 92k unit postcodes (~10 ms); GLOB matches case as the
# index orders it. PostgreSQL's LIKE uses the column's pattern index. A prefix holds only letters,
# digits and a space: nothing either reads as a wildcard.
_MATCH = {"sqlite": "GLOB"}
_ANY_AFTER = {"sqlite": "*"}


@functools.lru_cache(maxsize=4)
def _holds_sql(vendor: str) -> str:
    meta, quote = Postcode._meta, connection.ops.quote_name
    return (f"SELECT 1 FROM {quote(meta.db_table)} WHERE {quote(meta.get_field('postcode').column)} "
            f"{_MATCH.get(vendor, 'LIKE')} %s AND {quote(meta.get_field('lad_code').column)} = %s LIMIT 1")


def unit_postcode_point(parsed: ParsedPostcode) -> PostcodePoint | None:
    """The point of a full unit postcode we hold, or None: never a sector's or district's centre.

    For where a service is based (a pin on a map): `lookup_postcode` falls back to the sector's
    centre, a point that is not the address. One indexed query."""
    if parsed.kind != "unit":
        return None
    with connection.cursor() as cursor:
        cursor.execute(_unit_sql(connection.vendor), [parsed.text])
        row = cursor.fetchone()
    return PostcodePoint(parsed.text, "unit", *row) if row is not None else None
