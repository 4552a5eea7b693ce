"""A provider's session ends while they write a long edit. Pressing Save leads to the sign-in page,
and after signing in the edit page holds what they wrote, unsaved: in a real browser, with its
cookies and its Referer, on a phone and in Welsh."""

from __future__ import annotations

import os

import pytest

from directory.accounts.models import Membership
from directory.models import Service
from tests.browser.conftest import new_page
from tests.factories import AreaFactory, OrganisationFactory, ServiceFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _sign_in(page) -> None:
    page.fill("#id_username", "provider@example.org")
    page.fill("#id_password", "a-long-test-password")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_an_edit_saved_after_the_session_ended_is_there_again_after_signing_in(live_server, browser):
    org = OrganisationFactory(name="Browser test organisation")
    user = UserFactory(username="provider@example.org", email="provider@example.org")
    Membership.objects.create(user=user, organisation=org)
    service = ServiceFactory(organisation=org, name="Browser test service", coverage=[AreaFactory()])
    edit = f"/cy/manage/services/{service.public_id}/edit/"
    page = new_page(browser, PHONE)
    page.goto(live_server.url + edit)
    _sign_in(page)
    assert page.url == live_server.url + edit
    typed = "Disgrifiad hir a gymerodd ugain munud i'w ysgrifennu."
    page.fill("#id_description_cy", typed)

    # The session ends (8 hours pass, or it is cleared): the browser still holds its CSRF cookie.
    page.context.clear_cookies(name="sessionid")
    with page.expect_navigation():
        page.get_by_role("button", name="Cadw'r newidiadau").click()
    assert "/cy/accounts/login/" in page.url
    assert "Cawsoch eich allgofnodi" in page.inner_text("main")
    _sign_in(page)

    assert page.url == live_server.url + edit
    assert page.input_value("#id_description_cy") == typed
    assert "Nid oes dim wedi'i gadw eto" in page.inner_text("main")
    assert Service.objects.get(pk=service.pk).description_cy != typed
    with page.expect_navigation():
        page.get_by_role("button", name="Cadw'r newidiadau").click()
    assert Service.objects.get(pk=service.pk).description_cy == typed
