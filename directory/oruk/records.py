"""One Open Referral service record -> what to store, with notes on what was normalised (pure).

`parse_service` reads an HSDS 3.0 / ORUK 3.0 service document (ours or anyone's), normalises
what it safely can (timestamps without a time zone, HTML descriptions, `-1` ages meaning "not
set", ages above this directory's range, over-long text), notes every such change, and raises
`RecordError` for what it cannot take (no UUID id, no name or status, no organisation, bad
values the database would refuse). Data it cannot map is kept in `raw` for `Service.raw_extensions`.

Fields the record does not mention are left out of `ServiceData.fields`, so an update never
blanks a value the feed did not speak about; a nested list that is present (even empty) replaces.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.dateparse import parse_date, parse_datetime

from directory import vocabulary
from directory.models import UNSTATED_FIELDS, UNSTATED_FILLERS, Service, Unstated
from directory.oruk import taxonomy as published

AGE_CEILING = Decimal("25")  # Service.age_max's upper bound: children and young people
MAX_WAIT_WEEKS = 520
_HSDS_STATUS = {
    "active": "active",
    "temporarily closed": "paused",
    "temporarily_closed": "paused",
    "inactive": "closed",
    "defunct": "closed",
}
_HTML_TAG = re.compile(r"</?(p|br|h[1-6]|ul|ol|li|div|span|strong|b|em|i|a|table|tr|td)\b[^>]*>", re.I)
_ONS_URI = re.compile(r"statistical-geography/([A-Z]\d{8})/?$", re.I)
_CHAR_LIMITS = {"referral_phone": 40, "cost_note": 300, "other_languages": 200, "name": 200}
# The free-text fields have no column limit: a feed's megabytes in one would be on every page and card
# that shows it. No real listing needs more than a few thousand characters.
LONG_TEXT_LIMIT = 10_000
_CHAR_LIMITS |= dict.fromkeys(("description", "eligibility", "how_to_refer"), LONG_TEXT_LIMIT)

# Keys this module reads; anything else in a record is kept verbatim in `raw`.
_KNOWN_KEYS = {
    "id", "name", "status", "description", "email", "organization", "organisation", "organization_id",
    "minimum_age", "maximum_age", "assured_date", "last_modified", "application_process",
    "eligibility_description", "fees_description", "fees", "wait_time", "phones", "languages",
    "service_areas", "service_at_locations", "attributes",
    *(f"csa_{concept}" for concept in vocabulary.MULTI_VALUED),
    "csa_disclosure_required", "csa_pre_trial_therapy", "csa_requires_proceedings_finished",
    "csa_welsh_available", "csa_free", "csa_wait_weeks", "csa_wait_as_of", "csa_referrals_open",
    "csa_referral_url", "csa_other_languages", "csa_capacity_per_year", "csa_sample_data",
}
_CSA_BOOLEANS = {
    "csa_disclosure_required": "disclosure_required",
    "csa_pre_trial_therapy": "pre_trial_therapy",
    "csa_requires_proceedings_finished": "requires_proceedings_finished",
    "csa_welsh_available": "welsh_available",
    "csa_free": "is_free",
}
_TEXT_FIELDS = {
    "application_process": "how_to_refer",
    "eligibility_description": "eligibility",
}


class RecordError(ValueError):
    """This record cannot be imported; the message says why."""


@dataclass
class OrganisationData:
    public_id: uuid.UUID
    fields: dict


@dataclass
class AreaRef:
    code: str | None
    name: str
    uri: str = ""


@dataclass
class LocationData:
    public_id: uuid.UUID
    link_id: uuid.UUID
    fields: dict


@dataclass
class TermData:
    public_id: uuid.UUID
    name: str
    description: str = ""
    code: str = ""
    term_uri: str = ""
    parent_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    taxonomy_name: str = ""
    known_only_by_id: bool = False  # attribute gave a taxonomy_term_id and no term object


@dataclass
class WaitData:
    weeks: int
    as_of: date
    referrals_open: bool


@dataclass
class ServiceData:
    public_id: uuid.UUID
    organisation_id: uuid.UUID
    organisation: OrganisationData | None = None
    fields: dict = field(default_factory=dict)
    areas: list[AreaRef] | None = None
    locations: list[LocationData] | None = None
    terms: list[TermData] | None = None
    wait: WaitData | None = None
    last_modified: datetime | None = None
    raw: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Facts (models.Unstated) the record names with no value (an age of -1 or null): stored as their
    # filler, and shown as not stated, even over a value stated before.
    unstated: set[str] = field(default_factory=set)


# --- small pure helpers -----------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    _BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "tr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._link: tuple[str, int] | None = None  # an open <a>'s address, and where its words begin

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a":
            self._link = (_link_target(dict(attrs).get("href")), len(self.parts))

    def handle_endtag(self, tag):
        if tag in self._BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self._link is not None:
            target, start = self._link
            self._link = None
            words = "".join(self.parts[start:]).strip()
            # Bristol's "booking form either via <a href=…facebook…>Facebook</a>": the words alone lost
            # where they led. A link that shows its own address is not said twice.
            if target and _bare(target) not in _bare(words):
                self.parts.append(f" ({target})" if words else target)

    def handle_data(self, data):
        # As a browser shows it: &nbsp; and runs of spaces are one space ("Twitter page:&nbsp;https://…"
        # kept the words glued to a long address, which then broke mid-word on a phone).
        self.parts.append(re.sub(r"[ \t\xa0]+", " ", data))


def _bare(address: str) -> str:
    """An address as words may show it: no scheme, no "www.", no closing slash, any case."""
    return re.sub(r"^(?:https?://)?(?:www\.)?", "", address.strip().casefold()).rstrip("/")


def _link_target(href: object) -> str:
    """The address a description's link leads to, as it can be written out: a web address (no
    javascript:, no relative path that means nothing off the publisher's site) or a mailto's address."""
    if not isinstance(href, str):
        return ""
    href = href.strip()
    if href.lower().startswith("mailto:"):
        address = href[len("mailto:"):].split("?", 1)[0]
        return address if _valid(EmailValidator(), address) else ""
    return href if not _link_problem(href) else ""


def html_to_text(value: str) -> str:
    """Plain text from an HTML fragment: paragraphs and list items kept as line breaks, a link's
    address after its words."""
    extractor = _TextExtractor()
    extractor.feed(value)
    extractor.close()
    text = "".join(extractor.parts)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def looks_like_html(value: str) -> bool:
    return bool(_HTML_TAG.search(value))


def parse_uuid(value: object, what: str) -> uuid.UUID:
    """A UUID in any of its string forms. Version bits are not checked: real feeds break them."""
    if isinstance(value, bool) or isinstance(value, int | float):
        raise RecordError(f"{what} {value!r} is a number, not a UUID (an ORUK 1.0-era feed?)")
    if not isinstance(value, str) or not value.strip():
        raise RecordError(f"{what} is missing")
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise RecordError(f"{what} {value!r} is not a UUID") from None


def _text(value: object, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{what} must be text, not {type(value).__name__}")
    return value.replace("\r\n", "\n").strip()


def parse_timestamp(value: object, notes: list[str], what: str) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        notes.append(f"not a date-time, ignored: {what} {value!r}")
        return None
    if parsed.tzinfo is None:
        notes.append(f"date-time without a time zone, read as UK time: {what} {value!r}")
        parsed = parsed.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return parsed


def parse_day(value: object, notes: list[str], what: str) -> date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None and (moment := parse_datetime(text) if "T" in text else None) is not None:
        notes.append(f"date-time where a date belongs, date kept: {what} {value!r}")
        day = moment.date()
    if day is None:
        notes.append(f"not a date, ignored: {what} {value!r}")
    return day


def _age(value: object, notes: list[str], what: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        age = Decimal(str(value))
    except InvalidOperation:
        raise RecordError(f"{what} {value!r} is not a number") from None
    if not age.is_finite():
        raise RecordError(f"{what} {value!r} is not a number")
    if age < 0:
        notes.append(f"negative age read as 'not set' (no limit): {what} {value}")
        return None
    return age.quantize(Decimal("0.1"))


def _valid(validator, value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def _link_problem(value: str) -> str | None:
    """Why a feed's web address is not published as a link, or None: it must be http(s) (or ftp), as
    Django's URLValidator reads it, and carry no user name or password. `https://nspcc.org.uk@evil.example/`
    leads to evil.example, and a password a feed published by mistake is not ours to publish again."""
    if not _valid(URLValidator(), value):
        return "not a URL"
    if "@" in urlsplit(value).netloc:
        return "a web address with a user name or password"
    return None


# --- the parts of a record --------------------------------------------------------------------


def _status(raw: dict) -> str:
    value = raw.get("status")
    if value is None:
        hint = " (this looks like an organization)" if "organization" not in raw and "logo" in raw else ""
        raise RecordError(f"no status: not a service record, which HSDS says has id, name and status{hint}")
    status = _HSDS_STATUS.get(str(value).strip().lower())
    if status is None:
        raise RecordError(f"status {value!r} is not one of active, inactive, defunct, temporarily closed")
    return status


def _organisation(raw: dict, notes: list[str]) -> tuple[uuid.UUID, OrganisationData | None]:
    nested = raw.get("organization", raw.get("organisation"))
    given_id = raw.get("organization_id")
    if nested is None and given_id is None:
        raise RecordError("no organization or organization_id: every service needs its provider")
    if nested is None:
        return parse_uuid(given_id, "organization_id"), None
    if not isinstance(nested, dict):
        raise RecordError("organization must be an object")
    public_id = parse_uuid(nested.get("id"), "organization.id")
    if given_id is not None and parse_uuid(given_id, "organization_id") != public_id:
        raise RecordError(f"organization_id {given_id!r} differs from organization.id {nested.get('id')!r}")
    name = _text(nested.get("name"), "organization.name")
    if not name:
        raise RecordError("organization.name is missing")
    fields = {"name": name, **_organisation_text(nested, notes)}
    fields |= _organisation_identifiers(nested.get("organization_identifiers"))
    phones = nested.get("phones")
    if isinstance(phones, list):
        numbers = [p.get("number") for p in phones if isinstance(p, dict) and isinstance(p.get("number"), str)]
        fields["phone"] = numbers[0][:40] if numbers else ""
    if "csa_sample_data" in nested:
        fields["is_sample"] = nested["csa_sample_data"] is True
    return public_id, OrganisationData(public_id, fields)


def _organisation_text(nested: dict, notes: list[str]) -> dict:
    """The organisation's description, email and website, each as far as it can be published."""
    description = _text(nested.get("description"), "organization.description")
    if len(description) > LONG_TEXT_LIMIT:
        notes.append(f"text too long, cut short: organization.description (over {LONG_TEXT_LIMIT} characters)")
        description = description[:LONG_TEXT_LIMIT]
    email = _text(nested.get("email"), "organization.email")
    if email and not _valid(EmailValidator(), email):
        notes.append(f"not an email address, ignored: organization.email {email!r}")
        email = ""
    website = _text(nested.get("website"), "organization.website")
    if website and (problem := _link_problem(website)):
        notes.append(f"{problem}, ignored: organization.website {_shown(website)}")
        website = ""
    return {"description": description, "email": email, "website": website}


