"""The gaps map in Debian's chromium: switched to the intra-familial layer, the sample's gaps are hatched."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from directory.sample_directory import NO_INTRA_FAMILIAL

# Playwright's sync API runs an event loop in this thread, which makes Django refuse ORM calls
# ("cannot call this from an async context") although nothing here is async.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("directory_data")]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
AXE = Path(settings.BASE_DIR) / "tests" / "browser" / "vendor" / "axe.min.js"


@pytest.fixture(scope="module")
def directory_data(django_db_setup, django_db_blocker):
    """The real areas, the fictional sample directory, a snapshot for the trends tables and counted
    searches for the unmet tables: loaded and committed once for the module (the sample takes seconds
    to load, and a flush after each test as long), the database emptied when the module ends. No test
    here writes to it; the live server reads it (tests/conftest.py, `_live_server_helper`)."""
    from gaps.services import record_unmet_search, snapshot_take
    from tests.conftest import load_sample_data
    from tests.database_snapshot import loaded

    with django_db_blocker.unblock():
        loaded("sample directory", load_sample_data)  # a copy when this process has loaded it before
        snapshot_take(taken_on=date(2026, 1, 1))
        for code, n in (("W06000015", 7), ("W06000022", 3), ("W06000001", 12)):
            for _ in range(n):
                record_unmet_search(month=date(2025, 2, 1), lad_code=code, abuse_forms=["cse"], age=9,
                                    excluded_by="none", reason="no_service")
        yield
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def browser():
    from playwright import sync_api

    # A missing browser fails the test (make browser-deps installs it); it is never skipped.
    assert Path("/usr/bin/chromium").exists(), "Debian's chromium is not installed (make browser-deps)"
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def browser_page(browser):
    """A page in a fresh context of the module's browser, recording console errors and failed requests."""
    # bypass_csp only so axe-core can be injected; the CSP itself is tested in tests/servicemap.
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
    page.errors = errors
    yield page
    context.close()


def test_switching_the_map_to_intra_familial_hatches_the_areas_with_none(live_server, browser_page, tmp_path):
    page = browser_page
    page.goto(f"{live_server.url}/gaps/")
    page.get_by_label("Question").select_option("intra_familial")
    page.get_by_role("button", name="Show").first.click()
    # The new page, loaded: not the old page's paths, nor a layout still settling.
    page.wait_for_url("**layer=intra_familial**")
    page.wait_for_load_state("load")
    page.wait_for_selector(".leaflet-overlay-pane path")

    hatched = page.locator('.leaflet-overlay-pane path[fill="url(#sm-no-provision)"]')
    assert hatched.count() == len(NO_INTRA_FAMILIAL)
    assert page.locator(".sm-map-label").count() == len(NO_INTRA_FAMILIAL)
    # Each "None" sits on its own hatched area: what lies under the middle of the label is hatched.
    page.locator(".sm-map-label").first.scroll_into_view_if_needed()
    under = """() => [...document.querySelectorAll('.sm-map-label')].map(label => {
        const box = label.getBoundingClientRect();
        return document.elementsFromPoint(box.x + box.width / 2, box.y + box.height / 2)
            .filter(e => e.tagName === 'path').map(e => e.getAttribute('fill'))[0];
    })"""
    try:  # once the scroll has ended
        page.wait_for_function(f"({under})().every(fill => fill === 'url(#sm-no-provision)')", timeout=5000)
    finally:
        assert page.evaluate(under) == ["url(#sm-no-provision)"] * len(NO_INTRA_FAMILIAL)
    assert page.locator(".leaflet-overlay-pane path").count() == 22
    # The legend is HTML beside the map; the table beneath names the same areas.
    assert page.locator(".sm-legend li").count() == 6
    assert page.locator("#gaps-table tbody tr").count() == 22
    # Nothing was fetched from outside the site, and nothing failed.
    assert page.errors == []

    shot = Path(os.environ.get("GAPS_SCREENSHOT_DIR", tmp_path)) / "gaps-intra-familial.png"
    page.locator(".govuk-grid-row").first.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000

    if AXE.exists():
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("axe.run().then(r => r.violations.map(v => [v.id, v.impact]))")
        serious = [v for v in violations if v[1] in {"serious", "critical"}]
        assert serious == []


