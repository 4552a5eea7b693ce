"""Visually hidden text that finishes a link's or button's name ("History – <service>")."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A hidden span whose words start with punctuation straight after the visible words: ": <name>".
STUCK_ON = re.compile(r'govuk-visually-hidden"[^>]*>\s*[:;,.]\s*[^\s<]')


def _sources() -> list[Path]:
    return [*ROOT.joinpath("templates").rglob("*.html"),
            *(path for app in ("directory", "gaps", "servicemap") for path in ROOT.joinpath(app).rglob("*.py"))]


def test_no_hidden_name_starts_with_punctuation_that_a_browser_would_put_a_space_before():
    # "Add to shortlist<span class=govuk-visually-hidden>: Powys</span>" was named "Add to
    # shortlist : Powys" by Chromium: the span is absolutely positioned, so its text is a block of its
    # own and gets a space before it (and GOV.UK Frontend adds a no-break space before and after it
    # on purpose, so that hidden words never run into the visible ones). Hidden text that carries on a
    # name starts with a space and words that read well after one: " – <service>", " (<service>)".
    stuck = [f"{path.relative_to(ROOT)}:{number}"
             for path in _sources()
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if STUCK_ON.search(line)]

    assert stuck == []
