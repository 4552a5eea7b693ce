"""The shortlist's "Back to search" goes back to the search the list was built from, in the page's
language, even after services were removed on the shortlist (the browser's back button then no
longer reaches it). It went to an empty form: searches live only in their page's address."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PHONE

SEARCH = "la=W06000023&age=9&abuse_form=intra_familial"


def _wait_for_the_search_to_be_kept(page) -> None:
    """Until the search page's module script (deferred) has kept its query in the tab."""
    page.wait_for_function("sessionStorage.getItem('servicemap-last-search') !== null")


@pytest.mark.browser
def test_back_to_search_from_the_shortlist_returns_to_the_search_it_was_built_from(live_server, directory_data, browser):
    from playwright.sync_api import expect

    page = browser.new_context(viewport=PHONE).new_page()  # under the site's Content-Security-Policy
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/search/?{SEARCH}")
    _wait_for_the_search_to_be_kept(page)
    for _ in range(2):
        page.get_by_role("button", name=re.compile("^Add to shortlist")).first.click()
        page.wait_for_load_state("load")
    page.get_by_role("link", name=re.compile(r"^Shortlist \(2\)")).click()
    page.get_by_role("button", name=re.compile("^Remove from shortlist")).first.click()
    page.wait_for_load_state("load")

    back = page.get_by_role("link", name="Back to search")
    expect(back).to_have_attribute("href", f"/search/?{SEARCH}")
    back.click()
    expect(page).to_have_url(f"{live_server.url}/search/?{SEARCH}")
    expect(page.locator("input[name=age]")).to_have_value("9")

    page.goto(f"{live_server.url}/cy/shortlist/")  # in Welsh: the same search, in Welsh
    back = page.get_by_role("link", name="Yn ôl i'r chwiliad")
    expect(back).to_have_attribute("href", f"/cy/search/?{SEARCH}")
    back.click()
    expect(page).to_have_url(f"{live_server.url}/cy/search/?{SEARCH}")

    page.get_by_role("link", name="Clirio'r chwiliad").click()  # a cleared form is the last search now
    expect(page).to_have_url(f"{live_server.url}/cy/search/")
    # Until the cleared page's deferred module script has forgotten the search: going on before
    # it runs (a test is quicker than any person) would leave the old search kept.
    page.wait_for_function("sessionStorage.getItem('servicemap-last-search') === null")
    page.goto(f"{live_server.url}/shortlist/")
    page.get_by_role("link", name="Back to search").click()
    expect(page).to_have_url(f"{live_server.url}/search/")
    assert errors == []
    page.context.close()


@pytest.mark.browser
def test_back_to_search_from_a_service_page_returns_to_the_tabs_last_search(live_server, directory_data, browser):
    # The service page had no way back to the results but the browser's own back button.
    from playwright.sync_api import expect

    page = browser.new_context(viewport=PHONE).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/search/?{SEARCH}")
    _wait_for_the_search_to_be_kept(page)
    page.locator("h3.sm-result__title a").first.click()
    expect(page).to_have_url(re.compile(r"/services/[0-9a-f-]+/$"))
    service_path = page.url.removeprefix(live_server.url)
    back = page.get_by_role("link", name="Back to search")
    # The page's module script rewrites the link once it runs: a click before that (a test is
    # quicker than any person) would follow the fallback to the form.
    expect(back).to_have_attribute("href", f"/search/?{SEARCH}")
    back.click()
    expect(page).to_have_url(f"{live_server.url}/search/?{SEARCH}")

    page.goto(f"{live_server.url}/cy{service_path}")  # in Welsh: the same search, in Welsh
    back = page.get_by_role("link", name="Yn ôl i'r chwiliad")
    expect(back).to_have_attribute("href", f"/cy/search/?{SEARCH}")
    back.click()
    expect(page).to_have_url(f"{live_server.url}/cy/search/?{SEARCH}")
    assert errors == []
    page.context.close()

    # A tab that has made no search (a service page opened from a shared link) goes to the form.
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server.url}{service_path}")
    page.get_by_role("link", name="Back to search").click()
    expect(page).to_have_url(f"{live_server.url}/search/")
    page.context.close()


