"""With script on, a child's full postcode never leaves the browser: the search form cuts it to its
sector before it is sent (servicemap/static/js/search-form.js), keeps the unit's local authority
where the sector alone would not give it, and the page says what it did, in English and Welsh."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE, _load_postcodes

# A full postcode as it could appear in a request: any case, with or without space or its encoding.
CARDIFF_UNIT = re.compile(r"CF10(\+|%20|\s|-)*1EP", re.I)
HAY_UNIT = re.compile(r"HR3(\+|%20|\s|-)*5AA", re.I)


@pytest.fixture(scope="module")
def postcode_data(directory_data, django_db_blocker):
    """The real units and sectors of CF10 1 (Cardiff) and HR3 5 (Hay-on-Wye: 79% Powys, the rest England)."""
    with django_db_blocker.unblock():
        _load_postcodes(("CF10 1", "HR3 5"))


def _watched_page(browser, viewport: dict):
    # Not conftest's new_page: that one lifts the Content-Security-Policy, and the script must run under it.
    page = browser.new_context(viewport=viewport).new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url + "\n" + (request.post_data or "")))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return page, requests, errors


@pytest.mark.browser
def test_the_full_postcode_is_never_sent_and_the_page_says_it_searched_from_the_sector(
    live_server, postcode_data, browser
):
    from playwright.sync_api import expect

    page, requests, errors = _watched_page(browser, DESKTOP)
    page.goto(f"{live_server.url}/search/")
    page.get_by_label("Postcode").fill("cf10 1ep")
    page.get_by_label("Child's age").fill("9")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name=re.compile(r"\d+ services? found"))).to_be_visible()
    assert page.url == f"{live_server.url}/search/?postcode=CF10+1&age=9&sort=best&cut=1"
    expect(page.get_by_text("We searched from CF10 1, the first part of the postcode, so the child's full "
                            "postcode is not kept in the page address.")).to_be_visible()
    expect(page.get_by_label("Postcode")).to_have_value("CF10 1")
    assert [r for r in requests if CARDIFF_UNIT.search(r)] == []
    assert any("/search/postcode-units.json" in r for r in requests)  # the table, the same for everyone

    page.go_back()
    expect(page.get_by_label("Postcode")).to_have_value("cf10 1ep")  # as typed, for the back button
    assert errors == []
    page.context.close()


@pytest.mark.browser
def test_in_welsh_on_a_phone_a_border_postcode_keeps_its_welsh_authority(live_server, postcode_data, browser):
    from playwright.sync_api import expect

    page, requests, errors = _watched_page(browser, PHONE)
    page.goto(f"{live_server.url}/cy/search/")
    # A full postcode typed fetches the table of split sectors. The form waits for it 3 s at most,
    # then searches from the sector alone (no authority): on a loaded machine the table can be later.
    with page.expect_request_finished(lambda request: request.url.endswith("/search/postcode-units.json")):
        page.get_by_label("Cod post").fill("HR35AA")
    page.get_by_role("button", name="Chwilio").click()

    expect(page.get_by_role("heading", name=re.compile(r"\d+ gwasanaeth"))).to_be_visible()
    assert page.url == f"{live_server.url}/cy/search/?postcode=HR3+5&sort=best&la=W06000023&cut=1"
    expect(page.get_by_text("Fe wnaethom chwilio o HR3 5, rhan gyntaf y cod post")).to_be_visible()
    expect(page.get_by_text("Ar gyfer plentyn yn ardal Powys.")).to_be_visible()
    assert [r for r in requests if HAY_UNIT.search(r)] == []
    assert errors == []
    page.context.close()


@pytest.mark.browser
def test_a_chosen_authority_stands_and_what_is_not_a_full_postcode_is_sent_as_typed(
    live_server, postcode_data, browser
):
    from playwright.sync_api import expect

    page, requests, errors = _watched_page(browser, DESKTOP)
    page.goto(f"{live_server.url}/search/")
    page.get_by_label("Postcode").fill(" HR3-5aa. ")
    page.get_by_label("Or choose their local authority").select_option("W06000015")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name=re.compile(r"\d+ services? found"))).to_be_visible()
    assert page.url == f"{live_server.url}/search/?postcode=HR3+5&la=W06000015&sort=best&cut=1"
    assert [r for r in requests if HAY_UNIT.search(r)] == []
    assert errors == []

    page.goto(f"{live_server.url}/search/")
    page.get_by_label("Postcode").fill("cf10")
    page.get_by_label("Child's age").fill("9")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"postcode=cf10&age=9&sort=best$"))  # a district: nothing to cut
    page.context.close()


@pytest.mark.browser
def test_going_back_to_the_form_keeps_every_field_typed(live_server, postcode_data, browser):
    """The browser fills the form back in on going back from the results, but never a field marked
    autocomplete="off": the child's age and the longest wait were lost, the postcode kept."""
    from playwright.sync_api import expect

    page, _requests, errors = _watched_page(browser, PHONE)
    page.goto(f"{live_server.url}/cy/search/")
    page.get_by_label("Cod post").fill("cf10 1ep")
    page.locator("input[name=age]").fill("9")
    page.locator("input[name=abuse_form][value=intra_familial]").check()
    page.locator("details.govuk-details summary").click()
    page.locator("input[name=max_wait]").fill("12")
    page.get_by_role("button", name="Chwilio").click()
    page.wait_for_url(re.compile(r"age=9&abuse_form=intra_familial&max_wait=12&sort=best&cut=1$"))

    page.go_back()
    expect(page.locator("input[name=postcode]")).to_have_value("cf10 1ep")
    expect(page.locator("input[name=age]")).to_have_value("9")
    expect(page.locator("input[name=max_wait]")).to_have_value("12")
    expect(page.locator("input[name=abuse_form][value=intra_familial]")).to_be_checked()
    assert errors == []
    page.context.close()