def _organisation_identifiers(identifiers: object) -> dict:
    fields = {}
    for item in identifiers if isinstance(identifiers, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("identifier"), str):
            continue
        kind = f"{item.get('identifier_scheme', '')} {item.get('identifier_type', '')}".lower()
        if "gb-chc" in kind or "charity" in kind:
            fields["charity_number"] = item["identifier"][:20]
        elif "gb-coh" in kind or "company" in kind:
            fields["company_number"] = item["identifier"][:20]
    return fields


def _ages(raw: dict, notes: list[str], unstated: set[str]) -> dict:
    fields = {}
    minimum = _age(raw.get("minimum_age"), notes, "minimum_age") if "minimum_age" in raw else None
    maximum = _age(raw.get("maximum_age"), notes, "maximum_age") if "maximum_age" in raw else None
    if "minimum_age" in raw:
        fields["age_min"] = minimum if minimum is not None else Decimal("0")
        if minimum is None:
            unstated.add(Unstated.AGE_MIN)
    if "maximum_age" in raw:
        if maximum is None:
            unstated.add(Unstated.AGE_MAX)
            maximum = AGE_CEILING
        elif maximum > AGE_CEILING:
            notes.append(f"maximum age above this directory's range, stored as 25: maximum_age {raw['maximum_age']}")
            maximum = AGE_CEILING
        fields["age_max"] = maximum
    if fields.get("age_min", Decimal("0")) > AGE_CEILING:
        raise RecordError(f"minimum_age {raw['minimum_age']} is above 25: outside this directory (children and "
                          "young people)")
    if "age_min" in fields and "age_max" in fields and fields["age_min"] > fields["age_max"]:
        raise RecordError(f"minimum_age {raw['minimum_age']} is above maximum_age {raw['maximum_age']}")
    return fields