def test_the_maps_none_labels_are_neither_tab_stops_nor_read_out_without_their_area(live_server, browser_page):
    # Leaflet gives every marker tabindex 0 and role "button" unless told otherwise: the keyboard
    # stopped on three buttons named "None" that did nothing, and a screen reader read "None" with
    # no area (the warning above the map and the table name the areas with none).
    page = browser_page
    page.goto(f"{live_server.url}/gaps/?layer=intra_familial")
    page.wait_for_selector(".sm-map-label")
    assert page.locator(".sm-map-label").count() == len(NO_INTRA_FAMILIAL)
    page.get_by_role("link", name="Skip to the table").focus()
    stops = []
    for _ in range(len(NO_INTRA_FAMILIAL) + 3):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("document.activeElement.className"))
    assert not [stop for stop in stops if "sm-map-label" in str(stop)]
    assert "zoom-in" in " ".join(map(str, stops))  # the map and its zoom buttons are still reached
    assert page.get_by_role("button", name="None").count() == 0
    assert "None" not in page.locator(".sm-gaps-map").aria_snapshot()


def test_the_map_page_works_on_a_phone_with_a_keyboard(live_server, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/gaps/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_label("Question").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_age"


def test_on_a_phone_the_tables_area_names_stay_in_view_as_its_figures_scroll(live_server, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/gaps/")
    table = page.locator("#gaps-table")
    assert table.evaluate("e => e.scrollWidth > e.clientWidth")  # wider than the screen: it scrolls
    first_name = page.locator("#gaps-table tbody th").first
    before = first_name.bounding_box()["x"]

    table.evaluate("e => { e.scrollLeft = 300 }")

    assert table.evaluate("e => e.scrollLeft") > 0
    assert abs(first_name.bounding_box()["x"] - before) < 1  # the row's name did not scroll away
    caption = page.locator("#gaps-table caption").bounding_box()
    assert caption["x"] >= 0 and caption["x"] + caption["width"] <= 375  # nor did the caption


# For each area, the point nearest the middle of its box where the area itself is under the pointer.
_INSIDE_POINTS = """() => [...document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive')].map(path => {
  const box = path.getBoundingClientRect(), x = (box.left + box.right) / 2, y = (box.top + box.bottom) / 2;
  for (let r = 0; r < Math.max(box.width, box.height) / 2; r += 2) {
    for (const [dx, dy] of [[0, 0], [r, 0], [-r, 0], [0, r], [0, -r], [r, r], [-r, -r], [r, -r], [-r, r]]) {
      if (document.elementFromPoint(x + dx, y + dy) === path) return [x + dx, y + dy];
    }
  }
  return null;
})"""


@pytest.mark.parametrize("path", ["/cy/gaps/?view=health_board", "/gaps/?view=safeguarding_region"])
def test_on_a_phone_an_areas_tooltip_stays_inside_the_map(live_server, browser_page, path):
    # Leaflet centres a tooltip beside the pointer and the map's frame hides what passes its edge:
    # tapping an area on a phone showed the figures' labels with the figures cut off at the right,
    # or (in the north) the area's name above the top.
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("load")
    page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive")
    # Not during the opening zoom's animation, when the panes (tooltips with them) are scaled.
    page.wait_for_function("!document.querySelector('.leaflet-zoom-anim')")
    page.locator(".sm-gaps-map").evaluate("e => e.scrollIntoView({block: 'center'})")
    # A point on each area itself: the middle of an area's box can be in the sea or on its neighbour,
    # where the pointer closes the tooltip; what was measured then was the last one fading out, gone
    # 200 ms later (Leaflet's fade), so a slow step waited 30 s for a tooltip and failed.
    points = page.evaluate(_INSIDE_POINTS)
    assert len(points) == 22 and None not in points, points
    frame = page.locator(".sm-gaps-map .folium-map").bounding_box()
    tooltip = page.locator(".leaflet-tooltip")
    outside = []
    for x, y in points:
        page.mouse.move(x, y)
        expect(tooltip).to_have_css("opacity", "0.9")  # open for this area (0 while fading out)
        tip = tooltip.bounding_box()
        if (tip["x"] < frame["x"] - 0.5 or tip["y"] < frame["y"] - 0.5
                or tip["x"] + tip["width"] > frame["x"] + frame["width"] + 0.5
                or tip["y"] + tip["height"] > frame["y"] + frame["height"] + 0.5):
            outside.append(tooltip.inner_text().splitlines()[0])
    assert outside == []


def test_a_printed_gaps_page_keeps_its_keys_colours_its_whole_table_and_one_wales_row(live_server, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 718, "height": 1000})  # A4 less the browser's usual 1 cm margins
    page.goto(f"{live_server.url}/cy/gaps/?view=safeguarding_region")  # Welsh headings: the widest table
    page.emulate_media(media="print")
    # Paper does not scroll: every column of the table is within the page.
    table = page.locator("#gaps-table")
    assert table.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert table.locator("table").evaluate("t => t.getBoundingClientRect().right") <= 718
    # Long words break in the column headings only, not in the areas' names (Bro Morgannwg).
    assert table.locator("tbody th").first.evaluate("e => getComputedStyle(e).overflowWrap") != "anywhere"
    # The key's colours print (browsers leave out background colours unless told otherwise).
    swatch = page.locator(".sm-legend span.sm-swatch").first
    assert swatch.evaluate("e => getComputedStyle(e).printColorAdjust") == "exact"
    # The Wales row is printed once, after the last row, not at the foot of every page.
    assert page.locator("#gaps-table tfoot").evaluate("e => getComputedStyle(e).display") == "table-row-group"
    # What only works on screen is left off the paper.
    assert not page.get_by_text("Neidio i'r tabl").is_visible()
    assert not page.locator(".leaflet-control-zoom").is_visible()
    # Links to the other gaps pages, like the site's header and footer, lead nowhere on paper.
    assert not page.locator(".sm-subnav").is_visible()


def test_a_printed_area_page_leaves_off_its_back_link(live_server, browser_page):
    # On paper the link was a chevron, "Back to the map" and its address printed above it.
    page = browser_page
    page.set_viewport_size({"width": 718, "height": 1000})
    page.goto(f"{live_server.url}/gaps/area/W06000019/")
    assert page.get_by_role("link", name="Back to the map").is_visible()
    page.emulate_media(media="print")
    assert not page.get_by_role("link", name="Back to the map").is_visible()
    assert page.get_by_role("heading", name="Blaenau Gwent", level=1).is_visible()


# Each word of each column heading of each table: lines it is printed on (a word split across two
# lines has two boxes).
_SPLIT_HEADING_WORDS = """() => [...document.querySelectorAll('.sm-table-wrap thead th')].flatMap(th => {
  const split = [];
  const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) split.push(match[0]);
    }
  }
  return split;
})"""


@pytest.mark.parametrize("path", ["/gaps/trends/?region=north-wales", "/cy/gaps/trends/?region=north-wales",
                                  "/cy/gaps/?view=safeguarding_region", "/cy/gaps/unmet/",
                                  "/cy/gaps/unmet/?region=mid-west-wales", "/cy/gaps/headlines/",
                                  "/cy/gaps/?layer=sibling"])
def test_printed_gaps_tables_fit_the_page_without_splitting_a_headings_words(
    live_server, browser_page, path
):
    # Headings could break anywhere, so the printed trends table squeezed "Services then" to "Servic /
    # es then" and "Change" to "Chan / ge" beside wide columns.
    page = browser_page
    page.set_viewport_size({"width": 718, "height": 1000})  # A4 less the browser's usual 1 cm margins
    page.goto(f"{live_server.url}{path}")
    page.emulate_media(media="print")
    assert page.evaluate(_SPLIT_HEADING_WORDS) == []
    tables = page.locator(".sm-table-wrap table").all()
    assert tables
    for table in tables:
        assert table.evaluate("t => t.getBoundingClientRect().right") <= 718
        # The rows under the areas (the region, Wales, the total) are set apart by a rule.
        assert table.locator("tfoot th").first.evaluate("e => getComputedStyle(e).borderTopWidth") == "2px"
    # A tag among the figures reads on one line: at its screen size "pob un ar gau" took three, in a box
    # wider than its column's figures (the sibling layer's Swansea has every list closed).
    tags = page.locator(".sm-table-wrap .govuk-tag")
    assert tags.count() or "sibling" not in path
    lines = tags.evaluate_all("""tags => tags.map(e => [e.textContent,
        e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)])""")
    assert [tag for tag in lines if tag[1] >= 1.5] == [], lines


@pytest.mark.parametrize("path", ["/gaps/trends/?region=north-wales", "/cy/gaps/unmet/",
                                  "/cy/gaps/unmet/?region=W11000025", "/gaps/headlines/?region=gwent"])
def test_on_a_phone_a_sideways_scrolling_gaps_table_can_be_reached_by_keyboard(
    live_server, browser_page, path
):
    # At 375 px the trends and unmet tables scroll sideways but held no link: a keyboard could not
    # reach them to scroll (axe: scrollable-region-focusable, serious).
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}{path}")
    wraps = page.locator(".sm-table-wrap").all()
    assert any(w.evaluate("e => e.scrollWidth > e.clientWidth") for w in wraps)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("axe.run().then(r => r.violations.map(v => [v.id, v.impact]))")
    assert [v for v in violations if v[1] in ("serious", "critical")] == []


