"""A map's markers are fitted clear of Leaflet's controls over its corners (directory/maps.py,
CLEAR_OF_CONTROLS), in Debian's chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

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


# The Tab stops inside the page's first map, from the map itself on: each one's class and name.
MAP_TAB_STOPS = """async () => {
    const map = document.querySelector(".leaflet-container");
    map.focus();
    return [...map.querySelectorAll("a[href], button, [tabindex]")]
        .filter(el => el.tabIndex >= 0 && !el.closest("[hidden], .leaflet-popup-pane"))
        .map(el => [el.className.split(" ")[0], el.getAttribute("aria-label") || el.textContent.trim()]);
}"""


@pytest.mark.parametrize(("prefix", "zoom_in", "zoom_out"), [("", "Zoom in", "Zoom out"),
                                                             ("/cy", "Chwyddo i mewn", "Chwyddo allan")])
@pytest.mark.parametrize("path", ["/search/?la=W06000023&view=map", "/services/{service}/", "/gaps/"])
def test_a_maps_tab_stops_are_its_named_zoom_buttons_not_the_leaflet_credit(
        live_server, directory_data, browser, path, prefix, zoom_in, zoom_out):
    # Leaflet's corner credit "Leaflet" (a link to leafletjs.com) was a Tab stop in every map, after the
    # zoom buttons: a keyboard user went through it on the way out of each map. It is still there, to
    # click and for a screen reader reading the page, but Tab passes it; the buttons keep their stops.
    from directory.models import Service

    service = Service.objects.published().order_by("name").first()
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.goto(f"{live_server.url}{prefix}{path.format(service=service.public_id)}")
    credit = page.locator('.leaflet-control-attribution a[href="https://leafletjs.com"]')
    expect(credit).to_have_attribute("tabindex", "-1")
    expect(credit).to_be_visible()
    stops = page.evaluate(MAP_TAB_STOPS)
    assert [name for _kind, name in stops if _kind.startswith("leaflet-control-zoom")] == [zoom_in, zoom_out]
    assert [kind for kind, _name in stops if not kind.startswith(("leaflet-control-zoom", "leaflet-marker"))] == []
    # And Tab from the zoom out button leaves the map.
    page.get_by_role("button", name=zoom_out, exact=True).focus()
    page.keyboard.press("Tab")
    assert page.evaluate("!document.activeElement.closest('.leaflet-container')")
    page.context.close()
