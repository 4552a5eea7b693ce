"""Pages printed, or saved as PDF, for a case meeting or a board paper (print media in chromium): each
says where and when it was printed; the gaps map is printed whole; an address is printed after a link
only where it is news."""

from __future__ import annotations

import datetime
import re

import pytest

from tests.browser.conftest import ARTIFACTS, DESKTOP, new_page
from tests.browser.printing import A4_PAGE, printed_sheets

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("directory_data")]

SITE = "https://directory.example.org"
AFTER = "el => getComputedStyle(el, '::after').content"


def _today(language: str) -> str:
    from django.utils import formats, timezone, translation

    with translation.override(language):
        return formats.date_format(timezone.localdate(), "j F Y")


def _first_service_path() -> str:
    from directory.models import Service

    return f"/services/{Service.objects.published().order_by('name').first().public_id}/"


@pytest.mark.parametrize(("path", "language"), [
    ("service", "en"), ("/gaps/area/W06000023/", "cy"), ("/gaps/?view=health_board", "en"),
    ("/gaps/unmet/", "cy"), ("/about-the-data/", "en"), ("/search/?la=W06000023&age=9", "cy"),
])
def test_a_printed_page_says_where_and_when_it_was_printed(browser, live_server, settings, path, language):
    """With the header left off the paper, a printed page named neither the site, nor when it was
    printed, nor where to find it again: a gaps page in a board paper, a service's page in a case file."""
    from playwright.sync_api import expect

    settings.SITE_URL = SITE
    if path == "service":
        path = _first_service_path()
    prefix = "/cy" if language == "cy" else ""
    page = new_page(browser, DESKTOP)
    try:
        days = {_today(language)}
        assert page.goto(f"{live_server.url}{prefix}{path}").status == 200
        days.add(_today(language))  # the page was made on one of them (just before midnight)
        source = page.locator(".sm-print-source")
        expect(source).to_be_hidden()  # on screen, the header says it
        page.emulate_media(media="print")
        expect(source).to_be_visible()
        printed = "Argraffwyd o servicemap ar" if language == "cy" else "Printed from servicemap on"
        assert source.inner_text() in {f"{printed} {day}: {SITE}{prefix}{path}" for day in days}, source.inner_text()
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_printed_gaps_map_is_at_least_as_big_as_any_screen_drew_it_and_its_key_does_not_say_zoom_in(
        browser, live_server, language):
    """Leaflet draws the map for its box on screen and not again for paper. The box was two-thirds
    of the paper's width, narrower than on a desktop screen, and the east of Wales was cut off at its
    edge. On paper it is at least as big as the widest screen's, scaled to the paper's width, its key after it.

    The key's "zoom in for more" is for a map on screen: a printed map does not zoom."""
    prefix = "/cy" if language == "cy" else ""
    size = "() => { const m = document.querySelector('.sm-gaps-map .folium-map'); return [m.clientWidth, m.clientHeight] }"
    zoom, kept = (("chwyddwch i mewn", "“Dim” lle mae digon o le ar y map)") if language == "cy"
                  else ("zoom in for more", "“None” where the map has room)"))
    screen = new_page(browser, DESKTOP)  # the map's box is widest from here up (the page's 960 px)
    try:
        assert screen.goto(f"{live_server.url}{prefix}/gaps/").status == 200
        drawn = screen.evaluate(size)
        key = screen.locator(".sm-legend")
        assert zoom in key.inner_text()
        screen.emulate_media(media="print")
        printed = key.inner_text()
        assert zoom not in printed and kept in printed, printed
    finally:
        screen.context.close()

    page = new_page(browser, A4_PAGE)
    try:
        page.emulate_media(media="print")
        assert page.goto(f"{live_server.url}{prefix}/gaps/").status == 200
        (ARTIFACTS / "print").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "print" / f"gaps-map-{language}.png"))
        printed_size = page.evaluate(size)
        assert printed_size[0] >= drawn[0] and printed_size[1] >= drawn[1], (printed_size, drawn)
        shown = page.locator(".sm-gaps-map").bounding_box()  # as printed (scaled), on the paper
        key = page.locator(".sm-legend").bounding_box()
        table = page.locator("#gaps-table").bounding_box()
        # The paper's whole width (beside the key, the areas' names were too small to read), the key
        # and then the table after it.
        assert A4_PAGE["width"] - 4 <= shown["width"] <= A4_PAGE["width"], shown
        assert shown["y"] + shown["height"] <= key["y"] < table["y"], (shown, key, table)
    finally:
        page.context.close()