@pytest.mark.browser
def test_going_back_to_results_shows_the_form_as_those_results_were_searched_not_as_changed_after(
    live_server, postcode_data, browser
):
    """The form beside the results, changed and sent, was filled back in with the new search on going
    back: results for a child of 9 with intra-familial abuse beside a form saying 14 and exploitation.
    What was changed and not sent (a service's page opened instead) is kept."""
    from playwright.sync_api import expect

    page, _requests, errors = _watched_page(browser, DESKTOP)
    first = f"{live_server.url}/search/?la=W06000015&age=9&abuse_form=intra_familial"
    page.goto(first)
    page.get_by_label("Child's age").fill("14")
    page.get_by_label("Intra-familial abuse").uncheck()
    page.get_by_label("Child sexual exploitation").check()
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"age=14&abuse_form=cse&sort=best$"))

    page.go_back()
    expect(page).to_have_url(first)
    expect(page.get_by_label("Child's age")).to_have_value("9")
    expect(page.get_by_label("Intra-familial abuse")).to_be_checked()
    expect(page.get_by_label("Child sexual exploitation")).not_to_be_checked()

    page.get_by_label("Child's age").fill("11")  # not sent: a service's page opened instead
    page.locator("#results a[id$='-name']").first.click()
    page.wait_for_url(re.compile(r"/services/[0-9a-f-]{36}/$"))
    page.go_back()
    expect(page).to_have_url(first)
    expect(page.get_by_label("Child's age")).to_have_value("11")
    assert errors == []
    page.context.close()


@pytest.mark.browser
def test_a_letter_o_typed_for_a_zero_is_read_as_one_and_the_full_postcode_still_stays_in_the_browser(
    live_server, postcode_data, browser
):
    """"cf1o 1ep" was cut to "CF1O 1" and refused as a postcode we could not find; "CF10 IEP" did not
    read as a full postcode at all, so the script sent it whole."""
    from playwright.sync_api import expect

    page, requests, errors = _watched_page(browser, PHONE)
    for typed in ("cf1o 1ep", "CF10 IEP"):
        page.goto(f"{live_server.url}/search/")
        page.get_by_label("Postcode").fill(typed)
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_role("heading", name=re.compile(r"\d+ services? found"))).to_be_visible()
        assert page.url == f"{live_server.url}/search/?postcode=CF10+1&sort=best&cut=1", typed
    assert [r for r in requests if re.search(r"CF1[0O](\+|%20|\s|-)*[1I]EP", r, re.I)] == []
    assert errors == []
    page.context.close()
