"""The maps draw their areas from the shapes file (directory/boundaries.py), in Debian's chromium:
every area, each in its own colour, the file fetched once and then taken from the browser's cache."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, new_page

pytestmark = pytest.mark.browser

# Each drawn area's name (its tooltip's) and fill, read from the map's layers (not the regions' edges).
DRAWN = """() => {
    const map = Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k]).find(m => m instanceof L.Map);
    const out = [];
    map.eachLayer(l => { if (l.feature && l.getElement && l.options.pane !== 'sm-regions') out.push([l.feature.properties, l.getElement().getAttribute('fill')]); });
    return out;
}"""
# The table's rows: name (as the page shows it) → the swatch's colour, or the hatch.
TABLE = """() => Object.fromEntries([...document.querySelectorAll('#gaps-table tbody tr')].map(tr => {
    const th = tr.querySelector('th'), link = th.querySelector('a');
    const name = (link || th.firstChild).textContent.trim();
    const swatch = tr.querySelector('.sm-swatch');
    const fill = swatch.tagName === 'svg' ? 'url(#sm-no-provision)' : swatch.style.background;
    return [name, fill];
}))"""


def _hex(css: str) -> str:
    if css.startswith("url("):
        return css
    red, green, blue = (int(part) for part in css[css.index("(") + 1:-1].split(","))
    return f"#{red:02x}{green:02x}{blue:02x}"


def _shapes_requests(page) -> list[dict]:
    """Requests for the shapes file, and whether each came from the browser's cache (CDP)."""
    seen: list[dict] = []
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    by_id: dict[str, dict] = {}

    def sent(event):
        if "/maps/areas-" in event["request"]["url"]:
            by_id[event["requestId"]] = {"url": event["request"]["url"], "cached": False}
            seen.append(by_id[event["requestId"]])

    def received(event):
        if event["requestId"] in by_id and event["response"].get("fromDiskCache"):
            by_id[event["requestId"]]["cached"] = True

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.requestServedFromCache", lambda e: by_id.get(e["requestId"], {}).update(cached=True))
    cdp.on("Network.responseReceived", received)
    return seen


@pytest.mark.parametrize("path", [
    "/gaps/",
    "/gaps/?layer=intra_familial",
    "/cy/gaps/?layer=intra_familial&basis=capacity",
])
def test_the_gaps_map_draws_every_area_in_the_colour_its_row_has(live_server, directory_data, browser, path):
    page = new_page(browser, DESKTOP)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector(".leaflet-overlay-pane path")

    drawn = page.evaluate(DRAWN)
    table = page.evaluate(TABLE)
    assert len(drawn) == 22 and page.locator(".leaflet-overlay-pane path").count() == 22
    # The tooltip's first name is the page's language's, as the table's rows are named.
    assert {props["sm_name"]: fill for props, fill in drawn} == {area: _hex(fill) for area, fill in table.items()}
    # The tooltip reads the page's figures for the area under the pointer.
    page.locator(".leaflet-overlay-pane path").nth(10).hover(force=True)
    assert page.locator(".leaflet-tooltip").inner_text().strip() != ""
    assert failed == [] and page.evaluate("typeof window.jQuery") == "undefined"
    page.context.close()


def test_a_regional_view_colours_each_local_authority_as_its_region_unless_it_has_none(live_server, directory_data,
                                                                                     browser):
    page = new_page(browser, DESKTOP)
    page.goto(f"{live_server.url}/gaps/?layer=intra_familial&view=safeguarding_region")
    page.wait_for_selector(".leaflet-overlay-pane path")

    drawn = page.evaluate(DRAWN)
    regions = {area: _hex(fill) for area, fill in page.evaluate(TABLE).items()}
    assert len(drawn) == 22 and len(regions) == 6
    for props, fill in drawn:
        expected = "url(#sm-no-provision)" if props["sm_here"].startswith("none") else regions[props["sm_region"]]
        assert fill == expected, props["sm_name"]
    page.context.close()


