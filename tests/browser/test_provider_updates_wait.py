"""A provider signs in, updates a wait from the dashboard, and the public sees the new wait.

The public sees it on the service page (/services/<id>/), the page search results link to.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect, sync_playwright

from directory.accounts.models import Membership
from directory.models import WaitingTimeReport
from tests.factories import OrganisationFactory, ServiceFactory, UserFactory

# Playwright's sync API runs an event loop in this thread; the ORM calls here are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_a_provider_updates_a_wait_and_the_public_sees_it(live_server, browser):
    org = OrganisationFactory(name="Browser test organisation")
    user = UserFactory(username="provider@example.org", email="provider@example.org")
    Membership.objects.create(user=user, organisation=org)
    service = ServiceFactory(organisation=org, name="Browser test service")
    WaitingTimeReport.objects.create(service=service, weeks=12, as_of=date.today() - timedelta(days=50))
    public_url = f"{live_server.url}/services/{service.public_id}/"

    public = browser.new_context().new_page()
    public.goto(public_url)
    before = public.inner_text(".sm-status-line")
    assert "12 weeks" in before and "may be out of date" in before

    provider = browser.new_context(viewport={"width": 375, "height": 800}).new_page()  # a phone
    provider.goto(f"{live_server.url}/manage/")
    assert "/accounts/login/" in provider.url
    provider.fill("#id_username", "provider@example.org")
    provider.fill("#id_password", "a-long-test-password")
    provider.keyboard.press("Enter")
    provider.wait_for_url(f"{live_server.url}/manage/")
    card = provider.locator(f"#service-{service.public_id}")
    card.get_by_label("Current wait in weeks").fill("3")
    card.get_by_label("Yes, referrals are open").check()
    card.get_by_role("button", name="Update wait as of today").click()
    provider.wait_for_url(f"{live_server.url}/manage/")
    assert "Wait for Browser test service updated as of today." in provider.inner_text("main")

    public.goto(public_url)
    after = public.inner_text(".sm-status-line")
    assert "3 weeks" in after and "Taking referrals" in after and "reported today" in after
    assert "may be out of date" not in after
    assert list(WaitingTimeReport.objects.filter(service=service).values_list("weeks", flat=True)) == [3, 12]


def test_a_wait_typed_with_words_is_shown_back_whole_with_what_is_wrong_not_emptied(live_server, browser):
    # The box was <input type="number">: Chrome sent "" for "6 weeks", so the page said to enter the
    # wait, as if the box had been left empty, and showed it empty. Then it was four characters
    # wide, and showed "6 months" as "6 m". ("6 weeks" itself is now taken as 6.)
    from directory.listings.forms import WEEKS_INVALID

    org = OrganisationFactory(name="Browser test organisation")
    user = UserFactory(username="provider@example.org", email="provider@example.org")
    Membership.objects.create(user=user, organisation=org)
    service = ServiceFactory(organisation=org, name="Browser test service")
    page = browser.new_context(viewport={"width": 375, "height": 800}).new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/manage/")
    page.fill("#id_username", "provider@example.org")
    page.fill("#id_password", "a-long-test-password")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/manage/")
    box = page.locator(f"#service-{service.public_id}").get_by_label("Current wait in weeks")
    box.press_sequentially("6 months")  # as typed on a keyboard, key by key
    assert box.evaluate("b => b.scrollWidth <= b.clientWidth"), "what was typed is cut from view"
    page.get_by_role("button", name="Update wait as of today").click()
    page.wait_for_url(f"{live_server.url}/manage/services/{service.public_id}/wait/")
    assert str(WEEKS_INVALID) in page.inner_text(".govuk-error-summary")
    box = page.get_by_label("Current wait in weeks")
    assert box.input_value() == "6 months"
    assert box.evaluate("b => b.scrollWidth <= b.clientWidth"), "what was typed is cut from view"
    page.screenshot(path="/tmp/hard-wait-box.png")
    assert not WaitingTimeReport.objects.filter(service=service).exists()

    box.fill("6 weeks")
    page.get_by_role("button", name="Update wait as of today").click()
    page.wait_for_url(f"{live_server.url}/manage/")
    assert list(WaitingTimeReport.objects.filter(service=service).values_list("weeks", flat=True)) == [6]

def test_what_needs_doing_brings_the_wait_box_into_view_with_its_label(live_server, browser):
    # The link focused the box at the very top of the screen, with its label, hint and heading
    # scrolled off above it: an empty box, on a phone, saying nothing of what to type.
    org = OrganisationFactory(name="Browser test organisation")
    user = UserFactory(username="provider@example.org", email="provider@example.org")
    Membership.objects.create(user=user, organisation=org)
    for name in ("B service", "C service", "D service"):
        WaitingTimeReport.objects.create(
            service=ServiceFactory(organisation=org, name=name, last_confirmed_at=date.today()), weeks=2,
            as_of=date.today(),
        )
    no_wait = ServiceFactory(organisation=org, name="A service with no wait", last_confirmed_at=date.today())
    page = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/manage/")
    page.fill("#id_username", "provider@example.org")
    page.fill("#id_password", "a-long-test-password")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/manage/")
    page.get_by_role("link", name="Give the current waiting time for A service with no wait").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/manage/#wait-{no_wait.public_id}-weeks")
    box = page.locator(f"#wait-{no_wait.public_id}-weeks")
    expect(box).to_be_focused()
    card = page.locator(f"#service-{no_wait.public_id}")
    for above in (card.get_by_role("heading", name="Update the waiting time"), card.locator(".govuk-label").first,
                  card.locator(".sm-wait-form .govuk-hint").first):
        top = above.evaluate("e => e.getBoundingClientRect().top")
        assert top >= 0, f"{above.inner_text()!r} is above the screen ({top} px)"
    assert box.evaluate("e => e.getBoundingClientRect().bottom") <= 740
