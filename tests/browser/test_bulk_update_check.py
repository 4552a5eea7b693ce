"""A moderator uploads a CSV that closes every listing: the check page warns, takes the focus, and saves
nothing until "Confirm and save" is pressed. In English and Welsh, on a computer and a phone."""

from __future__ import annotations

import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from directory import bulk_update
from directory.accounts.services import moderator_create
from directory.models import Service
from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE, axe_violations, new_page, sign_in
from tests.factories import ServiceFactory

# Playwright's sync API runs an event loop in this thread; the ORM calls here are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "check": "Check the file",
        "h1": "Check the changes before you save them",
        "confirm": "Confirm and save",
        "warning": "This file closes or pauses 3 services (100% of the directory).",
        "saved": "Saved: 3 statuses changed and 0 waiting times recorded.",
    },
    "cy": {
        "check": "Gwirio'r ffeil",
        "h1": "Gwiriwch y newidiadau cyn eu cadw",
        "confirm": "Cadarnhau a chadw",
        "warning": "Mae'r ffeil hon yn cau neu'n oedi 3 gwasanaeth (100% o'r cyfeiriadur).",
        "saved": "Wedi'i gadw: newidiwyd 3 statws a chofnodwyd 0 amser aros.",
    },
}


def _everything_closed() -> bytes:
    """The downloaded file with "closed" filled down the status column."""
    text = bulk_update.write_csv(bulk_update.current_states(), downloaded_at=timezone.now())
    return text.replace(",active,", ",closed,").encode("utf-8")


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_file_closing_every_listing_is_shown_with_a_warning_before_anything_is_saved(live_server, browser, language):
    for number in range(3):
        ServiceFactory(name=f"Counselling service {number}")
    moderator = moderator_create(email="moderator@example.org", password="a-long-test-password").user
    moderator.is_staff = True  # the CSV bulk update is for staff moderators for now (see README)
    moderator.save(update_fields=["is_staff"])
    words = WORDS[language]
    prefix = "/cy" if language == "cy" else ""

    page = new_page(browser, DESKTOP)
    sign_in(page, live_server, moderator)
    page.goto(f"{live_server.url}{prefix}/moderation/waits/")
    page.locator("#id_csv_file").set_input_files(
        files=[{"name": "waits.csv", "mimeType": "text/csv", "buffer": _everything_closed()}]
    )
    page.get_by_role("button", name=words["check"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(words["h1"])
    warning = page.get_by_role("alert")
    expect(warning).to_contain_text(words["warning"])
    expect(warning).to_be_focused()  # read out first, before the counts and the table
    assert page.locator("h1").count() == 1
    assert set(Service.objects.values_list("status", flat=True)) == {Service.Status.ACTIVE}, "saved before confirm"
    serious = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert serious == []
    shots = ARTIFACTS / "bulk-update"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"check-{language}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    expect(page.get_by_role("button", name=words["confirm"])).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.screenshot(path=str(shots / f"check-{language}-phone.png"), full_page=True)

    page.get_by_role("button", name=words["confirm"]).click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(words["saved"])
    assert set(Service.objects.values_list("status", flat=True)) == {Service.Status.CLOSED}
    page.context.close()
