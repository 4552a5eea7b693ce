"""The cookies page against a real browser: every cookie a visitor's browser holds or is sent
while using the site is listed on the page, and no page asks anything of another website (what
the page says: no analytics, no third-party cookies)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DESKTOP, new_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("directory_data")]


def test_every_cookie_a_browser_gets_on_the_main_journeys_is_on_the_cookies_page_and_nothing_leaves_the_site(
    live_server, browser
):
    from directory.models import Service
    from tests.factories import MembershipFactory, UserFactory

    service = Service.objects.filter(coverage_areas__code="W06000023", status="active").order_by("name").first()
    MembershipFactory(user=UserFactory(username="cookies@example.org", email="cookies@example.org"),
                      organisation=service.organisation)
    page = new_page(browser, DESKTOP)
    requested, set_by_responses = [], set()
    page.on("request", lambda request: requested.append(request.url))
    page.on("response", lambda response: set_by_responses.update(
        header["value"].split("=", 1)[0] for header in response.headers_array() if header["name"].lower() == "set-cookie"
    ))
    site = live_server.url

    page.goto(f"{site}/search/?la=W06000023&age=9&abuse_form=intra_familial")
    with page.expect_navigation():
        page.locator("article.sm-result").first.get_by_role("button", name=re.compile("Add to shortlist")).click()
    page.goto(f"{site}/search/?la=W06000023&age=9&view=map")
    page.goto(f"{site}/shortlist/")
    with page.expect_navigation():
        page.locator(".sm-lang__link").click()  # to Welsh, by the header's link
    for path in ("/gaps/", "/gaps/area/W06000023/", "/gaps/unmet/", "/api/oruk/services", "/api/docs/"):
        page.goto(site + path)
    page.wait_for_selector(".swagger-ui .info")  # the API documentation's script ran
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=username]", "cookies@example.org")
    page.fill("input[name=password]", "a-long-test-password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith("/manage/")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()

    held = {cookie["name"] for cookie in page.context.cookies()}
    seen = held | set_by_responses
    assert {"sessionid", "csrftoken", "messages"} <= seen
    for path in ("/cookies/", "/cy/cookies/"):
        page.goto(site + path)
        listed = set(page.locator("h3.sm-cookie-name code").all_inner_texts())
        assert seen - listed == set(), f"{path} does not list {seen - listed}"
    elsewhere = [url for url in requested if not url.startswith((site, "data:", "blob:"))]
    assert elsewhere == [], elsewhere
    page.context.close()
