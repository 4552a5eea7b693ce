"""With JavaScript turned off (a locked-down work phone, a script that failed on a slow network),
on a 320 px phone: no map can draw, so none may leave an empty box, and what it shows is in words.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import new_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("directory_data")]

PHONE_320 = {"width": 320, "height": 640}
POWYS = "W06000023"


@pytest.fixture(scope="module")
def service_with_a_map():
    from directory.models import Service

    return Service.objects.published().filter(coverage_areas__code=POWYS).order_by("name")[0]


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_search_map_without_javascript_is_the_list_of_places_not_an_empty_box(browser, live_server, language):
    page = new_page(browser, PHONE_320, java_script_enabled=False)
    try:
        prefix = "/cy" if language == "cy" else ""
        assert page.goto(f"{live_server.url}{prefix}/search/?la={POWYS}&view=map").status == 200

        assert page.locator(".sm-map").count() == 1 and page.locator(".sm-map").is_hidden()
        assert page.locator(".sm-map-note").is_hidden()  # its key is about shapes on a map not drawn
        places = page.locator(".sm-map-places")
        assert places.is_visible()
        links = places.locator("a")
        assert links.count() > 1
        heading = {"en": "Takes referrals from the area", "cy": "Yn derbyn atgyfeiriadau o'r ardal"}[language]
        assert places.get_by_role("heading", name=heading).is_visible()
        name = links.first.inner_text()
        links.first.click()
        # The click returns once the service page has started: its heading is read as it comes.
        expect(page).to_have_url(re.compile(r"/services/[0-9a-f-]{36}/$"))
        expect(page.locator("h1")).to_have_text(name)
        # "Back to search" goes back to this search, not an empty form, though no script kept it:
        # the browser named the results page it came from (back_to_search.py).
        back = page.get_by_role("link", name={"en": "Back to search", "cy": "Yn ôl i'r chwiliad"}[language])
        back.focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{live_server.url}{prefix}/search/?la={POWYS}&view=map")
    finally:
        page.context.close()


def test_the_search_map_with_javascript_still_draws_with_its_key_and_the_list_beneath(browser, live_server):
    page = new_page(browser, PHONE_320)
    try:
        page.goto(f"{live_server.url}/search/?la={POWYS}&view=map")
        page.locator(".sm-map .leaflet-marker-icon").first.wait_for()
        assert page.locator(".sm-map").is_visible() and page.locator(".sm-map-note").is_visible()
        assert page.locator(".sm-map-places").is_visible()
    finally:
        page.context.close()


def test_a_service_page_without_javascript_names_its_areas_and_shows_no_empty_map(browser, live_server,
                                                                                  service_with_a_map):
    page = new_page(browser, PHONE_320, java_script_enabled=False)
    try:
        page.goto(f"{live_server.url}/services/{service_with_a_map.public_id}/")
        assert page.locator(".sm-map").count() == 1 and page.locator(".sm-map").is_hidden()
        assert page.locator(".sm-map-note").is_hidden()
        areas = page.get_by_role("heading", name="Where it takes referrals from").locator("xpath=following-sibling::p[1]")
        assert "Powys" in areas.inner_text()
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_gaps_page_without_javascript_gives_the_table_and_no_empty_map(browser, live_server, language):
    page = new_page(browser, PHONE_320, java_script_enabled=False)
    try:
        prefix = "/cy" if language == "cy" else ""
        page.goto(f"{live_server.url}{prefix}/gaps/")
        assert page.locator(".sm-gaps-map").count() == 1 and page.locator(".sm-gaps-map").is_hidden()
        assert page.locator("a[href='#gaps-table']").is_hidden()  # "Skip to the table": nothing to skip
        tap = {"en": "Hover over or tap an area", "cy": "Hofranwch dros ardal"}[language]
        assert page.get_by_text(re.compile(tap)).count() == 1 and page.get_by_text(re.compile(tap)).is_hidden()
        assert page.locator("#gaps-table tbody tr").count() == 22
        assert page.locator("#gaps-table").is_visible()
    finally:
        page.context.close()


@pytest.mark.parametrize("shared", [False, True])
def test_a_shortlist_without_javascript_offers_no_print_button_that_does_nothing(browser, live_server, shared):
    """The button prints by script alone, so it starts hidden; GOV.UK's .govuk-button display outranked
    the hidden attribute, and without script it showed and did nothing when pressed."""
    from directory.models import Service

    ids = ",".join(str(s.public_id) for s in Service.objects.published().order_by("name")[:2])
    for script, shown in ((False, False), (True, True)):
        page = new_page(browser, PHONE_320, java_script_enabled=script)
        try:
            page.goto(f"{live_server.url}/shortlist/?ids={ids}")
            if not shared:  # the shared list added to this browser's own
                page.get_by_role("button", name="Add these to my shortlist").click()
                expect(page.get_by_role("heading", name="Referral options", level=1)).to_be_visible()
            button = page.get_by_role("button", name="Print referral pack")
            if shown:
                expect(button).to_be_visible()
            else:
                expect(button).to_be_hidden()
        finally:
            page.context.close()
