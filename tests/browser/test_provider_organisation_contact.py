"""A provider on a phone changes their organisation's contact details from the dashboard: a mistake is
shown with the error summary and what they typed kept, the page fits the phone's width, and once saved
the public service page dials the new number."""

from __future__ import annotations

import os

import pytest

from directory.accounts.models import Membership
from directory.models import Organisation
from tests.browser.conftest import ARTIFACTS, PHONE, axe_violations, new_page, sign_in
from tests.factories import AreaFactory, OrganisationFactory, ServiceFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_provider_on_a_phone_changes_the_contact_details_and_the_public_sees_them(live_server, browser):
    org = OrganisationFactory(name="Browser test organisation with a long name", phone="01000 111111")
    user = UserFactory(username="provider@example.org", email="provider@example.org")
    Membership.objects.create(user=user, organisation=org)
    service = ServiceFactory(organisation=org, name="Browser test service", coverage=[AreaFactory()])
    page = new_page(browser, PHONE)
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/manage/")

    with page.expect_navigation():
        page.get_by_role("link", name="Change contact details").click()
    page.fill("#id_phone", "029 2012 3456")
    page.fill("#id_website", "https://www.example.org@evil.example/")
    page.fill("#id_description_cy", "Disgrifiad o'r sefydliad.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save and publish").click()

    assert "Enter the website address without a user name or password" in page.inner_text(".govuk-error-summary")
    assert page.input_value("#id_description_cy") == "Disgrifiad o'r sefydliad."
    assert page.input_value("#id_phone") == "029 2012 3456"
    assert _fits_the_width(page)
    assert [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")] == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "organisation-contact-phone-error.png"), full_page=True)

    page.fill("#id_website", "www.example.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Save and publish").click()
    assert page.url == f"{live_server.url}/manage/"
    assert "Contact details of Browser test organisation with a long name saved and published." in page.inner_text("main")
    assert _fits_the_width(page)
    page.locator("#organisations").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "organisation-contact-phone-dashboard.png"), full_page=True)
    assert Organisation.objects.get(pk=org.pk).website == "https://www.example.org"

    page.goto(f"{live_server.url}/services/{service.public_id}/")
    assert page.get_attribute("a[href^='tel:']", "href") == "tel:+442920123456"

    page.goto(f"{live_server.url}/cy/manage/organisations/{org.public_id}/contact/")  # Welsh words are longer
    assert page.get_by_role("heading", level=1).inner_text() == "Manylion cyswllt"
    assert _fits_the_width(page)
    page.screenshot(path=str(ARTIFACTS / "organisation-contact-phone-welsh.png"), full_page=True)
