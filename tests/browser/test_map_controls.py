"""A map's markers are fitted clear of Leaflet's controls over its corners (directory/maps.py,
CLEAR_OF_CONTROLS), in Debian's chromium."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

# Each result's marker that overlaps the zoom buttons, the scale bar or
# the attribution, with the control it is under.
UNDER_CONTROLS = """() => {
    const map = document.querySelector(".leaflet-container");
    const controls = [...map.querySelectorAll(".leaflet-control")];
    const markers = [...map.querySelectorAll(".leaflet-marker-icon")].map(marker => [marker, marker.getBoundingClientRect()]);
    const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    return markers.flatMap(([marker, box]) => controls
        .filter(control => overlap(box, control.getBoundingClientRect()))
        .map(control => [marker.getAttribute("title") || marker.outerHTML.slice(0, 80), control.className]));
}"""
# Each marker's name (its tooltip, opened by focusing the marker as Tab does) that runs past the map's
# left or right edge, where the map cuts it off.
NAMES_CUT_OFF = """() => {
    const map = document.querySelector(".leaflet-container").getBoundingClientRect(), out = [];
    for (const marker of document.querySelectorAll(".leaflet-container .leaflet-marker-icon")) {
        marker.focus();
        const box = document.getElementById(marker.getAttribute("aria-describedby")).getBoundingClientRect();
        if (box.left < map.left - 0.5 || box.right > map.right + 0.5) out.push(marker.textContent.trim());
    }
    return out;
}"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("la", ["W06000015", "W06000018", "W06000022"], ids=["Cardiff", "Caerphilly", "Newport"])
def test_no_service_on_the_search_map_is_hidden_under_its_buttons_scale_or_attribution(
        live_server, directory_data, browser, viewport, la):
    # On a phone, with 16 px all round, a service near the edge of the map was drawn under the zoom
    # buttons or the scale bar, out of sight and out of reach of a finger.
    context = browser.new_context(viewport=viewport, has_touch=viewport is PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/search/?la={la}&view=map")
    page.wait_for_selector(".leaflet-marker-icon")
    assert page.locator(".leaflet-marker-icon").count() > 10
    assert page.evaluate(UNDER_CONTROLS) == []
    # On a phone a long name ran off the map, one line wide ("…and the Vale children's ISVA service").
    assert page.evaluate(NAMES_CUT_OFF) == []
    context.close()