# Everything printed after the map (its key, the table, the notes) left off the page: what is printed
# then is the headings and the map, and how many sheets that takes says whether the map is on sheet 1.
LEAVE_OFF_AFTER_THE_MAP = """() => {
    document.querySelector('.sm-gaps-map-row > .govuk-grid-column-one-third').style.display = 'none';
    for (let el = document.querySelector('.sm-gaps-map-row'); el && el !== document.body; el = el.parentElement) {
        for (let next = el.nextElementSibling; next; next = next.nextElementSibling) next.style.display = 'none';
    }
}"""


@pytest.mark.parametrize(("path", "download"), [
    ("/gaps/", "Download"), ("/cy/gaps/", "Lawrlwytho"),
    ("/gaps/?view=health_board", "Download"), ("/cy/gaps/?view=safeguarding_region", "Lawrlwytho"),
])
def test_the_printed_gaps_map_starts_on_sheet_1_under_its_headings_and_the_downloads_are_left_off(
        browser, live_server, path, download):
    """The map, kept whole (693 px of an A4 sheet's 1047), did not fit under the headings at GOV.UK's
    print sizes and started on sheet 2: sheet 1 of a board paper printed the headings alone. It is on
    sheet 1 now, whole and the paper's width (the test above), in English and Welsh, for each kind of area.

    The "Download" links (CSV, JSON) do nothing on paper: left off, as the choices and the page links
    are (the printed address at the top of sheet 1 leads back to them)."""
    page = new_page(browser, DESKTOP)
    try:
        assert page.goto(f"{live_server.url}{path}").status == 200
        heading = page.get_by_role("heading", name=download, exact=True)
        links = page.locator(f"h2:has-text('{download}') + ul a")  # the CSV's and the JSON's
        assert heading.is_visible() and links.count() == 2 and links.first.is_visible()
        page.emulate_media(media="print")
        assert heading.is_hidden() and all(link.is_hidden() for link in links.all())
        page.emulate_media(media="null")  # as set, page.pdf() would print the page's screen layout
        page.evaluate(LEAVE_OFF_AFTER_THE_MAP)
        assert page.locator(".sm-gaps-map").is_visible()
        assert printed_sheets(page) == 1
    finally:
        page.context.close()


# The margin boxes of the page's @page rules, as the browser took them (a <style> the CSP refused has none).
MARGIN_BOXES = """() => Object.fromEntries([...document.styleSheets]
    .flatMap(sheet => [...sheet.cssRules]).filter(rule => rule instanceof CSSPageRule)
    .flatMap(rule => [...rule.cssRules]).filter(box => box.style.content)
    .map(box => [box.name, box.style.content]))"""


@pytest.mark.parametrize("path", ["/gaps/?layer=sibling&view=health_board", "/cy/gaps/?layer=sibling&view=safeguarding_region"])
def test_a_long_list_of_areas_with_no_provision_is_printed_after_the_map_and_the_map_stays_on_sheet_1(
        browser, live_server, path):
    """The sample directory's support for siblings leaves 15 local authorities with none, listed under
    their regions above the map: on paper the list took what was left of sheet 1, and the map, kept
    whole, was printed alone on sheet 2. On paper the list is printed after the map and its key."""
    from playwright.sync_api import expect

    page = new_page(browser, DESKTOP)
    try:
        assert page.goto(f"{live_server.url}{path}").status == 200
        on_screen = page.locator(".sm-gaps-intro .sm-gaps-no-provision")
        on_paper = page.locator(".sm-gaps-no-provision.sm-print-only")
        expect(on_screen.locator("li a")).to_have_count(15)
        expect(on_paper).to_be_hidden()  # a screen reader hears the list once
        listed = on_screen.inner_text()
        page.emulate_media(media="print")
        expect(on_screen).to_be_hidden()
        expect(on_paper).to_be_visible()
        assert on_paper.inner_text() == listed
        assert on_paper.bounding_box()["y"] > page.locator(".sm-legend").bounding_box()["y"]
        page.emulate_media(media="null")  # as set, page.pdf() would print the page's screen layout
        page.evaluate(LEAVE_OFF_AFTER_THE_MAP)  # the printed list with the rest: it follows the map's row
        assert page.locator(".sm-gaps-map").is_visible()
        assert printed_sheets(page) == 1
    finally:
        page.context.close()


