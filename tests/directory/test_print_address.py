"""The address and day a printed page shows at its top (base.html): the site's public address of the
page, its query included, unless the query is longer than any the site makes; the day, marked for
js/print.js to put in the day it is printed on."""

from __future__ import annotations

from directory.context_processors import PRINTED_ADDRESS_MAX, print_address


def test_the_printed_address_is_the_public_one_with_its_query(rf, settings):
    settings.SITE_URL = "https://directory.example.org/"
    request = rf.get("/cy/gaps/", {"layer": "intra_familial", "view": "health_board"})
    assert print_address(request) == "https://directory.example.org/cy/gaps/?layer=intra_familial&view=health_board"


def test_a_query_longer_than_the_site_makes_is_left_off(rf, settings):
    settings.SITE_URL = "https://directory.example.org"
    request = rf.get("/gaps/unmet/", {"quarter": "notachoice" * 50})
    assert len(request.get_full_path()) > PRINTED_ADDRESS_MAX
    assert print_address(request) == "https://directory.example.org/gaps/unmet/"


def test_the_printed_day_carries_the_month_names_the_script_puts_in_the_day_printed_with():
    """js/print.js puts in the day a page is printed on, which may be days after it was loaded; no
    browser can be relied on to know the Welsh months' names (Debian's Chromium did not)."""
    from django.template import Context, Template
    from django.utils import translation

    template = Template("{% load directory_extras %}{{ day|print_day }}")
    with translation.override("cy"):
        html = template.render(Context({"day": "7 Rhagfyr 2026"}))
    months = "Ionawr,Chwefror,Mawrth,Ebrill,Mai,Mehefin,Gorffennaf,Awst,Medi,Hydref,Tachwedd,Rhagfyr"
    assert html == f'<span class="sm-print-date" data-months="{months}">7 Rhagfyr 2026</span>'
    with translation.override("en"):
        assert 'data-months="January,February,' in template.render(Context({"day": "<b>"}))
        assert ">&lt;b&gt;</span>" in template.render(Context({"day": "<b>"}))