def _texts(raw: dict, notes: list[str]) -> dict:
    fields = {}
    if "description" in raw:
        description = _text(raw["description"], "description")
        if looks_like_html(description):
            notes.append("HTML description converted to plain text")
            description = html_to_text(description)
        fields["description"] = description
    for key, model_field in _TEXT_FIELDS.items():
        if key in raw:
            fields[model_field] = _text(raw[key], key)
    fees = raw.get("fees_description", raw.get("fees"))
    if fees is not None:
        fields["cost_note"] = _text(fees, "fees_description")
    if "email" in raw:
        email = _text(raw["email"], "email")
        if email and not _valid(EmailValidator(), email):
            notes.append(f"not an email address, ignored: email {email!r}")
            email = ""
        fields["referral_email"] = email
    return fields


def _first_phone(raw: dict) -> str | None:
    candidates = list(raw.get("phones") or [])
    for contact in raw.get("contacts") or []:
        if isinstance(contact, dict):
            candidates += contact.get("phones") or []
    for phone in candidates:
        if isinstance(phone, dict) and isinstance(phone.get("number"), str) and phone["number"].strip():
            return phone["number"].strip()
    return None if "phones" not in raw else ""


def _languages(raw: dict) -> dict:
    languages = raw.get("languages")
    if not isinstance(languages, list):
        return {}
    names = []
    welsh = False
    for language in languages:
        if not isinstance(language, dict):
            continue
        code = str(language.get("code") or "").lower()
        name = str(language.get("name") or "").strip()
        if code in ("cy", "cym", "wel") or name.lower() in ("welsh", "cymraeg"):
            welsh = True
        elif name and code not in ("en", "eng") and name.lower() != "english":
            names.append(name)
    fields = {"welsh_available": welsh}
    if names and "csa_other_languages" not in raw:
        fields["other_languages"] = ", ".join(names)
    return fields