@pytest.mark.parametrize(("path", "title", "period", "page"), [
    ("/cy/gaps/?view=health_board", "Lle mae cymorth ar goll — Pob cymorth CSA i blant — Byrddau iechyd",
     "Y cyfeiriadur fel yr oedd ar", '"Tudalen " counter(page) " o " counter(pages)'),
    ("/gaps/headlines/", "Headlines: where support is missing — Wales", "Directory as it stood on",
     '"Page " counter(page) " of " counter(pages)'),
])
def test_every_printed_sheet_of_a_gaps_page_says_what_its_figures_are_and_of_when(
        browser, live_server, path, title, period, page):
    """The map page printed on five sheets and the headlines on five, with what the figures are (the
    question, the areas), and of when, on the first alone: the later sheets were tables anyone could
    take for another layer, region or date. Each sheet's margins say so, and the sample's "fictional",
    under the site's CSP (the words are in a <style> with the response's nonce)."""
    tab = new_page(browser, DESKTOP)
    refused = []
    tab.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    try:
        assert tab.goto(f"{live_server.url}{path}").status == 200
        boxes = tab.evaluate(MARGIN_BOXES)
        assert boxes["top-left"].startswith(f'"{title}'), boxes
        assert boxes["bottom-left"].startswith(f'"{period}'), boxes
        assert boxes["bottom-right"] == page, boxes
        assert "Data enghreifftiol" in boxes["top-right"] or "Sample data" in boxes["top-right"], boxes
        assert printed_sheets(tab) > 1  # the case in question: sheets after the first
        assert refused == []
    finally:
        tab.context.close()


def test_a_printed_link_prints_its_address_only_where_the_paper_needs_it(browser, live_server):
    """About the data: the boundaries' link reads as its own address (github.com/…), which was printed
    again after it; the licence's link ("CC BY 4.0") still prints its address. The gaps map's credit
    printed Leaflet's address in the map's corner."""
    page = new_page(browser, DESKTOP)
    try:
        assert page.goto(f"{live_server.url}/about-the-data/").status == 200
        page.emulate_media(media="print")
        repository = page.get_by_role("link", name="github.com/martinjc/UK-GeoJSON")
        assert repository.evaluate(AFTER) == "none"
        licence = page.get_by_role("link", name="CC BY 4.0")
        assert "https://creativecommons.org/licenses/by/4.0/" in licence.evaluate(AFTER)

        assert page.goto(f"{live_server.url}/gaps/").status == 200
        credit = page.locator(".leaflet-control-attribution a[href^='http']").first
        assert credit.is_visible()
        assert credit.evaluate(AFTER) == "none"
    finally:
        page.context.close()


SEARCHED = ("/search/?la=W06000015&age=9&abuse_form=online&abuse_form=cse&welsh=1&no_disclosure=1"
            "&delivery=phone&max_wait=12&referrer=professional&sort=wait")
SEARCHED_FOR = {
    "en": ["You searched for", "Child's age: 9",
           "Forms of abuse: Online / technology-assisted abuse, Child sexual exploitation", "Who needs support: Any",
           "The child's situation: No verbal disclosure yet, Support in Welsh", "How support is given: Phone",
           "Longest acceptable wait, in weeks: 12", "I am: A professional", "Sort by: Shortest wait"],
    "cy": ["Chwiliwyd am", "Oedran y plentyn: 9",
           "Mathau o gam-drin: Cam-drin ar-lein / drwy dechnoleg, Camfanteisio'n rhywiol ar blant",
           "Pwy sydd angen cymorth: Unrhyw un", "Sefyllfa'r plentyn: Dim datgeliad llafar eto, Cymorth yn Gymraeg",
           "Sut mae'r cymorth yn cael ei roi: Ffôn", "Rwy'n: Gweithiwr proffesiynol",
           "Trefnu yn ôl: Yr amser aros byrraf"],
}


@pytest.mark.parametrize("language", ["en", "cy"])
def test_printed_results_say_what_was_searched_for_in_words_without_the_form(browser, live_server, language):
    """A results page printed for a case meeting printed the search form's boxes in its left third
    and the page links, and said in words only the area: not the age, forms of abuse, Welsh or sort
    searched with. On paper the search is said in words, the form and page links are left off, and
    the results take the paper's width."""
    prefix = "/cy" if language == "cy" else ""
    page = new_page(browser, A4_PAGE)
    try:
        assert page.goto(f"{live_server.url}{prefix}{SEARCHED}").status == 200
        summary = page.locator(".sm-searched-for")
        assert summary.is_hidden()  # on screen the form beside the results says it
        page.emulate_media(media="print")
        assert summary.is_visible()
        lines = summary.inner_text().splitlines()
        assert all(line in lines for line in SEARCHED_FOR[language]), lines
        assert page.locator("#search-form").is_hidden()
    finally:
        page.context.close()