def test_the_search_map_draws_its_areas_from_the_cached_file_and_opens_popups_without_jquery(
        live_server, directory_data, browser, tmp_path):
    page = new_page(browser, DESKTOP)
    shapes = _shapes_requests(page)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    search = f"{live_server.url}/search/?la=W06000023&age=9&view=map"
    page.goto(search)
    page.wait_for_selector(".leaflet-overlay-pane path")

    # All of Wales faintly behind, and the child's authority (Powys) outlined on top of it.
    drawn = page.evaluate(DRAWN)
    assert len(drawn) == 23 and drawn[-1][0]["lad_code"] == "W06000023"
    assert page.evaluate("typeof window.jQuery") == "undefined"
    pin = page.locator(".sm-pin-icon").first
    pin.focus()
    page.keyboard.press("Enter")
    link = page.locator(".leaflet-popup-content a")
    assert link.evaluate("a => a === document.activeElement")  # the popup's link takes the focus
    assert link.get_attribute("href").startswith("/services/")
    page.locator(".leaflet-container").screenshot(path=str(tmp_path / "search-map.png"))

    # A second map, of another kind: the shapes come from the browser's cache, not the network.
    page.goto(f"{live_server.url}/gaps/")
    page.wait_for_selector(".leaflet-overlay-pane path")
    assert page.locator(".leaflet-overlay-pane path").count() == 22
    assert len(shapes) == 2 and len({request["url"] for request in shapes}) == 1
    assert [request["cached"] for request in shapes] == [False, True]
    assert failed == []
    # Nor Leaflet's default marker images, for the moment before each pin is set: with hashed static
    # files their folder was guessed wrong, two 404 pages a map (directory/map_icons.py).
    assert [url for url in asked if "marker-" in url] == []
    page.context.close()


def _labels_settled(page) -> None:
    """Wait until the names' places stop changing: they are placed when the map is ready and again
    as it fits its areas and ends each zoom, so a first look can catch them half placed."""
    read = """() => JSON.stringify([...document.querySelectorAll('.sm-region-label, .sm-map-label')].map(e => {
        const r = e.getBoundingClientRect(); return [getComputedStyle(e).visibility, r.left, r.top]; }))"""
    before = page.evaluate(read)
    for _ in range(20):
        page.wait_for_timeout(250)
        now = page.evaluate(read)
        if now == before:
            return
        before = now
    raise AssertionError("the map's labels were still moving after 5 s")


@pytest.mark.parametrize("path", ["/gaps/?view=health_board&layer=intra_familial", "/cy/gaps/?view=safeguarding_region"])
def test_a_regional_view_draws_each_regions_edge_and_name_over_its_local_authorities(live_server, directory_data,
                                                                                     browser, path):
    page = new_page(browser, DESKTOP)
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector(".leaflet-sm-regions-pane path")

    regions = len(page.evaluate(TABLE))
    _labels_settled(page)
    # Placed once more as the map does after each zoom, now that nothing else moves: the timing of
    # the automatic placements against the page's own settling is not what this checks.
    page.evaluate("() => document.querySelector('.folium-map').smPlaceLabels()")
    edges = page.locator(".leaflet-sm-regions-pane path")
    assert edges.count() == 2 * regions  # a white casing and the line over it
    assert page.locator(".leaflet-overlay-pane path").count() == 22
    # The names shown cover neither each other nor a "None" label; each is one of the table's regions.
    shown = page.evaluate("""() => [...document.querySelectorAll('.sm-region-label, .sm-map-label')]
        .filter(e => getComputedStyle(e).visibility !== 'hidden')
        .map(e => { const r = e.getBoundingClientRect(); return [e.className, e.textContent, r.left, r.top, r.right, r.bottom]; })""")
    names = [s for s in shown if s[0] == "sm-region-label"]
    assert len(names) >= regions - 2 and {s[1] for s in names} <= set(page.evaluate(TABLE))
    for i, a in enumerate(shown):
        for b in shown[i + 1:]:
            if "sm-region-label" in (a[0], b[0]):
                assert not (a[2] < b[4] and b[2] < a[4] and a[3] < b[5] and b[3] < a[5]), (a[1], b[1])
    # The edges let the pointer through: a local authority under one keeps its tooltip.
    page.locator(".leaflet-overlay-pane path").nth(10).hover(force=True)
    assert page.locator(".leaflet-tooltip").inner_text().strip() != ""
    # Zoomed in three steps, every region has room for its name (at two, Cwm Taf Morgannwg's, between
    # three "None" labels in the valleys, can still have none).
    for _step in range(3):
        page.locator(".leaflet-control-zoom-in").click()
        _labels_settled(page)
    assert page.locator(".sm-region-label").count() == regions
    assert page.evaluate("""() => [...document.querySelectorAll('.sm-region-label')]
        .every(e => getComputedStyle(e).visibility !== 'hidden')""")
    page.context.close()


def test_the_local_authority_view_draws_no_regions(live_server, directory_data, browser):
    page = new_page(browser, DESKTOP)
    page.goto(f"{live_server.url}/gaps/")
    page.wait_for_selector(".leaflet-overlay-pane path")
    assert page.locator(".leaflet-sm-regions-pane").count() == 0 and page.locator(".sm-region-label").count() == 0
    page.context.close()
