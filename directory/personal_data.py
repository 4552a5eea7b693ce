"""Spotting what could identify a child or family in free text people type into servicemap
(pure, no database).

The hints beside each free-text box ask for no names, dates of birth or case details, and most
people heed them; these checks catch the slips that are easy to recognise, before the text is
saved (a problem report's comment is kept and shown to moderators and the provider; a moderator's
reason is emailed). They are deliberately narrow, so a true report is rarely refused: a date of
birth named as one, an NHS number (by its checksum), a case or reference number, a name straight
after "my son", "the child" and the like, and a full postcode where only an area is wanted. They
cannot find every name or detail, and the hints stay.

Hand-written rather than a library: the PII detectors (Presidio, scrubadub) need language models
that cannot be installed here, are tuned to American formats, and know no Welsh.
"""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.text import get_text_list
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

DATE_OF_BIRTH = _("a date of birth")
NHS_NUMBER = _("an NHS number")
CASE_NUMBER = _("a case or reference number")
NAME = _("a child's or relative's name")
POSTCODE = _("a full postcode (the first part, like CF10, is enough)")

_DATE_OF_BIRTH_RE = re.compile(
    r"\b(?:d\.?\s?o\.?\s?b\b|date\s+of\s+birth|born\s+(?:on\b|in\b|\d)|birthday|dyddiad\s+geni|ganwyd|pen-?blwydd)",
    re.IGNORECASE,
)
# England's and Wales's NHS numbers begin 4, 6 or 7; a phone number begins 0.
_NHS_RE = re.compile(r"(?<![\d-])([467]\d{2})[ -]?(\d{3})[ -]?(\d{4})(?![\d-])")
_CASE_RE = re.compile(
    r"\b(?:case|file|client|referral|child\s+protection|cp|cin|lac|mosaic|wccis|rhif\s+achos|cyfeirnod)"
    r"\s*(?:no\b\.?|number|num\b|ref\b\.?|reference|id\b)?\s*[:#.]?\s*[A-Z]{0,4}[-/]?\d{3,}",
    re.IGNORECASE,
)
# A capitalised word straight after a word for a child or relative: "my son Tom", "the girl, Amy".
_RELATIVES = (
    r"son|daughter|grandson|granddaughter|stepson|stepdaughter|nephew|niece|child|boy|girl|baby|brother|"
    r"sister|sibling|mum|mother|dad|father|mab|merch|plentyn|bachgen|brawd|chwaer|mam|tad"
)
_NAME_RE = re.compile(rf"\b(?i:{_RELATIVES})(?:,|\s+(?:is\s+|was\s+)?(?:called|named|sef|o'r\s+enw)?)\s*([A-Z][a-z]{{1,}})\b")
# Words that follow those above with a capital without being names.
_NOT_NAMES = frozenset({
    "I", "Services", "Service", "Protection", "Sexual", "Exploitation", "Abuse", "Line", "Support", "Wales",
    "Cymru", "Gwasanaethau", "Social", "Health", "Mental", "And", "The", "In", "On", "At", "With", "Who",
})
_FULL_POSTCODE_RE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)


def _is_nhs_number(digits: str) -> bool:
    """The NHS number's check digit (modulus 11)."""
    remainder = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = 11 - remainder
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def findings(text: str, *, postcodes_allowed: bool = False) -> list[Promise]:
    """What in `text` looks like it could identify a child or family, in the order of the
    constants above; empty if nothing does."""
    found = []
    if _DATE_OF_BIRTH_RE.search(text):
        found.append(DATE_OF_BIRTH)
    if any(_is_nhs_number("".join(match.groups())) for match in _NHS_RE.finditer(text)):
        found.append(NHS_NUMBER)
    if _CASE_RE.search(text):
        found.append(CASE_NUMBER)
    if any(match[1] not in _NOT_NAMES for match in _NAME_RE.finditer(text)):
        found.append(NAME)
    if not postcodes_allowed and _FULL_POSTCODE_RE.search(text):
        found.append(POSTCODE)
    return found


def refusal(found: list[Promise]) -> str:
    """The error message for a text holding `found`."""
    return gettext(
        "Take out anything that could identify a child or family: this seems to hold %(what)s. "
        "servicemap must not keep it."
    ) % {"what": get_text_list([str(item) for item in found], gettext("and"))}
