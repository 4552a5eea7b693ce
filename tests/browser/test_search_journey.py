"""A social worker's journey in Debian's chromium: search, shortlist a service, print the pack."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from tests.browser.conftest import DESKTOP

# Each test reads the directory below, loaded once for the module, through the live server.
pytestmark = pytest.mark.usefixtures("directory_data")


@pytest.fixture(scope="module")
def directory_data(django_db_setup, django_db_blocker):
    """The real areas, one Cardiff postcode and the fictional sample directory, loaded and committed
    once for the module (the sample takes seconds) and emptied when it ends: no test here changes
    what it reads (a shortlist is kept in the browser's session)."""
    from directory.models import PostcodeDistrict
    from tests.conftest import load_sample_data
    from tests.database_snapshot import loaded
    from tests.factories import PostcodeFactory

    with django_db_blocker.unblock():
        loaded("sample directory", load_sample_data)  # a copy when this process has loaded it before
        PostcodeFactory(postcode="CF10 1EP", latitude=51.4816, longitude=-3.1791, lad_code="W06000015")
        # A full postcode is searched from its sector (directory/postcode_privacy.py).
        PostcodeDistrict.objects.create(prefix="CF10 1", latitude=51.4797, longitude=-3.1781, lad_code="W06000015")
        yield
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=DESKTOP)
    yield context
    context.close()


@pytest.mark.browser
def test_a_social_worker_searches_shortlists_a_service_and_prints_the_pack(live_server, context):
    from playwright.sync_api import expect

    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/search/")
    page.get_by_label("Postcode").fill("cf10 1ep")
    page.get_by_label("Child's age").fill("9")
    page.get_by_label("Intra-familial abuse").check()
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name=re.compile(r"\d+ services? found"))).to_be_visible()
    assert "abuse_form=intra_familial" in page.url and "age=9" in page.url
    assert "la=" not in page.url  # empty fields stay out of a shareable link
    page.wait_for_load_state()  # the results whole, not as far as the parser has gone
    first = page.locator("article.sm-result").first
    name = first.locator("h3").inner_text()
    first.get_by_role("button", name=re.compile("Add to shortlist")).click()

    banner = page.get_by_text(f"{name} is on your shortlist.")
    expect(banner).to_be_visible()
    assert "age=9" in page.url  # back on the same search
    page.emulate_media(media="print")
    expect(banner).to_be_hidden()  # a printed page or pack carries no passing message
    page.emulate_media(media="screen")
    expect(page.get_by_role("link", name="Shortlist (1)")).to_be_visible()

    page.get_by_role("link", name="Map", exact=True).click()
    expect(page.locator(".leaflet-container")).to_be_visible()
    expect(page.locator("path.leaflet-interactive").first).to_be_attached()

    page.get_by_role("link", name="Shortlist (1)").click()
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_text("Printed from servicemap on")).to_be_visible()
    expect(page.get_by_text(re.compile(r"as of \d+ \w+"))).to_be_visible()
    expect(page.locator("header.sm-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print referral pack")).to_be_hidden()
    expect(page.get_by_label("Link to share this list")).to_have_value(re.compile(r"/shortlist/\?ids=[0-9a-f-]{36}$"))

    assert errors == []


@pytest.mark.browser
def test_a_browser_without_url_search_params_size_still_searches(live_server, context):
    """URLSearchParams.size is from 2023: iOS 16 and older managed desktops lack it."""
    from playwright.sync_api import expect

    page = context.new_page()
    page.add_init_script("delete URLSearchParams.prototype.size")
    page.goto(f"{live_server.url}/search/")
    assert page.evaluate("new URLSearchParams('a=1').size") is None
    page.get_by_label("Postcode").fill("CF10 1EP")
    page.get_by_label("Child's age").fill("9")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name=re.compile(r"\d+ services? found"))).to_be_visible()
    assert page.url.endswith("/search/?postcode=CF10+1&age=9&sort=best&cut=1"), page.url


@pytest.mark.browser
def test_on_a_desktop_the_form_beside_the_results_is_a_few_keys_away(live_server, context):
    """The results come first in the page (on a phone, above the form); on a wide screen the form
    is drawn to their left, so a link at the top of the results leads to it."""
    page = context.new_page()
    page.goto(f"{live_server.url}/search/?postcode=CF10+1EP&age=9")

    presses = 0
    while page.evaluate("document.activeElement.getAttribute('href')") != "#search-form":
        presses += 1
        assert presses < 15, "the link to the form is not near the top of the page"
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.innerText") == "Change the search"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_postcode"


@pytest.mark.browser
def test_the_map_of_results_is_used_with_the_keyboard(live_server, context):
    """From the results' links, Tab reaches the link past the map, the map, then its results' markers (each named by its
    service and group; not the area outlines, unnamed); Enter opens a marker's popup with the
    focus on its link; Escape closes it and gives the focus back to the marker."""
    from playwright.sync_api import expect

    page = context.new_page()
    page.goto(f"{live_server.url}/search/?postcode=CF10+1EP&view=map")
    page.get_by_role("link", name="Nearest").focus()

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#map-places"
    page.keyboard.press("Tab")
    assert "folium-map" in page.evaluate("document.activeElement.className")  # Leaflet's arrow keys pan it
    page.keyboard.press("Tab")
    marker = page.evaluate("""(() => { const a = document.activeElement;
        return {role: a.getAttribute('role'), name: a.textContent, pin: !!a.querySelector('.sm-pin')}; })()""")
    assert marker["role"] == "button" and marker["pin"], marker
    assert re.search(r", (takes referrals from the area|near by, not covering it|all-Wales)", marker["name"])
    service_name = marker["name"].split(",")[0]

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.closest('.leaflet-popup') !== null")
    assert page.evaluate("document.activeElement.textContent") == service_name
    assert page.evaluate("document.activeElement.getAttribute('href')").startswith("/services/")
    assert page.locator(".leaflet-popup-close-button").get_attribute("aria-label") == "Close"

    page.keyboard.press("Escape")
    expect(page.locator(".leaflet-popup")).to_have_count(0)  # after Leaflet's fade
    assert page.evaluate("document.activeElement.textContent").startswith(service_name + ",")
