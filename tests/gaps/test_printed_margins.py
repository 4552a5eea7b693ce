"""Every printed sheet of a gaps page says what it is: the page's @page margin boxes
(gaps/templatetags/gaps_print.py). The browser's printing of them: tests/browser/test_printed_pages.py."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from gaps.services import snapshot_take
from gaps.templatetags.gaps_print import css_string, margins_css
from tests.factories import ServiceFactory

CARDIFF = "W06000015"
MARGIN_STYLE = re.compile(r'<style nonce="([^"]+)">(@page \{.*?\})</style>')


def _boxes(css: str) -> dict[str, str]:
    return dict(re.findall(r"@([a-z-]+) \{ content: (.*?); \}", css))


def test_words_in_the_margins_cannot_end_their_string_or_the_style_element():
    """A region's name comes from reference data an imported feed may add to."""
    written = css_string('Bro "Morgannwg" \\ </style><script>alert(1)</script> & more\n')
    assert written.startswith('"') and written.endswith('"')
    inner = written[1:-1]
    assert not re.search(r'["<>&\n]', inner)
    assert "\\22 Morgannwg\\22 " in inner and "\\5c " in inner and "\\3c /style\\3e " in inner


def test_the_margins_say_the_title_at_the_top_the_period_and_the_page_number_at_the_foot():
    css = margins_css("Where support is missing — Intra-familial", "Directory as it stood on 1 May 2026.", sample=False)
    boxes = _boxes(css)
    assert boxes == {
        "top-left": '"Where support is missing — Intra-familial"',
        "bottom-left": '"Directory as it stood on 1 May 2026."',
        "bottom-right": '"Page " counter(page) " of " counter(pages)',
    }


def test_the_page_number_is_in_welsh_on_a_welsh_page_and_sample_data_is_said_on_every_sheet():
    with translation.override("cy"):
        boxes = _boxes(margins_css("Lle mae cymorth ar goll", "", sample=True))
    assert boxes["bottom-right"] == '"Tudalen " counter(page) " o " counter(pages)'
    assert boxes["top-right"] == "\"Data enghreifftiol — gwasanaethau dychmygol yw'r rhain.\""


def _nonce(response) -> str:
    return re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "title", "period"), [
    ("/gaps/?layer=intra_familial&view=health_board",
     "Where support is missing — Intra-familial abuse — Health boards — services per 10,000 children",
     "Directory as it stood on "),
    ("/cy/gaps/", "Lle mae cymorth ar goll — Pob cymorth CSA i blant — Awdurdodau lleol", "Y cyfeiriadur fel yr oedd ar "),
    (f"/gaps/area/{CARDIFF}/", "Where support is missing — Cardiff — services per 10,000 children",
     "Directory as it stood on "),
    ("/gaps/headlines/?region=W11000029", "Headlines: where support is missing — Cardiff and Vale University Health Board",
     "Directory as it stood on "),
    ("/gaps/headlines/", "Headlines: where support is missing — Wales", "Directory as it stood on "),
    ("/gaps/unmet/", "Where support is missing — Searches that found no service",
     "No quarter that has ended holds any counted searches yet."),
    ("/gaps/trends/", "Where support is missing — Provision over time — All CSA support for children",
     "Snapshot dated "),
])
def test_each_gaps_page_prints_its_title_and_period_on_every_sheet_under_the_responses_nonce(
        client, wales_areas, path, title, period):
    """A board paper's later sheets were tables with no heading: which layer, which area, and of when,
    was on sheet 1 alone. The words are in a <style> carrying the response's CSP nonce, so the policy
    is not loosened for them."""
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    snapshot_take(taken_on=date(2026, 1, 1))
    response = client.get(path)
    assert response.status_code == 200
    found = MARGIN_STYLE.search(response.content.decode())
    assert found, "no printed margins"
    assert found[1] == _nonce(response)
    boxes = _boxes(found[2])
    assert boxes["top-left"].startswith(f'"{title}'), boxes["top-left"]
    assert boxes["bottom-left"].startswith(f'"{period}'), boxes["bottom-left"]
    assert "counter(pages)" in boxes["bottom-right"]


@pytest.mark.django_db
def test_the_map_page_says_which_areas_its_figures_are_for(client, wales_areas):
    """The regional views' figures are the regions' means: the sheet says so."""
    response = client.get(reverse("gaps:index"), {"view": "safeguarding_region"})
    boxes = _boxes(MARGIN_STYLE.search(response.content.decode())[2])
    assert "— Regional safeguarding boards —" in boxes["top-left"]
