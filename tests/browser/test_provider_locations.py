"""A provider adds where their service is based; the public sees it only once a moderator approves."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from directory.accounts.models import Membership
from directory.listings import services
from directory.models import ServiceChange
from tests.browser.conftest import DESKTOP, PHONE, axe_violations, new_page, sign_in
from tests.factories import OrganisationFactory, PostcodeFactory, ServiceFactory, UserFactory

# Playwright's sync API runs an event loop in this thread; the ORM calls here are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_provider_adds_a_location_that_is_public_once_approved(live_server, browser, wales_areas):
    org = OrganisationFactory(name="Browser test organisation")
    user = UserFactory(username="provider@example.org", email="provider@example.org")
    Membership.objects.create(user=user, organisation=org)
    service = ServiceFactory(organisation=org, name="Browser test service")
    PostcodeFactory(postcode="LL57 1LH", latitude=53.2274, longitude=-4.1293, lad_code="W06000001")
    public_url = f"{live_server.url}/services/{service.public_id}/"

    page = new_page(browser, PHONE)
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/manage/")
    page.locator(f"#service-{service.public_id}").get_by_role("link", name="Where it is based").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Where it is based")
    page.get_by_role("link", name="Add a location").click()

    page.get_by_label("Location name", exact=True).fill("Bangor centre")
    page.get_by_label("Location name in Welsh (optional)").fill("Canolfan Bangor")
    page.get_by_label("Address line").fill("9 Glanrafon")
    page.get_by_label("Town or city").fill("Bangor")
    page.get_by_label("Postcode").fill("LL57")  # a district, not where it is
    page.get_by_role("button", name="Save").click()
    # A click waits only for the next page to start: its text is read as it comes, and axe runs on
    # the whole page once it has loaded (its scripts run).
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a full postcode, like CF10 1EP")
    expect(page.get_by_label("Address line")).to_have_value("9 Glanrafon")  # nothing typed is lost
    page.wait_for_load_state()
    assert axe_violations(page) == []

    page.get_by_label("Postcode").fill("LL57 1LH")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Sent for approval")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Needs approval")
    page.wait_for_load_state()
    assert axe_violations(page) == []

    public = new_page(browser, DESKTOP)
    public.goto(public_url)
    assert "Glanrafon" not in public.content()

    change = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)
    services.change_approve(change=change, by=None)
    public.goto(public_url)
    assert "9 Glanrafon" in public.inner_text("main")
    assert "53.2274" in public.content()  # the map point, from the postcode
    assert "Canolfan Bangor" not in public.inner_text("main")
    public.goto(f"{live_server.url}/cy/services/{service.public_id}/")
    expect(public.locator("main li strong", has_text="Canolfan Bangor")).to_be_visible()
