"""Cells of the CSV files people download and open in a spreadsheet (OWASP's "CSV injection").

Text written by someone else (a provider's service name, an area name an imported feed brought)
must reach a commissioner's or moderator's spreadsheet as text, never as a formula it runs.
"""

from __future__ import annotations

import re

# A cell starting with one of these is a formula to a spreadsheet (OWASP's "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet whose list separator is ";" (common in Europe; the waits upload reads files saved so)
# starts a cell at every ";" and a row at every line break, quotes or not, as our files are written
# with ",": a formula after one would start a cell of its own (OWASP: "take care of the field separator").
_FORMULA_AFTER_BREAK = re.compile(r"(?<=[;\r\n])(?= *[=+\-@\t\r])")  # spaces too: "a; =b"


def as_text_cell(value: object) -> str:
    """Someone else's text for a cell a spreadsheet shows as text, never runs: a service named
    `=HYPERLINK("http://…","Open")` would otherwise be a working link in Excel. The apostrophe is
    the spreadsheet's own mark for "text", at the start and after a ";" or line break; columns
    written with it are never read back."""
    value = _FORMULA_AFTER_BREAK.sub("'", str(value))  # str(): a label may be lazy text
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value