@pytest.mark.parametrize("view", ["health_board", "safeguarding_region", "local_authority"])
def test_the_maps_key_lists_the_colours_the_map_shows_for_the_chosen_view(live_server, browser_page, view):
    """The key listed the local authorities' classes whatever the view: each class now says which of
    the view's areas are in it, and a class the map does not use says so."""
    page = browser_page
    page.goto(f"{live_server.url}/gaps/?layer=parent_carer&view={view}")
    page.wait_for_selector(".leaflet-overlay-pane path")
    fills = page.eval_on_selector_all(".leaflet-overlay-pane path", "paths => paths.map(p => p.getAttribute('fill'))")
    # The classes' entries (a regional view's key also explains the regions' thick edge line).
    keyed = page.eval_on_selector_all(".sm-legend li:has(.sm-legend-areas)", """items => items.map(li => [
        li.querySelector('span.sm-swatch') ? li.querySelector('span.sm-swatch').style.background : 'hatch',
        li.querySelector('.sm-legend-areas').textContent])""")
    rgb = page.evaluate("""colours => colours.map(c => { const e = document.createElement('span');
        e.style.background = c; return e.style.background; })""", [f for f in fills if f.startswith("#")])
    used = {f for f in rgb}
    assert len(keyed) == 6
    for colour, areas in keyed[1:]:
        assert (colour in used) == (areas != "none on this map"), (colour, areas)
    hatched = fills.count("url(#sm-no-provision)")
    assert keyed[0][1] == ("none on this map" if hatched == 0 else f"{hatched} local authorit{'y' if hatched == 1 else 'ies'}")
    noun = {"health_board": "health board", "safeguarding_region": "regional safeguarding board"}.get(view,
                                                                                                       "local authorit")
    assert noun in page.locator("#legend-heading").inner_text()
    assert page.errors == []