def _areas(raw: dict, notes: list[str]) -> list[AreaRef] | None:
    areas = raw.get("service_areas")
    if not isinstance(areas, list):
        return None
    refs = []
    for area in areas:
        if not isinstance(area, dict):
            continue
        uri = str(area.get("uri") or "")
        name = str(area.get("name") or area.get("service_area") or "").strip()
        match = _ONS_URI.search(uri)
        code = match.group(1).upper() if match else (str(area.get("csa_area_code") or "").strip() or None)
        refs.append(AreaRef(code=code, name=name, uri=uri))
    return refs


def _location(link: dict, service_id: uuid.UUID, notes: list[str]) -> LocationData:
    location = link.get("location")
    if not isinstance(location, dict):
        raise RecordError("a service_at_location has no location object")
    location_id = parse_uuid(location.get("id"), "service_at_locations[].location.id")
    if link.get("id") is not None:
        link_id = parse_uuid(link.get("id"), "service_at_locations[].id")
    else:
        link_id = published.derived_id("service_at_location", service_id, location_id)
        notes.append(f"service_at_location without an id, one made from the service and location ids: {location_id}")
    addresses = [a for a in location.get("addresses") or [] if isinstance(a, dict)]
    address = next((a for a in addresses if a.get("address_type") == "physical"), addresses[0] if addresses else {})
    name = _text(location.get("name"), "location.name") or _text(address.get("address_1"), "address_1")
    if not name:
        name = "Location"
        notes.append(f"location without a name, called 'Location': {location_id}")
    if location.get("csa_address_withheld") is True:
        # The publisher withheld the address: unknown, not empty, so an update keeps ours.
        return LocationData(location_id, link_id, {"name": name[:200], "do_not_publish_address": True})
    fields = {
        "name": name[:200],
        "address_1": _text(address.get("address_1"), "address_1")[:200],
        "city": _text(address.get("city"), "city")[:100],
        "county": _county(address),
        "postcode": _text(address.get("postal_code"), "postal_code").upper()[:10],
        # No "do_not_publish_address": False. A published address is no reason to publish ours: a
        # moderator may have withheld it (a refuge, a therapy house), and an import must never undo
        # that. A new location keeps the model's default (published); only a withhold is imported.
        "latitude": None,
        "longitude": None,
    }
    latitude, longitude = location.get("latitude"), location.get("longitude")
    if isinstance(latitude, int | float) and isinstance(longitude, int | float):
        if -90 <= latitude <= 90 and -180 <= longitude <= 180:
            fields["latitude"], fields["longitude"] = float(latitude), float(longitude)
        else:
            notes.append(f"coordinates out of range, ignored: location {location_id} ({latitude}, {longitude})")
    return LocationData(location_id, link_id, fields)


