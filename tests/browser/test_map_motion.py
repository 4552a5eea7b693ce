"""The maps open on their final view, and move without animation for a reader who asks for reduced
motion (directory/map_motion.py, static/js/map-motion.js), in Debian's chromium."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

# Before any of the page's scripts: once Leaflet is loaded, each map it makes records, from its making
# on, every event that moves it (with whether the page had loaded yet) and each fit it is asked for.
WATCH = """(() => {
    let leaflet;
    window.smMoves = []; window.smFits = [];
    Object.defineProperty(window, "L", {configurable: true, get: () => leaflet, set: value => {
        leaflet = value;
        if (!value || !value.Map || value.Map.smWatched) { return; }
        value.Map.smWatched = true;
        value.Map.addInitHook(function () {
            const map = this, fit = map.fitBounds;
            window.smMap = map; map.smFit = fit;
            map.on("movestart zoomstart zoomanim moveend zoomend", e => {
                if (!map.smQuiet) { window.smMoves.push([e.type, window.smLoaded === true]); }
            });
            map.fitBounds = function (bounds, options) { window.smFits.push([bounds, options]); return fit.apply(this, arguments); };
        });
    }});
    window.addEventListener("load", () => { window.smLoaded = true; });
})();"""
# The map's view, and the view a fit to the same bounds gives (the map put back where it was, unrecorded).
VIEWS = """() => {
    const map = window.smMap, [bounds, options] = window.smFits[window.smFits.length - 1];
    map.smQuiet = true;
    const view = () => [map.getZoom(), map.getCenter().lat.toFixed(6), map.getCenter().lng.toFixed(6)];
    const shown = view();
    map.smFit(bounds, Object.assign({}, options, {animate: false}));
    const fitted = view();
    map.setView([shown[1], shown[2]], shown[0], {animate: false});
    map.smQuiet = false;
    return [shown, fitted];
}"""
FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"


def _service_page(page, live_server) -> str:
    page.goto(f"{live_server.url}/search/?la=W06000023&age=9&view=map")
    return page.locator(".sm-map-places a").first.get_attribute("href")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
@pytest.mark.parametrize("path", ["/search/?la=W06000023&age=9&view=map", "service", "/gaps/",
                                  "/cy/gaps/?view=health_board"])
def test_each_map_shows_its_fitted_view_when_the_page_has_loaded_and_does_not_move_after(
        live_server, directory_data, browser, path, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    if path == "service":
        path = _service_page(page, live_server)
        assert re.fullmatch(r"/services/[0-9a-f-]+/", path)
    page.add_init_script(WATCH)
    page.goto(f"{live_server.url}{path}")  # returns once the page has loaded

    shown, fitted = page.evaluate(VIEWS)
    assert page.evaluate("window.smFits.length") == 1 and shown == fitted
    page.evaluate(FRAMES)  # an animated fit starts on the next frame
    moves = page.evaluate("window.smMoves")
    # The fit moved the map while its script ran, before the page had loaded, and nothing moves it since.
    assert moves and ["moveend", False] in moves
    assert [move for move in moves if move[1] or move[0] == "zoomanim"] == []
    context.close()


ZOOM_IN = """() => {
    const map = window.smMap, before = map.getZoom(), moves = window.smMoves.length;
    document.querySelector(".leaflet-control-zoom-in").click();
    return [before, map.getZoom(), window.smMoves.slice(moves).map(move => move[0])];
}"""
PAN = """() => {
    const map = window.smMap, moves = window.smMoves.length;
    map.panBy([80, 40]);
    return window.smMoves.slice(moves).map(move => move[0]);
}"""


@pytest.mark.parametrize("path", ["/search/?la=W06000023&age=9&view=map", "/gaps/?view=safeguarding_region"])
def test_with_reduced_motion_asked_for_a_map_zooms_and_pans_at_once(live_server, directory_data, browser, path):
    for motion in ("no-preference", "reduce"):
        context = browser.new_context(viewport=DESKTOP, reduced_motion=motion)
        page = context.new_page()
        page.add_init_script(WATCH)
        page.goto(f"{live_server.url}{path}")
        before, after, zoom_moves = page.evaluate(ZOOM_IN)
        pan_moves = page.evaluate(PAN)
        if motion == "reduce":
            # Done by the time the click and the pan return: no frame was waited for.
            assert after > before and "zoomanim" not in zoom_moves and zoom_moves[-1] == "moveend"
            assert pan_moves == ["movestart", "moveend"]
        else:  # Leaflet's animations, as before: a zoom in flight, a pan that ends frames later
            assert after == before and zoom_moves == []
            assert pan_moves == ["movestart"]
            page.wait_for_function("() => window.smMoves.some(move => move[0] === 'zoomanim')")
        context.close()