@pytest.mark.parametrize("path", ["/cy/gaps/", "/cy/gaps/?layer=parent_carer", "/gaps/?layer=parent_carer",
                                  "/cy/gaps/?view=safeguarding_region", "/cy/gaps/?view=health_board",
                                  "/cy/gaps/?layer=intra_familial&view=health_board", "/cy/gaps/area/W06000014/",
                                  # "Dim darpariaeth" twice and the closed lists' column: 1001px at GOV.UK's spacing
                                  "/cy/gaps/area/W06000001/",
                                  "/cy/gaps/headlines/", "/cy/gaps/unmet/", "/cy/gaps/trends/?layer=intra_familial",
                                  "/cy/gaps/trends/?layer=intra_familial&region=north-wales"])
def test_at_1280px_each_gaps_table_fits_its_column_without_splitting_a_headings_words(
    live_server, browser_page, path
):
    # The Welsh map page's table was ~978px wide (1031px with "Dim darpariaeth" in two columns) in its
    # 960px column: its last column, "Rhestrau ar gau", was cut off behind a sideways scrollbar. The
    # Welsh trends table, with a heading of two or three long words over each of its eight columns
    # ("Amser aros canolrifol bryd hynny (wythnosau)"), was 32px too wide, and 109px with "Dim
    # darpariaeth" in two columns.
    page = browser_page  # 1280px wide
    page.goto(f"{live_server.url}{path}")
    wraps = page.locator(".sm-table-wrap").all()
    assert wraps
    assert [w.evaluate("e => e.scrollWidth - e.clientWidth") for w in wraps] == [0] * len(wraps)
    assert page.evaluate(_SPLIT_HEADING_WORDS) == []


