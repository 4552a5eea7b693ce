"""The directory's controlled vocabulary (see the domain brief), in one place.

Each multi-valued concept is a tuple of (code, label) pairs, and a mapping from code to the
boolean model field that stores it. Booleans keep every filter a plain indexed column (no
joins, the same on SQLite and PostgreSQL) and let the database check the rules.
"""

from __future__ import annotations

import functools

from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

ABUSE_FORMS = (
    ("intra_familial", _("Intra-familial abuse")),
    ("extra_familial", _("Extra-familial abuse")),
    ("cse", _("Child sexual exploitation")),
    ("harmful_sexual_behaviour", _("Harmful sexual behaviour")),
    ("online", _("Online / technology-assisted abuse")),
)
ABUSE_FORM_FIELDS = {
    "intra_familial": "abuse_intra_familial",
    "extra_familial": "abuse_extra_familial",
    "cse": "abuse_cse",
    "harmful_sexual_behaviour": "abuse_harmful_sexual_behaviour",
    "online": "abuse_online",
}

AUDIENCES = (
    ("child", _("The child or young person")),
    ("parent_carer", _("Non-abusing parents and carers")),
    ("sibling", _("Siblings")),
)
AUDIENCE_FIELDS = {
    "child": "supports_child",
    "parent_carer": "supports_parent_carer",
    "sibling": "supports_sibling",
}

SUPPORT_KINDS = (
    ("therapeutic", _("Therapeutic support / counselling")),
    ("advocacy", _("Advocacy (ChISVA)")),
    ("assessment", _("Specialist assessment")),
    ("sarc", _("Medical and forensic (SARC)")),
    ("group_work", _("Group work")),
    ("helpline", _("Helpline / information")),
    ("hsb_intervention", _("HSB assessment and intervention")),
)
SUPPORT_KIND_FIELDS = {
    "therapeutic": "kind_therapeutic",
    "advocacy": "kind_advocacy",
    "assessment": "kind_assessment",
    "sarc": "kind_sarc",
    "group_work": "kind_group_work",
    "helpline": "kind_helpline",
    "hsb_intervention": "kind_hsb_intervention",
}

REFERRERS = (
    ("professional", _("A professional")),
    ("parent_carer", _("A parent or carer")),
    ("self", _("The young person (self-referral)")),
)
REFERRER_FIELDS = {
    "professional": "referral_by_professional",
    "parent_carer": "referral_by_parent_carer",
    "self": "referral_by_self",
}

DELIVERY_MODES = (
    ("in_person", _("In person")),
    ("outreach", _("Outreach / home visits")),
    ("phone", _("Phone")),
    ("online", _("Online")),
)
DELIVERY_MODE_FIELDS = {
    "in_person": "delivery_in_person",
    "outreach": "delivery_outreach",
    "phone": "delivery_phone",
    "online": "delivery_online",
}

# Every multi-valued concept, for code that walks them all (admin fieldsets, API, import).
MULTI_VALUED = {
    "abuse_forms": (ABUSE_FORMS, ABUSE_FORM_FIELDS),
    "audiences": (AUDIENCES, AUDIENCE_FIELDS),
    "support_kinds": (SUPPORT_KINDS, SUPPORT_KIND_FIELDS),
    "referrers": (REFERRERS, REFERRER_FIELDS),
    "delivery_modes": (DELIVERY_MODES, DELIVERY_MODE_FIELDS),
}


def translated_choices(concept: str, language: str | None = None) -> tuple[tuple[str, str, str], ...]:
    """(code, model field, label) for each choice of a multi-valued concept, in `language` (default:
    the active language)."""
    return _translated_choices(concept, language or get_language())


@functools.lru_cache(maxsize=32)
def _translated_choices(concept: str, language: str | None) -> tuple[tuple[str, str, str], ...]:
    # Translated once per language, not once per tag of every card (a page shows a hundred tags).
    choices, fields = MULTI_VALUED[concept]
    with translation.override(language):
        return tuple((code, fields[code], str(label)) for code, label in choices)


def label_for(choices: tuple, code: str) -> str:
    return str(dict(choices).get(code, code))