@pytest.mark.browser
def test_removing_the_last_service_leaves_a_way_back_to_the_search(live_server, directory_data, browser):
    # The empty shortlist offered only "Start a search", to an empty form: after removing the one
    # service on the list (the browser's back button reaches only the shortlist again), the search
    # the list was built from was lost.
    from playwright.sync_api import expect

    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server.url}/cy/search/?{SEARCH}")
    _wait_for_the_search_to_be_kept(page)
    page.get_by_role("button", name=re.compile("^Ychwanegu at y rhestr fer")).first.click()
    page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/cy/shortlist/")
    page.get_by_role("button", name=re.compile("^Tynnu o'r rhestr fer")).click()
    page.wait_for_load_state("load")
    expect(page.get_by_text("Mae eich rhestr fer yn wag", exact=False)).to_be_visible()
    back = page.get_by_role("link", name="Yn ôl i'r chwiliad")
    expect(back).to_have_attribute("href", f"/cy/search/?{SEARCH}")
    back.click()
    expect(page).to_have_url(f"{live_server.url}/cy/search/?{SEARCH}")
    expect(page.locator("input[name=age]")).to_have_value("9")
    page.context.close()


@pytest.mark.browser
def test_back_to_search_after_reporting_a_problem_returns_to_the_tabs_last_search(live_server, directory_data, browser):
    # The "Report sent" page's "Back to search" went to an empty form: the search the social worker
    # had reported a listing from was lost (the browser's back button reaches only the report form).
    from playwright.sync_api import expect

    page = browser.new_context(viewport=PHONE).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/search/?{SEARCH}")
    _wait_for_the_search_to_be_kept(page)
    page.locator("h3.sm-result__title a").first.click()
    page.get_by_role("link", name="Report a problem with this listing").click()
    page.get_by_role("radio", name="The waiting time is wrong").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", name="Report sent")).to_be_visible()
    sent_path = page.url.removeprefix(live_server.url)
    back = page.get_by_role("link", name="Back to search")
    expect(back).to_have_attribute("href", f"/search/?{SEARCH}")
    back.click()
    expect(page).to_have_url(f"{live_server.url}/search/?{SEARCH}")
    expect(page.locator("input[name=age]")).to_have_value("9")

    page.goto(f"{live_server.url}/cy{sent_path}")  # in Welsh: the same search, in Welsh
    expect(page.get_by_role("link", name="Yn ôl i'r chwiliad")).to_have_attribute("href", f"/cy/search/?{SEARCH}")
    assert errors == []
    page.context.close()


@pytest.mark.browser
def test_without_javascript_back_to_search_survives_adding_and_opening_from_the_shortlist(
    live_server, directory_data, browser,
):
    # Without script the link is built from the Referer, which after "Add to shortlist" (a POST and a
    # redirect back) names the service page itself, and on a page opened from the shortlist names the
    # shortlist: both went to an empty form. The page that saw the search hands it on in a cookie.
    from playwright.sync_api import expect

    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/search/?{SEARCH}")
    page.locator("h3.sm-result__title a").first.click()
    expect(page).to_have_url(re.compile(r"/services/[0-9a-f-]+/$"))
    service_url = page.url

    page.get_by_role("button", name=re.compile("^Add to shortlist")).click()
    expect(page.get_by_role("button", name=re.compile("^Remove from shortlist"))).to_be_visible()
    assert page.url.split("#")[0] == service_url  # the shareable address holds no search
    expect(page.get_by_role("link", name="Back to search")).to_have_attribute("href", f"/search/?{SEARCH}")

    page.get_by_role("link", name=re.compile(r"^Shortlist \(1\)")).click()
    expect(page).to_have_url(f"{live_server.url}/shortlist/")
    expect(page.get_by_role("link", name="Back to search")).to_have_attribute("href", f"/search/?{SEARCH}")
    page.locator("h2 a").first.click()
    expect(page).to_have_url(service_url)
    back = page.get_by_role("link", name="Back to search")
    expect(back).to_have_attribute("href", f"/search/?{SEARCH}")
    back.click()
    expect(page).to_have_url(f"{live_server.url}/search/?{SEARCH}")
    expect(page.locator("input[name=age]")).to_have_value("9")
    cookie = next(c for c in context.cookies() if c["name"] == "last_search")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] == -1  # gone with the browser
    context.close()