# state_province is required in ORUK, so publishers fill it with the nation; that is no county. In
# Welsh too: our own Welsh answers (and other Welsh feeds) say Cymru, or Y Deyrnas Unedig.
_NATIONS = {"wales", "england", "united kingdom", "uk", "gb", "cymru", "lloegr", "y deyrnas unedig"}


def _county(address: dict) -> str:
    value = _text(address.get("state_province"), "state_province")
    return "" if " ".join(value.casefold().split()) in _NATIONS else value[:100]


def _locations(raw: dict, service_id: uuid.UUID, notes: list[str]) -> list[LocationData] | None:
    links = raw.get("service_at_locations")
    if not isinstance(links, list):
        return None
    return [_location(link, service_id, notes) for link in links if isinstance(link, dict)]


def _term(attribute: dict) -> tuple[uuid.UUID, dict | None]:
    term = attribute.get("taxonomy_term")
    term_id = term.get("id") if isinstance(term, dict) else attribute.get("taxonomy_term_id")
    return parse_uuid(term_id, "attributes[].taxonomy_term.id"), term if isinstance(term, dict) else None


def _imported_term(term_id: uuid.UUID, term: dict | None) -> TermData:
    if term is None:
        return TermData(term_id, name="", known_only_by_id=True)
    name = _text(term.get("name"), "taxonomy_term.name")
    if not name:
        raise RecordError(f"taxonomy term {term_id} has no name")
    parent = term.get("parent_id")
    taxonomy_id = term.get("taxonomy_id")
    uri = _text(term.get("term_uri"), "term_uri")
    return TermData(
        term_id, name=name[:300], description=_text(term.get("description"), "taxonomy_term.description"),
        code=_text(term.get("code"), "taxonomy_term.code")[:200],
        term_uri=uri if uri and not _link_problem(uri) else "",
        parent_id=parse_uuid(parent, "taxonomy_term.parent_id") if parent else None,
        taxonomy_id=parse_uuid(taxonomy_id, "taxonomy_term.taxonomy_id") if taxonomy_id else None,
        taxonomy_name=_text(term.get("taxonomy"), "taxonomy_term.taxonomy")[:200],
    )


