"""Query parameters of the ORUK read API, parsed and checked (pure: no database).

Every bad value raises `ParameterError` naming the parameter and saying what is wrong, which the
API turns into a 400 JSON response. A blank value counts as absent (HTML forms send `age=`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.dateparse import parse_date, parse_datetime

from directory import vocabulary
from directory.postcodes import ParsedPostcode, parse_postcode

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
# Far beyond any real directory, and well inside a database's OFFSET range (a page of
# 10**21 overflowed PostgreSQL's bigint: a 500 found by schemathesis, tests/api/).
MAX_PAGE = 1_000_000
MAX_AGE = Decimal("120")
# Longer than any name or phrase: a longer one is refused on every endpoint that searches (each
# search is a scan of text, so a kilobyte of it costs for nothing).
MAX_SEARCH_LENGTH = 200
MAX_WAIT_WEEKS = 520
# What parse_area_code takes: an ONS code (W06000015) or our own region codes (letters, digits, hyphens).
AREA_CODE_PATTERN = r"[A-Za-z0-9-]{1,32}"
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
# What `postcode` takes, and what to ask for an area instead (a place name is neither).
POSTCODE_TAKES = "a UK postcode: a full postcode (CF10 1EP), a sector (CF10 1) or a district (CF10)"
AREA_INSTEAD = ("For the services covering a local authority, use coverage with its ONS code, such as "
                "coverage=W06000015 (Cardiff); each service's service_areas give the codes.")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
# "2025-01-01T10:00:00+01:00" sent unencoded arrives with a space for the "+".
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_SPACE_FOR_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


class ParameterError(ValueError):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def _last(query: Mapping, name: str) -> object:
    value = query.get(name)
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    return value


def _get(query: Mapping, name: str) -> str | None:
    value = _last(query, name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _getlist(query: Mapping, name: str) -> list[str]:
    raw = query.getlist(name) if hasattr(query, "getlist") else query.get(name) or []
    if isinstance(raw, str):
        raw = [raw]
    values = []
    for item in raw:
        values.extend(part.strip() for part in str(item).split(",") if part.strip())
    return values


def parse_int(query: Mapping, name: str, *, default: int | None, minimum: int, maximum: int | None = None) -> int | None:
    raw = _get(query, name)
    if raw is None:
        return default
    limits = f"from {minimum} to {maximum}" if maximum is not None else f"of {minimum} or more"
    message = f"{name} must be a whole number {limits}, not {raw!r}"
    # ASCII digits only: int() also takes "1_0" (as 10), "+1", full-width and Arabic-Indic digits.
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise ParameterError(name, message)
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        raise ParameterError(name, message)
    return value


@dataclass(frozen=True)
class Paging:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def parse_paging(query: Mapping) -> Paging:
    page = parse_int(query, "page", default=1, minimum=1, maximum=MAX_PAGE)
    per_page = parse_int(query, "per_page", default=DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    return Paging(page=page, per_page=per_page)


def parse_bool(query: Mapping, name: str) -> bool | None:
    raw = _get(query, name)
    if raw is None:
        return None
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ParameterError(name, f"{name} must be true or false, not {raw!r}")


def parse_uuid(query: Mapping, name: str) -> uuid.UUID | None:
    raw = _get(query, name)
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ParameterError(name, f"{name} must be a UUID, not {raw!r}") from None


def parse_modified_after(query: Mapping, name: str = "modified_after") -> datetime | None:
    """An ISO 8601 date or date-time; one without a time zone is read as UK time."""
    raw = _get(query, name)
    if raw is None:
        return None
    text = _SPACE_FOR_PLUS.sub(r"\1+\2", raw)
    try:
        value = parse_datetime(text)
        if value is None and (day := parse_date(text)) is not None:
            value = datetime.combine(day, time.min)
    except ValueError:
        value = None
    if value is None:
        raise ParameterError(
            name, f"{name} must be an ISO 8601 date or date-time such as 2025-01-31T09:00:00Z, not {raw!r}"
        )
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    try:
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 (and Python) allow, and a
        # date at the edge of the calendar must fail here, not in the database (schemathesis found both).
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ParameterError(name, f"{name} is out of range: {raw!r}") from None


def parse_codes(query: Mapping, name: str, choices: tuple) -> tuple[str, ...]:
    """One or more codes (repeated or comma-separated), each from the vocabulary."""
    valid = [code for code, _label in choices]
    codes = _getlist(query, name)
    unknown = [code for code in codes if code not in valid]
    if unknown:
        raise ParameterError(name, f"unknown {name} {', '.join(map(repr, unknown))}; use one of {', '.join(valid)}")
    return tuple(dict.fromkeys(codes))


def parse_age(query: Mapping, name: str = "age") -> Decimal | None:
    raw = _get(query, name)
    if raw is None:
        return None
    message = f"{name} must be an age in years from 0 to {MAX_AGE} (e.g. 9 or 9.5), not {raw!r}"
    if not _DECIMAL.fullmatch(raw):  # as for whole numbers: Decimal() takes "1_0", "+1", other digits
        raise ParameterError(name, message)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ParameterError(name, message) from None
    if not value.is_finite() or value < 0 or value > MAX_AGE:
        raise ParameterError(name, message)
    return value


def parse_postcode_param(query: Mapping, name: str = "postcode") -> ParsedPostcode | None:
    raw = _get(query, name)
    if raw is None:
        return None
    parsed = parse_postcode(raw)
    if parsed is None:
        raise ParameterError(name, f"{name} must be {POSTCODE_TAKES}, not {raw!r}. {AREA_INSTEAD}")
    return parsed


def parse_area_code(query: Mapping, name: str = "coverage") -> str | None:
    raw = _get(query, name)
    if raw is None:
        return None
    if not re.fullmatch(AREA_CODE_PATTERN, raw):
        raise ParameterError(name, f"{name} must be an area code such as W06000015, not {raw!r}")
    return raw.upper() if re.fullmatch(r"[A-Za-z]\d{8}", raw) else raw


@dataclass(frozen=True)
class ServiceFilters:
    """The standard and extension filters of /services; all given ones apply together (AND)."""

    search: str | None = None
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    modified_after: datetime | None = None
    postcode: ParsedPostcode | None = None
    coverage: str | None = None
    age: Decimal | None = None
    abuse_forms: tuple[str, ...] = field(default_factory=tuple)
    audiences: tuple[str, ...] = field(default_factory=tuple)
    disclosure_required: bool | None = None
    welsh: bool | None = None
    max_wait_weeks: int | None = None


def parse_search(query: Mapping) -> str | None:
    """`search`, on every endpoint that takes it: text of at most MAX_SEARCH_LENGTH characters."""
    search = _get(query, "search")
    # Counted as sent, spaces and all, as the OpenAPI document's maxLength counts.
    if search is not None and len(str(_last(query, "search"))) > MAX_SEARCH_LENGTH:
        raise ParameterError("search", f"search must be at most {MAX_SEARCH_LENGTH} characters")
    return search


def parse_service_filters(query: Mapping) -> ServiceFilters:
    return ServiceFilters(
        search=parse_search(query),
        taxonomy_term_id=parse_uuid(query, "taxonomy_term_id"),
        taxonomy_id=parse_uuid(query, "taxonomy_id"),
        organization_id=parse_uuid(query, "organization_id"),
        modified_after=parse_modified_after(query),
        postcode=parse_postcode_param(query),
        coverage=parse_area_code(query),
        age=parse_age(query),
        abuse_forms=parse_codes(query, "abuse_form", vocabulary.ABUSE_FORMS),
        audiences=parse_codes(query, "audience", vocabulary.AUDIENCES),
        disclosure_required=parse_bool(query, "disclosure_required"),
        welsh=parse_bool(query, "welsh"),
        max_wait_weeks=parse_int(query, "max_wait_weeks", default=None, minimum=0, maximum=MAX_WAIT_WEEKS),
    )


def parse_lang(query: Mapping) -> str | None:
    """`lang`: one of the site's languages (en, cy), or None (the Accept-Language header decides).
    servicemap/vary_language.py has already made it the active language; this refuses the rest."""
    raw = _get(query, "lang")
    if raw is None:
        return None
    if raw.lower() not in LANGUAGE_CODES:
        raise ParameterError("lang", f"lang must be {' or '.join(LANGUAGE_CODES)}, not {raw!r}")
    return raw.lower()


def parse_format(query: Mapping) -> str:
    """ORUK's `format`: json (paged, the default) or ndjson (every match, streamed, no paging)."""
    raw = (_get(query, "format") or "json").lower()
    if raw not in ("json", "ndjson"):
        raise ParameterError("format", f"format must be json or ndjson, not {raw!r}")
    return raw