# Each "No provision" cell of each table: whether its contents (the words, and the map page's
# swatch beside them) share one line, i.e. every box of the cell's text and swatch overlaps every other.
_NO_PROVISION_ON_ONE_LINE = """() => [...document.querySelectorAll('.sm-table-wrap td:has(.sm-none)')].map(td => {
  const range = document.createRange();
  range.selectNodeContents(td);
  const boxes = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
  return Math.max(...boxes.map(r => r.top)) < Math.min(...boxes.map(r => r.bottom));
})"""


@pytest.mark.parametrize("width", [1280, 375])
def test_no_provision_reads_on_one_line_among_the_figures_and_the_tables_still_fit(
    live_server, browser_page, width
):
    # In the narrow columns of figures "No provision" broke over two lines ("No / provision", "Dim /
    # darpariaeth"), and on the map and area pages its swatch stood on a line of its own above it.
    # One test per width visits every page: the sample directory takes seconds to load for each test.
    page = browser_page
    page.set_viewport_size({"width": width, "height": 812})
    failures = {}
    for path in ["/gaps/?layer=intra_familial", "/cy/gaps/?layer=intra_familial", "/gaps/area/W06000019/",
                 "/cy/gaps/area/W06000019/", "/gaps/trends/?layer=intra_familial",
                 "/cy/gaps/trends/?layer=intra_familial", "/gaps/headlines/", "/cy/gaps/headlines/"]:
        page.goto(f"{live_server.url}{path}")
        cells = page.evaluate(_NO_PROVISION_ON_ONE_LINE)
        if not cells or not all(cells):
            failures[path] = f"cells on one line: {cells}"
        if width == 1280:  # with the room it takes, each table still fits its column
            over = [w.evaluate("e => e.scrollWidth - e.clientWidth") for w in page.locator(".sm-table-wrap").all()]
            if any(over):
                failures[path] = f"{failures.get(path, '')} px too wide: {over}"
        elif page.evaluate("document.documentElement.scrollWidth") > width:  # a phone scrolls the box, not the page
            failures[path] = f"{failures.get(path, '')} the page scrolls sideways"
    assert failures == {}