def _attributes(raw: dict) -> tuple[dict, list[TermData] | None]:
    """Booleans from attributes that use our published terms, and the other terms to keep."""
    attributes = raw.get("attributes")
    if not isinstance(attributes, list):
        return {}, None
    ours: list[published.PublishedTerm] = []
    imported: dict[uuid.UUID, TermData] = {}
    for attribute in attributes:
        if not isinstance(attribute, dict):
            continue
        term_id, term = _term(attribute)
        if (mine := published.terms_by_id().get(term_id)) is not None:
            ours.append(mine)
        else:
            imported[term_id] = _imported_term(term_id, term)
    return _fields_from_terms(ours), list(imported.values())


def _fields_from_terms(terms: list[published.PublishedTerm]) -> dict:
    """Each taxonomy the record uses is set whole: its named terms apply, its other fields are off."""
    named = {term.public_id for term in terms}
    keys = {term.key for term in terms}
    fields: dict = {}
    for taxonomy in published.published_taxonomies():
        if taxonomy.key in keys:
            fields |= {term.field: False for term in taxonomy.terms}
            fields |= {term.field: term.value for term in taxonomy.terms if term.public_id in named}
    return fields


def _extensions(raw: dict, notes: list[str]) -> dict:
    """Our csa_ fields, which state the same facts as our attributes (and win if both differ)."""
    fields = {}
    for concept, (_choices, concept_fields) in vocabulary.MULTI_VALUED.items():
        codes = raw.get(f"csa_{concept}")
        if not isinstance(codes, list):
            continue
        unknown = [code for code in codes if code not in concept_fields]
        if unknown:
            notes.append(f"unknown vocabulary codes ignored: csa_{concept} {unknown}")
        fields |= {model_field: code in codes for code, model_field in concept_fields.items()}
    for key, model_field in _CSA_BOOLEANS.items():
        if isinstance(raw.get(key), bool):
            fields[model_field] = raw[key]
    url = raw.get("csa_referral_url")
    if isinstance(url, str) and url:
        if problem := _link_problem(url):
            notes.append(f"{problem}, ignored: csa_referral_url {_shown(url)}")
        else:
            fields["referral_url"] = url
    if isinstance(raw.get("csa_other_languages"), str):
        fields["other_languages"] = raw["csa_other_languages"].strip()
    capacity = raw.get("csa_capacity_per_year")
    if isinstance(capacity, int) and not isinstance(capacity, bool) and capacity >= 0:
        fields["capacity_per_year"] = capacity
    return fields


def _wait(raw: dict, notes: list[str], last_modified: datetime | None) -> WaitData | None:
    weeks = raw.get("csa_wait_weeks")
    if weeks is None:
        return None
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 0 <= weeks <= MAX_WAIT_WEEKS:
        raise RecordError(f"csa_wait_weeks {weeks!r} must be a whole number of weeks from 0 to {MAX_WAIT_WEEKS}")
    as_of = parse_day(raw.get("csa_wait_as_of"), notes, "csa_wait_as_of")
    if as_of is None:
        as_of = last_modified.date() if last_modified else date.today()
        notes.append(f"wait without an as-of date, dated from the record: {as_of.isoformat()}")
    referrals_open = raw.get("csa_referrals_open")
    return WaitData(weeks, as_of, referrals_open if isinstance(referrals_open, bool) else True)


