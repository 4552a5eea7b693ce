"""Model rows -> HSDS 3.0 / ORUK 3.0 documents.

Plain functions rather than DRF serializers: the shape is fixed by the published schemas, and
an optional field with no value must be left out (HSDS types `null` as invalid), which is
simpler to say directly. The API, `export_oruk` and the tests all build documents here, except
that a page of services and the export build theirs from plain rows in `directory.oruk.documents`,
which reuses these functions and is tested equal to `service_document` (the reference).

Domain data with no HSDS home goes in `csa_`-prefixed extension fields *and*, for the
vocabulary, in `attributes` linking our published taxonomies (`directory.oruk.taxonomy`).
Rows read here come from `directory.oruk.selectors`, which annotate the current waiting time
(`current_wait_*`) and `feed_last_modified`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache

from django.utils.translation import get_language, gettext, ngettext

from directory import reference_data, vocabulary
from directory.bilingual import area_display_name
from directory.models import Location, Organisation, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm, Unstated
from directory.oruk.taxonomy import (
    TAXONOMY_VERSION,
    PublishedTaxonomy,
    PublishedTerm,
    derived_id,
    published_taxonomies,
    service_terms,
)

ORUK_VERSION = "HSDS-UK-3.0"
ORUK_PROFILE = "https://openreferraluk.org/specifications/3.0"

# Our status -> the HSDS enum (active, inactive, defunct, temporarily closed). A paused
# service will take referrals again; a closed one is not operating (it may reopen, so not "defunct").
STATUS_TO_HSDS = {
    Service.Status.ACTIVE: "active",
    Service.Status.PAUSED: "temporarily closed",
    Service.Status.CLOSED: "inactive",
}
_ONS_CODE = re.compile(r"^[EKNSW]\d{8}$")
# Postcode areas wholly in Wales, for an address's required state_province when no county is given.
_WELSH_POSTCODE_AREAS = {"CF", "NP", "SA", "LD", "LL"}


def _compact(document: dict) -> dict:
    """Drop optional fields with no value (None or an empty string)."""
    return {key: value for key, value in document.items() if value is not None and value != ""}


def json_number(value: Decimal) -> int | float:
    """4 rather than 4.0; 4.5 as it is."""
    return int(value) if value == value.to_integral_value() else float(value)


def timestamp(value: datetime) -> str:
    """UTC with millisecond accuracy, as ORUK asks: 2025-01-31T09:00:00.123Z."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- taxonomies -------------------------------------------------------------------------------


def published_term_document(term: PublishedTerm, taxonomy: PublishedTaxonomy) -> dict:
    return {
        "id": str(term.public_id),
        "code": term.code,
        "name": str(term.name),
        "description": str(term.description),
        "taxonomy": str(taxonomy.name),
        "taxonomy_id": str(taxonomy.public_id),
    }


def published_taxonomy_document(taxonomy: PublishedTaxonomy, *, with_terms: bool = False) -> dict:
    document = {
        "id": str(taxonomy.public_id),
        "name": str(taxonomy.name),
        "description": str(taxonomy.description),
        "version": TAXONOMY_VERSION,
    }
    if with_terms:
        document["taxonomy_terms"] = [published_term_document(term, taxonomy) for term in taxonomy.terms]
    return document


def taxonomy_term_document(term: TaxonomyTerm) -> dict:
    """An imported term (taxonomy and parent joined by the selector)."""
    return _compact(
        {
            "id": str(term.public_id),
            "code": term.code,
            "name": term.name,
            "description": term.description,  # required, so kept even when empty
            "parent_id": str(term.parent.public_id) if term.parent_id else None,
            "taxonomy": term.taxonomy.name if term.taxonomy_id else None,
            "taxonomy_id": str(term.taxonomy.public_id) if term.taxonomy_id else None,
            "term_uri": term.term_uri,
        }
    ) | {"description": term.description}


def taxonomy_document(taxonomy: Taxonomy, *, terms: list[TaxonomyTerm] | None = None) -> dict:
    document = _compact(
        {
            "id": str(taxonomy.public_id),
            "name": taxonomy.name,
            "uri": taxonomy.uri,
            "version": taxonomy.version,
        }
    ) | {"description": taxonomy.description}
    if terms is not None:
        document["taxonomy_terms"] = [taxonomy_term_document(term) for term in terms]
    return document


# --- organisations and locations --------------------------------------------------------------


def _organisation_identifiers(organisation: Organisation) -> list[dict]:
    identifiers = []
    for scheme, kind, value in (
        ("GB-CHC", "Charity number", organisation.charity_number),
        ("GB-COH", "Company number", organisation.company_number),
    ):
        if value:
            identifiers.append(
                {
                    "id": str(derived_id("organization_identifier", organisation.public_id, scheme)),
                    "organization_id": str(organisation.public_id),
                    "identifier_scheme": scheme,
                    "identifier_type": kind,
                    "identifier": value,
                }
            )
    return identifiers