def test_on_a_phone_the_trends_tables_area_names_stay_in_view_but_its_sub_headings_scroll(
    live_server, browser_page
):
    # The second row of headings ("Bryd hynny" under "Gwasanaethau") starts with a sub-heading: the
    # rule keeping each row's first heading in view would have held it over the areas' names.
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server.url}/cy/gaps/trends/?layer=intra_familial")
    wrap = page.locator(".sm-table-wrap").first
    name, sub = wrap.locator("tbody th").first, wrap.locator("thead tr").nth(1).locator("th").first
    name_x, sub_x = name.bounding_box()["x"], sub.bounding_box()["x"]
    wrap.evaluate("e => { e.scrollLeft = 200 }")
    assert wrap.evaluate("e => e.scrollLeft") == 200
    assert abs(name.bounding_box()["x"] - name_x) < 1
    assert sub.bounding_box()["x"] < sub_x - 199
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_on_a_phone_the_welsh_tables_area_names_stay_in_view_as_its_figures_scroll(live_server, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/cy/gaps/?layer=parent_carer")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    table = page.locator("#gaps-table")
    first_name = page.locator("#gaps-table tbody th").first
    before = first_name.bounding_box()["x"]
    table.evaluate("e => { e.scrollLeft = 300 }")
    assert table.evaluate("e => e.scrollLeft") > 0
    assert abs(first_name.bounding_box()["x"] - before) < 1
    assert page.evaluate(_SPLIT_HEADING_WORDS) == []


# Each area's lowest point under the pointer (scanning up from the foot of its box): where its
# tooltip opens nearest the map's bottom edge, beside the scale bar and the attribution.
_LOWEST_POINTS = """() => [...document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive')].flatMap(path => {
  const box = path.getBoundingClientRect();
  for (let y = Math.floor(box.bottom) - 1; y > box.top; y -= 2) {
    for (let x = Math.ceil(box.left); x < box.right; x += 2) {
      if (document.elementFromPoint(x, y) === path) return [[x, y]];
    }
  }
  return [];
})"""
_TOOLTIP_CLEAR = """() => {
  const tip = document.querySelector('.leaflet-tooltip').getBoundingClientRect();
  const frame = document.querySelector('.sm-gaps-map .folium-map').getBoundingClientRect();
  const inside = tip.left >= frame.left - 0.5 && tip.top >= frame.top - 0.5 && tip.right <= frame.right + 0.5
    && tip.bottom <= frame.bottom + 0.5;
  const covered = [...document.querySelectorAll('.sm-gaps-map .leaflet-control')].filter(control => {
    const c = control.getBoundingClientRect();
    return c.width && tip.left < c.right && c.left < tip.right && tip.top < c.bottom && c.top < tip.bottom;
  }).map(control => control.className.split(' ')[0]);
  return [inside, covered];
}"""


@pytest.mark.parametrize(("path", "width", "height"), [
    ("/gaps/", 1280, 1000), ("/cy/gaps/?view=health_board", 1280, 1000), ("/gaps/?layer=intra_familial", 390, 844),
])
def test_an_areas_tooltip_near_the_maps_foot_keeps_clear_of_the_scale_bar_and_attribution(
    live_server, browser_page, path, width, height
):
    # Over the Vale of Glamorgan, at the map's foot, the tooltip was moved up inside the map but its
    # last row ("Closed lists") was under the scale bar, which Leaflet draws over every pane.
    page = browser_page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("load")
    page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive")
    page.wait_for_function("!document.querySelector('.leaflet-zoom-anim')")
    page.locator(".sm-gaps-map").evaluate("e => e.scrollIntoView({block: 'center'})")
    points = page.evaluate(_LOWEST_POINTS)
    assert len(points) == 22
    under = []
    for x, y in points:
        page.mouse.move(x, y)
        page.mouse.move(x + 1, y)  # a move within the area: the sticky tooltip follows it
        inside, covered = page.evaluate(_TOOLTIP_CLEAR)
        if not inside or covered:
            under.append((page.locator(".leaflet-tooltip").inner_text().splitlines()[0], inside, covered))
    assert under == []


@pytest.mark.parametrize(("path", "level"), [("/gaps/", "the Wales level"), ("/cy/gaps/", "lefel Cymru"),
                                             ("/gaps/?view=health_board", "the Wales level")])
def test_a_screen_reader_hears_each_key_class_and_its_count_apart(live_server, browser_page, path, level):
    # The count sits on a line of its own, but a screen reader reading the item as one (VoiceOver's
    # swipe, a list read in full) ran the two together: "less than half the Wales level 3 local
    # authorities", as if "level 3". What the accessibility tree gives for each entry, as read aloud:
    page = browser_page
    page.goto(f"{live_server.url}{path}")
    key = page.get_by_role("list", name=page.locator("#legend-heading").inner_text())
    expect(key.get_by_role("listitem")).to_have_count(7 if "view=" in path else 6)
    read = []
    for item in key.get_by_role("listitem").all():
        # Each entry's text as the tree gives it ("- listitem: …", or its parts line by line), joined.
        lines = item.aria_snapshot().splitlines()
        parts = [re.sub(r"^- (listitem|strong|text|emphasis)\b:? ?", "", line.strip()) for line in lines]
        read.append(" ".join(part for part in parts if part))
    assert sum(level in line for line in read) >= 5, read
    for line in read:
        if "Thick line" in line or "Llinell drwchus" in line:
            continue  # the regions' edges: no count
        # The label and its count as two phrases: "…the Wales level: 3 local authorities".
        assert re.search(r"[):a-z] ?: (\d|none|dim)", line, re.I), line