def _shown(url: str) -> str:
    """A refused address as the import's report repeats it: never its password, and never all of a
    feed's megabytes."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "http://[::1": not a URL, and said so as it is
        parts = None
    if parts is not None and "@" in parts.netloc:
        url = parts._replace(netloc="…@" + parts.netloc.rsplit("@", 1)[1]).geturl()
    return repr(url if len(url) <= 200 else url[:200] + "…")


def _limit_lengths(fields: dict, notes: list[str]) -> None:
    for model_field, limit in _CHAR_LIMITS.items():
        value = fields.get(model_field)
        if isinstance(value, str) and len(value) > limit:
            notes.append(f"text too long, cut short: {model_field} (over {limit} characters)")
            fields[model_field] = value[:limit]


UNMAPPED_AREAS = "service_areas_unmapped"
UNMAPPED_ONLY = "only unmapped data changed (kept, not published): last_modified kept"


# A value that is an email address and nothing else. In data we cannot map it is a person's (a
# council's "assurer_email", "pc_metadata.assured_by"): a contact we publish is mapped, not kept here.
_EMAIL_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Said as "<kind>: <how many>", so the summary counts the records that had any ("3 x email addresses
# left out …"), where "2 email address(es) … left out" made each count its own kind: "3 x 2 email …".
EMAILS_LEFT_OUT = ("email addresses left out of data this directory cannot map (it keeps no one's address it "
                   "does not publish)")


def without_email_addresses(unmapped: dict) -> tuple[dict, int]:
    """`unmapped` without any value that is an email address (a key holding one, a list's item), at
    any depth, and how many were left out. Walked with a list, not recursion: a record may nest as
    deeply as the JSON parser allowed, which recursing from here could not follow."""
    dropped = 0
    top: dict = {}
    to_copy: list[tuple[dict | list, dict | list]] = [(unmapped, top)]
    while to_copy:
        source, target = to_copy.pop()
        for key, value in (source.items() if isinstance(source, dict) else enumerate(source)):
            if isinstance(value, str) and _EMAIL_ADDRESS.fullmatch(value.strip()):
                dropped += 1
                continue
            if isinstance(value, dict | list):
                copy: dict | list = {} if isinstance(value, dict) else []
                to_copy.append((value, copy))
                value = copy
            if isinstance(target, dict):
                target[key] = value
            else:
                target.append(value)
    return top, dropped


def kept_extensions(existing: dict, data: ServiceData) -> dict:
    """The unmapped data to keep: what the record carries over what we held, key by key. A key the
    record does not carry is kept, as a field it does not mention is (our own export, and many
    feeds, carry none of another publisher's extensions); only a record listing its areas says
    whether some are still unmapped. An email address an earlier import kept is left out now."""
    kept = without_email_addresses(existing)[0] | data.raw
    if data.areas is not None and UNMAPPED_AREAS not in data.raw:
        kept.pop(UNMAPPED_AREAS, None)
    return kept


DEFAULTS_NOTE = "new service given this directory's defaults where its record says nothing"


# What a social worker decides a referral on. A new service whose record leaves any of them unsaid
# is not published until a moderator confirms them (the import puts it in their review queue).
DECIDING_CONCEPTS = ("abuse_forms", "audiences", "referrers")  # vocabulary.MULTI_VALUED's
DECIDING_BOOLEANS = ("csa_disclosure_required",)  # _CSA_BOOLEANS'
HELD_NOTE = "not published until a moderator confirms its criteria"
SHOWN_NOT_STATED = "shown as not stated until the provider or a later record states them"


def service_fields(data: ServiceData, unstated: list[str] | None) -> dict:
    """The fields to store for a record: `data.fields`, and which of the facts a page shows as "Not
    stated" (models.Unstated) the service's record leaves unsaid, in `unstated_by_import`.

    `unstated`: the service's list now, None for a new service. A new service's record states a fact
    or it is not stated, and stored as its filler (models.UNSTATED_FILLERS: the search still finds
    it). An update states a fact, or names it with no value (an age of -1: not stated now, whatever
    was before), or is silent on it, which leaves the service's value and its mark as they are: a
    value someone stated is never marked by a record that does not speak of it."""
    fields = data.fields
    stated = {code for code, names in UNSTATED_FIELDS.items()
              if code not in data.unstated and not fields.keys().isdisjoint(names)}
    before = set(UNSTATED_FIELDS) if unstated is None else set(unstated) | data.unstated
    marks = [code for code in UNSTATED_FIELDS if code in before and code not in stated]
    fillers = {}
    if unstated is None:
        for code in marks:
            fillers |= UNSTATED_FILLERS[code]
    return fillers | fields | {"unstated_by_import": marks}


def criteria_unstated(data: ServiceData) -> list[str]:
    """The deciding criteria a record does not state (by our csa_ fields or by attributes, even as
    "none of these"), named by the fields that would state them."""
    said = data.fields
    unstated = [f"csa_{concept}" for concept in DECIDING_CONCEPTS
                if said.keys().isdisjoint(vocabulary.MULTI_VALUED[concept][1].values())]
    unstated += [key for key in DECIDING_BOOLEANS if _CSA_BOOLEANS[key] not in said]
    return sorted(unstated)


def defaults_note(data: ServiceData) -> str | None:
    """For a new service: what its record does not say that the directory publishes all the same.

    A field the record does not mention takes the model's default, and some of those are published
    as facts (an attribute such as "No verbal disclosure required", `csa_free`, the service page):
    another publisher's feed that knows nothing of our criteria would otherwise be read as stating
    them. The note names each by the field the publisher would send to say otherwise. Ages, cost and
    delivery are stored as fillers the search matches and shown as "Not stated" (`service_fields`):
    the note says so."""
    said = data.fields
    fillers = {name: value for filler in UNSTATED_FILLERS.values() for name, value in filler.items()}

    def default(model_field: str):
        # What a silent record's new service stores (an unstated fact's filler, else the model's default).
        if model_field in fillers:
            return fillers[model_field]
        return Service._meta.get_field(model_field).get_default()

    unsaid = [f"{key} {default(model_field)}" for key, model_field in (("minimum_age", "age_min"),
                                                                       ("maximum_age", "age_max"))
              if model_field not in said]
    for concept, (_choices, concept_fields) in vocabulary.MULTI_VALUED.items():
        codes = [code for code, model_field in concept_fields.items() if default(model_field)]
        if codes and said.keys().isdisjoint(concept_fields.values()):
            unsaid.append(f"csa_{concept} {codes}")
    unsaid += [f"{key} {str(default(model_field)).lower()}" for key, model_field in _CSA_BOOLEANS.items()
               if model_field not in said]
    if shown := service_fields(data, None)["unstated_by_import"]:
        unsaid.append(f"{SHOWN_NOT_STATED} ({', '.join(shown)})")
    if unstated := criteria_unstated(data):
        unsaid.append(f"{HELD_NOTE} (not stated: {', '.join(unstated)})")
    return f"{DEFAULTS_NOTE}: {', '.join(unsaid)}" if unsaid else None


def record_label(raw: object) -> str:
    """How to name a record in messages: its id as given, or its position."""
    if isinstance(raw, dict) and raw.get("id") not in (None, ""):
        return str(raw["id"])
    return "(no id)"


def parse_service(raw: object) -> ServiceData:
    """What to store for one service record; raises RecordError if it cannot be imported."""
    if not isinstance(raw, dict):
        raise RecordError(f"a record must be a JSON object, not {type(raw).__name__}")
    public_id = parse_uuid(raw.get("id"), "id")
    notes: list[str] = []
    name = _text(raw.get("name"), "name")
    if not name:
        raise RecordError("no name")
    status = _status(raw)
    organisation_id, organisation = _organisation(raw, notes)
    data = ServiceData(public_id=public_id, organisation_id=organisation_id, organisation=organisation, notes=notes)
    data.last_modified = parse_timestamp(raw.get("last_modified"), notes, "last_modified")
    data.fields = {"name": name, "status": status} | _ages(raw, notes, data.unstated) | _texts(raw, notes)
    if "assured_date" in raw:
        data.fields["last_confirmed_at"] = parse_day(raw.get("assured_date"), notes, "assured_date")
    if (phone := _first_phone(raw)) is not None:
        data.fields["referral_phone"] = phone
    attribute_fields, data.terms = _attributes(raw)
    data.fields |= _languages(raw) | attribute_fields | _extensions(raw, notes)
    _limit_lengths(data.fields, notes)
    data.areas = _areas(raw, notes)
    data.locations = _locations(raw, public_id, notes)
    data.wait = _wait(raw, notes, data.last_modified)
    data.raw, emails = without_email_addresses({key: value for key, value in raw.items() if key not in _KNOWN_KEYS})
    if emails:
        notes.append(f"{EMAILS_LEFT_OUT}: {emails}")
    if "wait_time" in raw and "csa_wait_weeks" not in raw:
        data.raw["wait_time"] = raw["wait_time"]  # free text from another publisher: kept, not parsed
    return data
