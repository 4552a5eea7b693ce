"""The buttons on problem reports sit inline, as secondary buttons, on a phone as on a desktop."""

from __future__ import annotations

import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from directory.accounts.models import Membership
from directory.accounts.services import moderator_create
from directory.models import ProblemReport
from tests.browser.conftest import PHONE, new_page, sign_in
from tests.factories import OrganisationFactory, ServiceFactory, UserFactory

# Playwright's sync API runs an event loop in this thread; the ORM calls here are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("who, path", [("moderator", "/moderation/"), ("provider", "/manage/")])
def test_resolve_and_reopen_are_the_same_inline_buttons_on_a_phone(live_server, browser, who, path):
    # On the moderation queue "Mark as resolved" sat inline while "Reopen report" spanned the phone's
    # width, one under the other, alike in nothing but their colour.
    org = OrganisationFactory(name="Buttons organisation")
    service = ServiceFactory(organisation=org, name="Buttons service")
    provider = UserFactory(username="own@example.org", email="own@example.org")
    Membership.objects.create(user=provider, organisation=org)
    ProblemReport.objects.create(service=service, reason="closed")
    ProblemReport.objects.create(service=service, reason="area", resolved_at=timezone.now(), resolved_by=provider)
    user = provider if who == "provider" else moderator_create(email="mod@example.org", password="a-long-test-password").user

    page = new_page(browser, PHONE)
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}{path}")
    resolve = page.get_by_role("button", name="Mark as resolved – Buttons service")
    reopen = page.get_by_role("button", name="Reopen report – Buttons service")
    expect(resolve).to_be_visible()
    expect(reopen).to_be_visible()
    content_width = page.locator("main").bounding_box()["width"]
    boxes = [resolve.bounding_box(), reopen.bounding_box()]
    for button, box in zip(("Mark as resolved", "Reopen report"), boxes, strict=True):
        assert box["width"] < content_width / 2, (button, box["width"], content_width)
    assert boxes[0]["x"] == boxes[1]["x"] and boxes[0]["height"] == boxes[1]["height"]
    for button in (resolve, reopen):
        assert "govuk-button--secondary" in button.get_attribute("class")