def organisation_document(organisation: Organisation, *, services: list[dict] | None = None) -> dict:
    document = _compact(
        {
            "id": str(organisation.public_id),
            "name": organisation.name,
            "email": organisation.email,
            "website": organisation.website,
        }
    )
    document["description"] = organisation.description  # required, so kept even when empty
    if identifiers := _organisation_identifiers(organisation):
        document["organization_identifiers"] = identifiers
    if organisation.phone:
        document["phones"] = [
            {"id": str(derived_id("phone", organisation.public_id, "main")), "number": organisation.phone}
        ]
    if organisation.is_sample:
        document["csa_sample_data"] = True
    if services is not None:
        document["services"] = services
    return document


def state_province(location: Location) -> str:
    """ORUK requires state_province: the county if given, else the nation if the postcode says.

    In the active language: a Welsh answer names the nation in Welsh, and a county typed as a local
    authority's English name ("Cardiff", as providers and our sample data do) by its Welsh one
    ("Caerdydd"), read from the shipped reference data, so no query. Any other county is the
    provider's text and stays as they wrote it."""
    if location.county:
        return reference_data.local_authority_name_in_language(location.county)
    area = re.match(r"[A-Z]{1,2}", location.postcode.strip().upper())
    return gettext("Wales") if area and area.group(0) in _WELSH_POSTCODE_AREAS else gettext("United Kingdom")


def location_document(location: Location) -> dict:
    """A location; one flagged "do not publish" never shows an address or a map point. Its name in
    the active language: a Welsh answer gives the Welsh name where the provider gave one."""
    name = area_display_name(location.name, location.name_cy)
    document = {"id": str(location.public_id), "location_type": "physical", "name": name}
    if location.do_not_publish_address:
        document["csa_address_withheld"] = True
        return document
    if location.latitude is not None and location.longitude is not None:
        document["latitude"] = location.latitude
        document["longitude"] = location.longitude
    if location.address_1 or location.postcode:
        document["addresses"] = [
            {
                "id": str(derived_id("address", location.public_id)),
                "location_id": str(location.public_id),
                "address_1": location.address_1,
                "city": location.city,
                "state_province": state_province(location),
                "postal_code": location.postcode,
                "country": "GB",
                "address_type": "physical",
            }
        ]
    return document


def service_at_location_document(link: ServiceAtLocation) -> dict:
    return {
        "id": str(link.public_id),
        "service_id": str(link.service.public_id),
        "location_id": str(link.location.public_id),
        "location": location_document(link.location),
    }


# --- services ---------------------------------------------------------------------------------


def wait_text(weeks: int, as_of: date, referrals_open: bool, status: str) -> str:
    """HSDS's (deprecated) free-text wait_time, for consumers that show only that: so it answers
    "can I refer now?" as our pages do, the status first (a paused service's latest report may
    still say its list is open; "About 3 weeks" there would read as a place to refer to).

    Built from our structured wait (never a provider's text), so in the active language as the
    site's pages are; the date stays ISO 8601 in both, for a machine as much as a person."""
    if status == Service.Status.CLOSED:
        return gettext("Not taking referrals: the service has closed")
    if status == Service.Status.PAUSED:
        return gettext("Not taking referrals for now: referrals are paused")
    date_text = as_of.isoformat()
    if not referrals_open:
        return gettext("Not taking referrals for now: waiting list closed (as of %(date)s)") % {"date": date_text}
    if weeks == 0:
        return gettext("No waiting list (as of %(date)s)") % {"date": date_text}
    return ngettext(
        "About %(weeks)s week (as of %(date)s)", "About %(weeks)s weeks (as of %(date)s)", weeks
    ) % {"weeks": weeks, "date": date_text}


def unstated_left_out(document: dict, unstated: list[str]) -> dict:
    """`document` without what an imported record did not state (Service.unstated_by_import): the
    stored value is a filler for our search, not the provider's word, so it is not published. Every
    one of these fields is optional in HSDS and ORUK; left out, a record re-imported says nothing of
    it (an empty `csa_delivery_modes` would say "none")."""
    dropped = {name for code in unstated for name in _UNSTATED_KEYS.get(code, ())}
    return {key: value for key, value in document.items() if key not in dropped} if dropped else document


_UNSTATED_KEYS = {
    Unstated.AGE_MIN: ("minimum_age",),
    Unstated.AGE_MAX: ("maximum_age",),
    Unstated.COST: ("csa_free",),
    Unstated.DELIVERY: ("csa_delivery_modes",),
}
# Our published taxonomies whose terms are not published for a service leaving the fact unsaid.
UNSTATED_TAXONOMIES = {Unstated.DELIVERY: "delivery_modes"}


def unstated_taxonomies(unstated: list[str]) -> set[str]:
    return {UNSTATED_TAXONOMIES[code] for code in unstated if code in UNSTATED_TAXONOMIES}


