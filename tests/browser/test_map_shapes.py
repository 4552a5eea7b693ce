"""The maps draw their areas from the shapes file (directory/boundaries.py), in Debian's chromium:
every area, each in its own colour, the file fetched once and then taken from the browser's cache."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, new_page

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


def test_a_services_sites_stay_above_its_areas_drawn_later_from_the_file(live_server, directory_data, browser):
    """The areas come from the file after the page has drawn the service's sites, and went on top of
    them: the orange site the key shows was greyed under the areas' fills. Once drawn, the areas go
    beneath the sites, those it takes referrals from still above the backdrop of all Wales."""
    from directory.models import Service

    service = Service.objects.published().filter(
        coverage_areas__code="W06000023", service_at_locations__location__do_not_publish_address=False,
        service_at_locations__location__latitude__isnull=False).order_by("name").first()
    page = new_page(browser, DESKTOP)
    page.goto(f"{live_server.url}/services/{service.public_id}/")
    # The coverage layer is drawn after the backdrop, in the same callback that then orders them.
    page.wait_for_selector('.leaflet-overlay-pane path[fill="#1d70b8"]', state="attached")

    fills = page.locator(".leaflet-overlay-pane path").evaluate_all("paths => paths.map(p => p.getAttribute('fill'))")
    sites = [index for index, fill in enumerate(fills) if fill == "#f47738"]
    areas = [index for index, fill in enumerate(fills) if fill == "#1d70b8"]
    backdrop = [index for index, fill in enumerate(fills) if fill == "#ffffff"]
    assert sites and areas and backdrop, fills
    assert max(backdrop) < min(areas) and max(areas) < min(sites), fills  # drawn in this order: the last on top
    page.context.close()


# The gaps map (found as the tests above find it) and whether its labels have been placed for the view
# it shows now, with no zoom in flight: gaps/maps.py MapLabels places them on each map event and
# records the view it placed them for, so waiting on this needs no timer.
MAP = "Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k]).find(m => m instanceof L.Map)"
PLACED = f"""() => {{ const map = {MAP};
    return !map._animatingZoom && map.getContainer().smLabelsAt === [map.getZoom(), map.getCenter(), map.getSize()].join(' '); }}"""
# A label's text, its lines (a name may take two) read as words.
WORDS = "(e => [...e.childNodes].map(n => n.textContent).filter(Boolean).join(' '))"
# Every label: its class, text, whether it is shown, and its box.
LABELS = """() => [...document.querySelectorAll('.sm-map-label, .sm-region-label, .sm-area-label')].map(e => {
    const r = e.getBoundingClientRect();
    return [e.className, WORDS(e), getComputedStyle(e).visibility !== 'hidden', r.left, r.top, r.right, r.bottom];
})""".replace("WORDS", WORDS)


# Each "None" label's point (latitude, longitude).
NONE_POINTS = f"""() => {{ const map = {MAP}, points = new Map();
    map.eachLayer(l => {{ if (l instanceof L.Marker && l.getElement()) points.set(l.getElement().firstChild, l.getLatLng()); }});
    return [...document.querySelectorAll('.sm-map-label')].map(e => [points.get(e).lat, points.get(e).lng]); }}"""


def _labels_placed(page) -> list[list]:
    """The labels, once placed for the map's view (placing one view takes a few ms)."""
    page.wait_for_function(PLACED, timeout=10_000)
    return page.evaluate(LABELS)


def _named(label: str, regions) -> bool:
    """Whether a name on the map (without the kind of board: "Cwm Taf Morgannwg") is one region's."""
    return len([region for region in regions if label in region]) == 1


def _touching(labels: list[list]) -> list[tuple[str, str]]:
    """The pairs of shown labels that overlap or touch (closer than 1 px)."""
    shown = [label for label in labels if label[2]]
    return [(a[1], b[1]) for i, a in enumerate(shown) for b in shown[i + 1:]
            if a[3] < b[5] + 1 and b[3] < a[5] + 1 and a[4] < b[6] + 1 and b[4] < a[6] + 1]


@pytest.mark.parametrize("path", ["/gaps/?view=health_board&layer=intra_familial", "/cy/gaps/?view=safeguarding_region"])
def test_a_regional_view_draws_each_regions_edge_and_name_over_its_local_authorities(live_server, directory_data,
                                                                                     browser, path):
    page = new_page(browser, DESKTOP)
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector(".leaflet-sm-regions-pane path")

    regions = len(page.evaluate(TABLE))
    _labels_placed(page)
    edges = page.locator(".leaflet-sm-regions-pane path")
    assert edges.count() == 2 * regions  # a white casing and the line over it
    # The local authorities come from a file of their own, fetched beside the regions' and maybe later.
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(22)
    # The names shown cover neither each other nor a "None" label; each is one of the table's regions.
    shown = page.evaluate("""() => [...document.querySelectorAll('.sm-region-label, .sm-map-label')]
        .filter(e => getComputedStyle(e).visibility !== 'hidden')
        .map(e => { const r = e.getBoundingClientRect(); return [e.className, WORDS(e), r.left, r.top, r.right, r.bottom]; })""".replace("WORDS", WORDS))
    names = [s for s in shown if s[0] == "sm-region-label"]
    assert len(names) == regions and all(_named(s[1], page.evaluate(TABLE)) for s in names)
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
        before = page.evaluate(f"() => {MAP}.getZoom()")
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_function(f"() => {MAP}.getZoom() > {before}")  # Leaflet starts a zoom on the next frame
        _labels_placed(page)
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


