"""A 320 px phone with its text set to 200% (Android's font size; WCAG 1.4.4): nothing scrolls sideways.

Chromium's own text size (CDP `Page.setFontSizes`, as the browser's setting does) is changed, not the
page zoom: GOV.UK Frontend sizes text in rem, and media queries in em follow it.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import new_page
from tests.browser.test_accessibility import TOO_WIDE

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("directory_data")]

PHONE_320 = {"width": 320, "height": 640}
POWYS = "W06000023"


def _phone(browser, text_size: int):
    page = new_page(browser, PHONE_320)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": text_size, "fixed": round(text_size * 13 / 16)}})
    return page


@pytest.fixture(scope="module")
def service():
    from directory.models import Service

    return Service.objects.published().filter(coverage_areas__code=POWYS, waiting_times__isnull=False).order_by("name")[0]


@pytest.mark.parametrize("language", ["en", "cy"])
def test_with_200_percent_text_no_page_scrolls_sideways_on_a_320_px_phone(browser, live_server, service, language):
    page = _phone(browser, 32)
    try:
        prefix = "/cy" if language == "cy" else ""
        too_wide = {}
        for path in (f"/search/?la={POWYS}&abuse_form=intra_familial", f"/services/{service.public_id}/",
                     f"/shortlist/?ids={service.public_id}", "/"):
            assert page.goto(live_server.url + prefix + path).status == 200
            assert page.evaluate("getComputedStyle(document.body).fontSize") == "32px", "the text is not at 200%"
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                too_wide[path] = (overflow, page.evaluate(TOO_WIDE))
        assert not too_wide, f"sideways scrolling at 320 px with 200% text: {too_wide}"
        # The waits table, wider than the screen, scrolls in a box of its own that the keyboard can reach.
        page.goto(f"{live_server.url}{prefix}/services/{service.public_id}/")
        box = page.locator(".sm-table-wrap:has(table)").first
        assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
    finally:
        page.context.close()


def test_with_the_usual_text_size_a_cards_labels_stay_beside_their_values_at_320_px(browser, live_server):
    page = _phone(browser, 16)
    try:
        page.goto(f"{live_server.url}/search/?la={POWYS}")
        row = page.locator(".sm-result .govuk-summary-list__row").first
        key, value = row.locator("dt").bounding_box(), row.locator("dd").bounding_box()
        assert value["x"] > key["x"] + key["width"] and abs(value["y"] - key["y"]) < 10
    finally:
        page.context.close()
