"""Phone numbers as links a phone can dial (`tel:`), on the service page, the search's result cards
and the shortlist's referral pack: a social worker on a phone taps the number instead of copying it.

Providers type numbers as people write them ("029 2012 3456", "+44 (0)29 2012 3456", "0800 1111").
The link's text stays as written: grouped digits are read out by a screen reader group by group,
where the bare dialling form ("+442920123456") would be read as one large number. The href is the
global form (RFC 3966), so it dials from a phone set to any country. Anything that is not plainly
one number (two numbers, an extension, words) stays plain text: a link that dials the wrong number
is worse than none.

Written here rather than taken from the phonenumbers library (the whole world's numbering plans):
the directory's services are in Wales and their numbers are UK ones, whose shape (Ofcom's national
numbering plan) is a few lines.
"""

from __future__ import annotations

import re

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

UK = "44"
# A UK number after its leading 0 (the national significant number) has 10 digits, or 9 (a few
# 01 areas, some 0800 numbers); Childline's 0800 1111 is the one shorter freephone number in use.
_UK_LENGTHS = {9, 10}
_UK_SHORT_FREEPHONE = {"8001111"}
# Numbers dialled as they are, with no area or country: 999, 112, 111, 101 and the European
# 116 numbers helplines use (116 111 Childline, 116 123 Samaritans).
_SHORT_CODES = re.compile(r"(999|112|111|101|116\d{3})")
# What separates groups of digits as people write them; anything else (letters, "/", "or") is not
# one plain number.
_SEPARATORS = re.compile(r"[\s\-.()]")
_TRUNK_IN_BRACKETS = re.compile(r"^\+44\s*\(0\)")  # "+44 (0)29 …": the 0 is dialled only at home


def dialling_form(written: str) -> str | None:
    """The number as a `tel:` link dials it ("+442920123456" for "029 2012 3456"), or None when the
    text is not plainly one number."""
    compact = _SEPARATORS.sub("", _TRUNK_IN_BRACKETS.sub("+44", written.strip()))
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    international = compact.startswith("+")
    digits = compact[1:] if international else compact
    if not digits.isascii() or not digits.isdigit():
        return None
    if international:
        if digits.startswith(UK):
            return _uk(digits[len(UK):])
        # Another country's: E.164 allows at most 15 digits; its rules are not checked here.
        return "+" + digits if 8 <= len(digits) <= 15 and digits[0] != "0" else None
    if digits.startswith("0"):
        return _uk(digits[1:])
    return digits if _SHORT_CODES.fullmatch(digits) else None


def _uk(national: str) -> str | None:
    if national.startswith("0"):
        return None
    if len(national) in _UK_LENGTHS or national in _UK_SHORT_FREEPHONE:
        return "+" + UK + national
    return None


def phone_link(written: str) -> SafeString:
    """The number as written, linked to dial it where it can be; escaped plain text where not.
    The result cards' builder (result_cards.py) and the templates' `phone_link` filter both use it,
    so the two stay byte for byte the same."""
    dial = dialling_form(written)
    if dial is None:
        return conditional_escape(written)
    return format_html('<a class="govuk-link" href="tel:{}">{}</a>', dial, written)