@pytest.mark.parametrize(("path", "viewport"), [
    ("/gaps/?layer=sibling", DESKTOP),
    ("/gaps/?layer=sibling&view=health_board", DESKTOP),
    ("/cy/gaps/?layer=sibling&view=safeguarding_region", PHONE),
])
def test_the_gaps_maps_labels_never_touch_and_those_hidden_are_shown_two_levels_in(live_server, directory_data,
                                                                                  browser, path, viewport):
    """With no sibling provision in most of the south-east, its nine "None" labels overlapped at the
    opening zoom. Each label now takes a place only where it touches none placed before it (the larger
    areas' first, then the regions' names), and is hidden at that zoom otherwise."""
    # Not new_page: the page's own Content-Security-Policy applies, so the placing runs as served.
    page = browser.new_context(viewport=viewport).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}{path}")  # returns once the page has loaded

    # Placed for the opening view by then: an animated fit to Wales still ran after the page had loaded.
    assert page.evaluate(PLACED)
    labels = _labels_placed(page)
    assert _touching(labels) == []
    nones = [label for label in labels if label[0] == "sm-map-label"]
    hidden = [i for i, label in enumerate(nones) if not label[2]]
    # The areas are drawn once their shapes file comes, which the page's load does not wait for.
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(22)
    assert len(nones) == len(page.locator('.leaflet-overlay-pane path[fill="url(#sm-no-provision)"]').all()) > 9
    # The crowded south-east's, only (in a regional view some give way to its regions' names).
    points = page.evaluate(NONE_POINTS)
    assert hidden and all(points[i][0] < 51.85 and points[i][1] > -4.1 for i in hidden), [points[i] for i in hidden]
    if "view=" in path:
        assert any(label[2] for label in labels if label[0] == "sm-region-label")
    # Placed again now, nothing moves: the automatic placing had already caught up with the page.
    page.evaluate("() => document.querySelector('.folium-map').smPlaceLabels()")
    assert page.evaluate(LABELS) == labels

    # Two levels in, centred on each label hidden at the opening zoom: it is shown, and still nothing touches.
    opening = page.evaluate(f"() => {MAP}.getZoom()")
    for i in hidden:
        page.evaluate(f"""i => {{ const map = {MAP}, label = document.querySelectorAll('.sm-map-label')[i];
            let point; map.eachLayer(l => {{ if (l.getElement && l.getElement() && l.getElement().firstChild === label) point = l.getLatLng(); }});
            map.setView(point, {opening} + 2); }}""", i)
        page.wait_for_function(f"() => {MAP}.getZoom() === {opening + 2}")  # Leaflet starts a zoom on the next frame
        labels = _labels_placed(page)
        assert [label for label in labels if label[0] == "sm-map-label"][i][2], i
        assert _touching(labels) == []
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 375, "height": 812}])
@pytest.mark.parametrize("path", [
    "/gaps/?view=health_board",
    "/cy/gaps/?view=safeguarding_region",
    "/gaps/?view=safeguarding_region&layer=sibling",
    "/cy/gaps/?view=health_board&layer=sibling",
])
def test_every_regions_name_is_on_the_map_at_its_opening_zoom_and_touches_no_other_label(
        live_server, directory_data, browser, path, viewport):
    """The south-east's four regions share a few centimetres at the opening zoom, and Cwm Taf Morgannwg's
    name (on a phone Cardiff and Vale's too, and with "None" labels most of the south-east's) was hidden:
    its full name, wrapped, was wider than the room its neighbours' names left. A name now leaves out the
    kind of board, takes one line or two, tries more points inside its region, and a "None" gives way to
    it (the hatching still marks that area)."""
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector(".leaflet-overlay-pane path")

    labels = _labels_placed(page)
    regions = page.evaluate(TABLE)
    names = [label for label in labels if label[0] == "sm-region-label"]
    assert [label[1] for label in names if not label[2]] == []
    assert len(names) == len(regions) and all(_named(label[1], regions) for label in names)
    assert {next(region for region in regions if label[1] in region) for label in names} == set(regions)
    assert _touching(labels) == []
    if "sibling" in path:  # some "None"s gave way, and every area with none is still hatched
        nones = [label for label in labels if label[0] == "sm-map-label"]
        hatched = page.locator('.leaflet-overlay-pane path[fill="url(#sm-no-provision)"]')
        assert any(label[2] for label in nones) and len(nones) == hatched.count() > 9
    page.context.close()


