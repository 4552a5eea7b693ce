"""Every printed sheet of a gaps page says what it is.

A board paper printed from a gaps page ran to several sheets with the heading (what the figures are,
for which area, and of when) on the first alone: the later ones were tables of figures anyone could
take for another layer, region or quarter. `{% printed_page part … %}` writes the page's margin
boxes (CSS paged media, printed by Chromium from 131): at the top of every sheet what the figures are
and for which area (the parts given, in the page's language), and "Sample data" while the fictional
directory is loaded; at the foot, the figures' period (the notes' own words, or the view's `print_period`) and "Page 2
of 5".
Their sizes and places are in gaps.css; the words are the page's, so they are in a <style> with this
response's CSP nonce (the policy is not loosened for them).
"""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from gaps.notes import NOTE_HEADINGS

register = template.Library()

# Written as CSS escapes in a CSS string: its quote and backslash, a line break, and <, > and &, so
# that no words (a region's name comes from reference data an imported feed may add to) can end the
# <style> element or the string.
_UNSAFE = re.compile(r'["\\<>&\x00-\x1f\x7f]')
# Stand-ins for the page counters inside a translated sentence ("Page %(page)s of %(pages)s").
_COUNTERS = {"\x01page\x01": "counter(page)", "\x01pages\x01": "counter(pages)"}


def css_string(text: str) -> str:
    """`text` as a double-quoted CSS string, safe inside a <style> element (pure)."""
    return '"' + _UNSAFE.sub(lambda m: f"\\{ord(m[0]):x} ", text) + '"'


def _page_numbers() -> str:
    """"Page " counter(page) " of " counter(pages), in the page's language."""
    sentence = _("Page %(page)s of %(pages)s") % {"page": "\x01page\x01", "pages": "\x01pages\x01"}
    pieces = re.split(r"(\x01pages?\x01)", sentence)
    return " ".join(_COUNTERS.get(piece) or css_string(piece) for piece in pieces if piece)


def margins_css(title: str, period: str, *, sample: bool) -> str:
    """The @page rule of a gaps page's printed sheets: `title` at the top left, "Sample data" at the
    top right while the sample directory is loaded, `period` at the foot, with the page's number (pure)."""
    boxes = {"top-left": css_string(title), "bottom-left": css_string(period), "bottom-right": _page_numbers()}
    if sample:
        boxes["top-right"] = css_string(_("Sample data — these services are fictional."))
    return "@page { " + " ".join(f"@{box} {{ content: {content}; }}" for box, content in boxes.items()) + " }"


def _period(notes: list[tuple[str, str]]) -> str:
    """The period of the page's figures, in its notes' words."""
    heading = str(NOTE_HEADINGS["period"])
    return next((str(text) for name, text in notes if str(name) == heading), "")


@register.simple_tag(takes_context=True)
def printed_page(context: template.Context, *parts: object) -> SafeString:
    """The page's printed margins: `parts` (the page's name, its question, its area …; empty ones
    left out) at the top of each sheet, the notes' period and the page number at its foot."""
    title = " — ".join(str(part) for part in parts if part)
    # The view's own words for it where its notes' are too long for the foot of a sheet.
    period = context.get("print_period") or _period(context.get("notes") or [])
    if period:
        where = _("Source, method and limits: “About these figures”.")
        period = f"{period} {where}"
    request = context.get("request")
    # str(): django-csp's lazy nonce is falsy until it is first read, and reading it puts it in the header.
    nonce = getattr(request, "csp_nonce", None)
    nonce = str(nonce) if nonce is not None else ""
    css = margins_css(title, period, sample=bool(context.get("sample_data_loaded")))
    # The CSS's words are escaped for a CSS string (css_string), and the nonce is the middleware's.
    return mark_safe(f'<style nonce="{nonce}">{css}</style>' if nonce else f"<style>{css}</style>")