def test_printed_results_leave_off_the_page_links_and_say_which_results_are_on_paper(browser, live_server):
    """The page links (1 2 3 Next) printed as links no one can follow on paper."""
    page = new_page(browser, A4_PAGE)
    try:
        assert page.goto(f"{live_server.url}/search/?la=W06000015").status == 200
        pagination = page.locator(".govuk-pagination")
        assert pagination.is_visible()
        showing = page.get_by_text("Showing 1 to 20 of 43")
        assert showing.is_hidden()
        page.emulate_media(media="print")
        assert pagination.is_hidden()
        assert showing.is_visible()
        assert page.get_by_text("Child's age: Any").is_visible()
        results = page.locator("#results").bounding_box()
        assert results["width"] >= A4_PAGE["width"] - 40, results  # not two-thirds beside an empty column
        (ARTIFACTS / "print").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "print" / "search-results.png"))
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "cy"])
def test_printed_results_start_on_the_first_sheet_each_card_whole_with_why_other_services_are_not_shown_open(
        browser, live_server, language):
    """The first card, kept whole on a sheet and too tall for what the page's heading, the search in
    words and the reasons other services are not shown left of sheet 1, went to sheet 2 with its
    group's heading: sheet 1 printed half empty, and each sheet after it held one card (twenty
    sheets for a page of results in Welsh). The first card starts on sheet 1, and a sheet holds two.

    "Why other services are not shown" folds its reasons away on screen, and printed only its
    summary. Opened for printing and closed again after it; without script the reasons print too.
    One page printed for both: printing costs seconds on a loaded machine."""
    prefix = "/cy" if language == "cy" else ""
    url = f"{live_server.url}{prefix}/search/?la=W06000015&age=9"
    reason = "Mae oedran y plentyn y tu allan" if language == "cy" else "The child's age is outside"
    page = new_page(browser, A4_PAGE)
    try:
        assert page.goto(url).status == 200
        cards = page.locator(".sm-result")
        assert cards.count() == 20
        assert page.locator("details .sm-exclusions").count() == 1  # printed open (below), above the cards
        details = page.locator("details:has(.sm-exclusions)")
        assert details.evaluate("details => details.open") is False
        assert page.get_by_text(reason).is_hidden()
        # What a handler after print.js's sees while the page prints.
        page.evaluate("""() => addEventListener('beforeprint', () => {
            window.printedOpen = [...document.querySelectorAll('details')].map(details => details.open) })""")
        sheets = printed_sheets(page)
        assert page.evaluate("window.printedOpen") == [True] * page.locator("details").count()
        assert details.evaluate("details => details.open") is False  # as it was, after printing
        assert page.locator("details[open]").count() == 0
        assert sheets <= 11  # the first card on sheet 1, the others two to a sheet
        page.emulate_media(media="print")
        assert cards.evaluate_all("cards => cards.every(card => getComputedStyle(card).breakInside === 'avoid')")
        # The page as far as its first card: on one sheet, unless the card was pushed to the next.
        cards.first.evaluate("card => { while (card.nextElementSibling) card.nextElementSibling.remove() }")
        assert printed_sheets(page) == 1
    finally:
        page.context.close()

    context = browser.new_context(viewport=A4_PAGE, java_script_enabled=False)
    page = context.new_page()
    try:
        assert page.goto(url).status == 200
        assert page.get_by_text(reason).is_hidden()
        page.emulate_media(media="print")
        assert page.get_by_text(reason).is_visible()
    finally:
        context.close()


@pytest.mark.parametrize(("path", "language"), [
    ("/search/?la=W06000015", "cy"), ("/gaps/", "en"), ("/shortlist/", "cy"), ("/shortlist/", "en"),
])
def test_a_page_printed_days_after_it_was_loaded_says_the_day_it_was_printed(browser, live_server, path, language):
    """A tab left open printed the day it was loaded as the day it was printed ("Printed from
    servicemap on …"): a case file's copy of a referral pack was dated days before it was made. With
    script it says the day it is printed, in the page's language; without, the day it was loaded."""
    from django.utils import formats, timezone, translation

    prefix = "/cy" if language == "cy" else ""
    printed_on = timezone.localdate() + datetime.timedelta(days=40)
    with translation.override(language):
        printed = formats.date_format(printed_on, "j F Y")
    page = new_page(browser, A4_PAGE)
    try:
        page.clock.set_fixed_time(datetime.datetime.combine(printed_on, datetime.time(10)))
        loaded = {_today(language)}
        assert page.goto(f"{live_server.url}{prefix}{path}").status == 200
        loaded.add(_today(language))  # the page was made on one of them (just before midnight)
        line = page.locator(".sm-print-only").filter(
            has_text=re.compile("^(Printed from servicemap on|Argraffwyd o servicemap ar) "))
        assert line.count() == 1
        assert any(f" {day}" in line.text_content() for day in loaded), line.text_content()
        printed_sheets(page)
        assert f" {printed}" in line.text_content(), line.text_content()
    finally:
        page.context.close()