# Each local authority's name on the map: its words, and its point (latitude, longitude).
AREA_NAMES = f"""() => {{ const map = {MAP}, points = new Map();
    map.eachLayer(l => {{ if (l instanceof L.Marker && l.getElement()) points.set(l.getElement().firstChild, l.getLatLng()); }});
    return [...document.querySelectorAll('.sm-area-label')].map(e => [WORDS(e), getComputedStyle(e).visibility !== 'hidden',
                                                                   points.get(e).lat, points.get(e).lng]); }}""".replace("WORDS", WORDS)


# Leaflet ends a zoom on a 250 ms timer, not when its markers' CSS transitions end: on a busy machine they
# were still moving when the labels were placed. Made to last 2 s here, so that they always are.
SLOW_MARKERS = "() => document.querySelectorAll('.leaflet-marker-icon').forEach(e => { e.style.transitionDuration = '2s'; })"
# Zoomed in at once (no animation: Leaflet then ends the zoom, and the labels are placed, before it
# returns) on each point: whether that area's name is shown there, and every label.
ZOOM_ON = f"""([points, zoom]) => points.map(([name, lat, lng]) => {{ const map = {MAP};
    map.setView([lat, lng], zoom, {{animate: false}});
    const placed = map.getContainer().smLabelsAt === [map.getZoom(), map.getCenter(), map.getSize()].join(' ');
    const shown = [...document.querySelectorAll('.sm-area-label')].some(e => WORDS(e) === name && e.style.visibility !== 'hidden');
    return [name, placed && shown, (LABELS)()]; }})""".replace("WORDS", WORDS).replace("LABELS", LABELS)


@pytest.mark.parametrize(("path", "viewport", "shown_at_least"), [
    ("/gaps/", DESKTOP, 20),
    ("/cy/gaps/?layer=sibling", PHONE, 10),  # Welsh names, the most "None"s, the narrowest map
])
def test_the_local_authority_map_names_its_areas_touching_no_label_and_those_hidden_show_two_levels_in(
        live_server, directory_data, browser, path, viewport, shown_at_least):
    """The map by local authority named no area: on paper or in a screenshot, a reader could not tell which
    shape was which. Each local authority's name is on the map, in the page's language, where it touches
    no other label; it gives way to a "None" (the hatching and the "None" are the map's own news), and one
    with no room at the opening zoom is shown zoomed in. One page load: the zooms are made at once."""
    page = browser.new_context(viewport=viewport).new_page()  # the page's own CSP applies
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}{path}")
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(22)

    labels = _labels_placed(page)
    assert _touching(labels) == []
    names = page.evaluate(AREA_NAMES)
    table = page.evaluate(TABLE)
    assert sorted(name[0] for name in names) == sorted(table)  # the table's names, in its language
    assert len([name for name in names if name[1]]) >= shown_at_least, names
    hidden = [[name[0], name[2], name[3]] for name in names if not name[1]]
    assert hidden

    # Two levels in, animated, with the markers still moving when the zoom ends: the labels are placed
    # where the markers come to rest, so once they have, nothing touches (one far outside the map's frame
    # was found touching a "None", and 11 labels touched on a slowed CPU).
    opening, centre = page.evaluate(f"() => [{MAP}.getZoom(), {MAP}.getCenter()]")
    page.evaluate(SLOW_MARKERS)
    # In braces: an arrow returning the map had Playwright copy all of Leaflet's objects back, seconds a call.
    page.evaluate(f"([lat, lng]) => {{ {MAP}.setView([lat, lng], {opening} + 2); }}", hidden[0][1:])
    page.wait_for_function(f"() => {MAP}.getZoom() === {opening + 2}")  # Leaflet starts a zoom on the next frame
    _labels_placed(page)
    page.wait_for_function("() => document.querySelector('.leaflet-marker-pane').getAnimations({subtree: true}).length === 0")
    assert _touching(page.evaluate(LABELS)) == []

    # Centred on each name hidden at the opening zoom, two levels in: it is shown, and nothing touches.
    for name, shown, labels in page.evaluate(ZOOM_ON, [hidden, opening + 2]):
        assert shown, name
        assert _touching(labels) == [], name

    # Back at the opening view, every "None" shown is shown without the names too: a name never covers one.
    page.evaluate(f"centre => {{ {MAP}.setView(centre, {opening}, {{animate: false}}); }}", centre)
    nones = [label for label in _labels_placed(page) if label[0] == "sm-map-label"]
    page.evaluate("() => document.querySelectorAll('.sm-area-label').forEach(e => e.parentNode.remove())")
    page.evaluate("() => document.querySelector('.folium-map').smPlaceLabels()")
    alone = [label for label in page.evaluate(LABELS) if label[0] == "sm-map-label"]
    assert [label[2] for label in nones] == [label[2] for label in alone]
    assert errors == []
    page.context.close()
