"""Our CSA vocabulary published as Open Referral taxonomies, served from code.

No standard taxonomy has the CSA sector's vocabulary (forms of abuse, who is supported, referral
criteria), so we publish our own. They live in code, next to `directory.vocabulary`, rather than
in Taxonomy/TaxonomyTerm rows: the vocabulary *is* code (one boolean column per term), so rows
would be a second copy to keep in step, and a flushed test database would lose them. Imported
feeds' taxonomies do live in rows; the API serves ours first, then those.

Every id is a UUIDv5 from a fixed namespace, so it never changes between deployments and a
consumer can keep it. Each term stands for "boolean field F of a service has value V", which is
how filters, attributes and the importer all use it.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from functools import cache, cached_property

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from directory import vocabulary

# Never change this: every published id is derived from it.
NAMESPACE = uuid.UUID("eec7da86-3bd7-4fef-853c-bed371b86abe")
TAXONOMY_VERSION = "1"


_NAMESPACE_SHA1 = hashlib.sha1(NAMESPACE.bytes, usedforsecurity=False)


def derived_id(*parts: object) -> uuid.UUID:
    """A stable UUID for something with no row of its own (an attribute, a service area, ...).

    Exactly `uuid.uuid5(NAMESPACE, "/".join(parts))`, with the namespace hashed once: a full page
    of the feed derives ~30 ids per service."""
    digest = _NAMESPACE_SHA1.copy()
    digest.update("/".join(map(str, parts)).encode())
    return uuid.UUID(bytes=digest.digest()[:16], version=5)


@dataclass(frozen=True)
class PublishedTerm:
    key: str  # taxonomy key
    code: str
    name: object  # lazy translation
    description: object
    field: str  # Service boolean field
    value: bool  # the term applies when the field has this value

    @cached_property  # read for every attribute of every record an import parses
    def public_id(self) -> uuid.UUID:
        return derived_id("taxonomy_term", self.key, self.code)

    def q(self) -> Q:
        return Q(**{self.field: self.value})

    def applies_to(self, service) -> bool:
        return getattr(service, self.field) == self.value


@dataclass(frozen=True)
class PublishedTaxonomy:
    key: str
    name: object
    description: object
    terms: tuple[PublishedTerm, ...]

    @cached_property
    def public_id(self) -> uuid.UUID:
        return derived_id("taxonomy", self.key)

    def q(self) -> Q:
        """Services carrying any term of this taxonomy."""
        query = Q(pk__in=[])
        for term in self.terms:
            query |= term.q()
        return query


# Longer descriptions where a label alone would be ambiguous (from the domain brief).
_DESCRIPTIONS = {
    ("abuse_forms", "intra_familial"): _("Sexual abuse by a family member or within the family environment."),
    ("abuse_forms", "extra_familial"): _("Sexual abuse by someone outside the family (not exploitation)."),
    ("abuse_forms", "cse"): _("Child sexual exploitation."),
    ("abuse_forms", "harmful_sexual_behaviour"): _(
        "Support for children displaying harmful sexual behaviour, and for those harmed by it."
    ),
    ("abuse_forms", "online"): _("Technology-assisted or online sexual abuse."),
}

_MULTI_VALUED = (
    ("abuse_forms", _("CSA forms of abuse"), _("Forms of child sexual abuse a service works with.")),
    ("support_kinds", _("CSA kinds of support"), _("Kinds of support a CSA service offers.")),
    ("audiences", _("CSA who is supported"), _("Who a CSA service supports: the child, non-abusing parents and carers, siblings.")),
    ("referrers", _("CSA who may refer"), _("Who may make a referral to the service.")),
    ("delivery_modes", _("CSA delivery modes"), _("How the support is delivered.")),
)

CRITERIA_KEY = "referral_criteria"
_CRITERIA = (
    PublishedTerm(
        CRITERIA_KEY, "disclosure_not_required", _("No verbal disclosure required"),
        _("Accepts a referral before the child has told anyone in words."), "disclosure_required", False,
    ),
    PublishedTerm(
        CRITERIA_KEY, "disclosure_required", _("Verbal disclosure required"),
        _("Only accepts a child who has told someone in words."), "disclosure_required", True,
    ),
    PublishedTerm(
        CRITERIA_KEY, "pre_trial_therapy", _("Pre-trial therapy"),
        _("Works with children while a police investigation or court case is ongoing."), "pre_trial_therapy", True,
    ),
    PublishedTerm(
        CRITERIA_KEY, "proceedings_must_be_finished", _("Police investigation or court case must be finished"),
        _("Only starts once any police investigation or court case has finished."),
        "requires_proceedings_finished", True,
    ),
)


@cache
def published_taxonomies() -> tuple[PublishedTaxonomy, ...]:
    """Our taxonomies in publication order (forms of abuse first)."""
    taxonomies = []
    for key, name, description in _MULTI_VALUED:
        choices, fields = vocabulary.MULTI_VALUED[key]
        terms = tuple(
            PublishedTerm(key, code, label, _DESCRIPTIONS.get((key, code), label), fields[code], True)
            for code, label in choices
        )
        taxonomies.append(PublishedTaxonomy(key, name, description, terms))
    taxonomies.append(
        PublishedTaxonomy(
            CRITERIA_KEY, _("CSA referral criteria"),
            _("Criteria that decide whether a child can be referred (disclosure, criminal proceedings)."),
            _CRITERIA,
        )
    )
    return tuple(taxonomies)


@cache
def taxonomies_by_id() -> dict[uuid.UUID, PublishedTaxonomy]:
    return {taxonomy.public_id: taxonomy for taxonomy in published_taxonomies()}


@cache
def terms_by_id() -> dict[uuid.UUID, PublishedTerm]:
    return {term.public_id: term for taxonomy in published_taxonomies() for term in taxonomy.terms}


def taxonomy_by_key(key: str) -> PublishedTaxonomy:
    return next(taxonomy for taxonomy in published_taxonomies() if taxonomy.key == key)


def all_terms() -> list[PublishedTerm]:
    return [term for taxonomy in published_taxonomies() for term in taxonomy.terms]


def service_terms(service) -> list[PublishedTerm]:
    """The published terms that describe a service, in publication order."""
    return [term for term in all_terms() if term.applies_to(service)]
