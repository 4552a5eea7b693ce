"""Printing a page in chromium for the print tests: page.pdf() prints as window.print() does (the
page's beforeprint and afterprint handlers run), on A4 with Chromium's own default margins."""

from __future__ import annotations

import re

# Chromium's default print margins (0.4 in each side).
MARGINS = {side: "0.4in" for side in ("top", "right", "bottom", "left")}
# A4 less those margins, in CSS pixels (96 an inch): what a page is laid out in when printed.
A4_PAGE = {"width": 718, "height": 1047}


def printed_sheets(page) -> int:
    """How many sheets of A4 the page prints on. Printing costs a second or more a time on a loaded
    machine: print once and make every assertion about that printing on the one count."""
    return len(re.findall(rb"/Type\s*/Page\b", page.pdf(format="A4", margin=MARGINS)))