def _extensions(service: Service) -> dict:
    document = {f"csa_{concept}": service._codes(concept) for concept in vocabulary.MULTI_VALUED}
    document |= {
        "csa_disclosure_required": service.disclosure_required,
        "csa_pre_trial_therapy": service.pre_trial_therapy,
        "csa_requires_proceedings_finished": service.requires_proceedings_finished,
        "csa_welsh_available": service.welsh_available,
        "csa_free": service.is_free,
    }
    document = unstated_left_out(document, service.unstated_by_import)
    weeks = getattr(service, "current_wait_weeks", None)
    if weeks is not None:
        document |= {
            "csa_wait_weeks": weeks,
            "csa_wait_as_of": service.current_wait_as_of.isoformat(),
            "csa_referrals_open": service.current_referrals_open,
        }
    return document | _compact(
        {
            "csa_referral_url": service.referral_url,
            "csa_other_languages": service.other_languages,
            "csa_capacity_per_year": service.capacity_per_year,
            # Fictional demonstration data: a consumer must never list it as a real service.
            "csa_sample_data": True if service.organisation.is_sample else None,
        }
    )


def _service_scalars(service: Service) -> dict:
    weeks = getattr(service, "current_wait_weeks", None)
    last_modified = getattr(service, "feed_last_modified", None) or service.updated_at
    return unstated_left_out(_compact(
        {
            "id": str(service.public_id),
            "organization_id": str(service.organisation.public_id),
            "name": service.name,
            "description": service.description,
            "email": service.referral_email,
            "status": STATUS_TO_HSDS[service.status],
            "minimum_age": json_number(service.age_min),
            "maximum_age": json_number(service.age_max),
            "assured_date": _date(service.last_confirmed_at),
            "last_modified": timestamp(last_modified) if last_modified else None,
            "application_process": service.how_to_refer,
            "eligibility_description": service.eligibility,
            "fees_description": service.cost_note,
            "wait_time": (
                wait_text(weeks, service.current_wait_as_of, service.current_referrals_open, service.status)
                if weeks is not None
                else None
            ),
        }
    ), service.unstated_by_import)


def _service_areas(service: Service) -> list[dict]:
    areas = []
    for area in sorted(service.coverage_areas.all(), key=lambda a: a.code):
        document = {
            "id": str(derived_id("service_area", service.public_id, area.code)),
            "service_id": str(service.public_id),
            "name": area.display_name,  # Welsh in a Welsh answer where it has a Welsh name
        }
        if _ONS_CODE.match(area.code):
            document["uri"] = area.ons_uri
        document["csa_area_code"] = area.code
        areas.append(document)
    return areas


def _languages(service: Service) -> list[dict]:
    spoken = [("English", "en")] + ([("Welsh", "cy")] if service.welsh_available else [])
    return [
        {"id": str(derived_id("language", service.public_id, code)), "service_id": str(service.public_id),
         "name": name, "code": code}
        for name, code in spoken
    ]


def _attribute(service: Service, term_id: str, term_document: dict) -> dict:
    return {
        "id": str(derived_id("attribute", service.public_id, term_id)),
        "link_id": str(service.public_id),
        "link_entity": "service",
        "taxonomy_term_id": term_id,
        "taxonomy_term": term_document,
    }


@lru_cache(maxsize=8)
def _published_term_documents(language: str) -> dict[tuple[str, str], dict]:
    """Every published term's document in one language, by (taxonomy key, code). Built once per
    process and language: rebuilding them (lazy translations, derived UUIDs) for every attribute of
    every service took most of a full page of 50 services."""
    return {
        (term.key, term.code): published_term_document(term, taxonomy)
        for taxonomy in published_taxonomies() for term in taxonomy.terms
    }


def _attributes(service: Service) -> list[dict]:
    documents = _published_term_documents(get_language() or "en")
    attributes = []
    left_out = unstated_taxonomies(service.unstated_by_import)
    for term in service_terms(service):
        if term.key in left_out:
            continue
        document = dict(documents[(term.key, term.code)])  # a copy: documents are never shared
        attributes.append(_attribute(service, document["id"], document))
    imported = sorted(service.taxonomy_terms.all(), key=lambda t: (t.name, str(t.public_id)))
    attributes += [_attribute(service, str(term.public_id), taxonomy_term_document(term)) for term in imported]
    return attributes


def service_document(service: Service, *, full: bool) -> dict:
    """A service: the summary shape for lists, or `full` with every nested array (one record)."""
    document = _service_scalars(service)
    document["organization"] = organisation_document(service.organisation)
    if full:
        sid = str(service.public_id)
        document["service_areas"] = _service_areas(service)
        document["service_at_locations"] = [
            {"id": str(link.public_id), "service_id": sid, "location_id": str(link.location.public_id),
             "location": location_document(link.location)}
            for link in service.service_at_locations.all()
        ]
        document["languages"] = _languages(service)
        document["phones"] = (
            [{"id": str(derived_id("phone", sid, "referral")), "service_id": sid, "number": service.referral_phone,
              "description": "Referrals"}]
            if service.referral_phone
            else []
        )
        document["attributes"] = _attributes(service)
    return document | _extensions(service)
