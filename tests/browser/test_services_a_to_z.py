"""Services A to Z: the "Filter this list" box filters the page in the browser, under the site's
Content-Security-Policy, says how many it shows, and sends nothing; without JavaScript it is hidden
and the letters still work."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser]


def test_the_filter_box_filters_this_page_in_the_browser_and_sends_nothing(live_server, directory_data, browser):
    from playwright.sync_api import expect

    page = browser.new_context(viewport=PHONE).new_page()  # CSP enforced: the script must be allowed
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/services/?letter=c")
    items = page.locator("#az-list > li")
    total = items.count()
    assert total > 3
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url))

    box = page.get_by_label("Filter this list")
    expect(box).to_be_visible()
    box.fill("cardiff SIBLING")  # every word, any case
    expect(page.locator("#az-list > li:visible")).to_have_count(1)
    expect(page.locator("#az-list > li:visible h3")).to_have_text("Cardiff sibling support")
    expect(page.locator("#az-filter-status")).to_have_text(f"Showing 1 of {total} services on this page.")

    box.fill("no such service")
    expect(page.locator("#az-list > li:visible")).to_have_count(0)
    expect(page.locator("#az-filter-status")).to_contain_text("No service on this page matches")
    box.press("Enter")  # nothing to submit: the page stays
    box.fill("")
    expect(items.filter(visible=True)).to_have_count(total)
    assert sent == [] and errors == []
    assert page.url == f"{live_server.url}/services/?letter=c"


def test_without_javascript_the_box_is_hidden_and_the_letters_work(live_server, directory_data, browser):
    from playwright.sync_api import expect

    page = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/cy/services/")
    expect(page.locator("#az-filter")).to_be_hidden()
    page.get_by_role("navigation", name="Gwasanaethau yn ôl y llythyren gyntaf").get_by_role("link", name="G", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/cy/services/?letter=g")
    expect(page.locator("h2#az-letter")).to_have_text("G")
    expect(page.locator("#az-list > li").first).to_be_visible()
