"""The shortlist printed as a referral pack (print media in chromium): each service carries its full
web address, so a pack on paper leads back to the live listing; on screen the address is not shown."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE, new_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("directory_data")]

SITE = "https://directory.example.org"


@pytest.mark.parametrize(("viewport", "language"), [(DESKTOP, "en"), (PHONE, "cy")])
def test_each_service_in_the_printed_pack_shows_its_full_address(browser, live_server, settings, viewport, language):
    from directory.models import Service

    settings.SITE_URL = SITE
    services = list(Service.objects.published().order_by("name")[:2])
    prefix = "/cy" if language == "cy" else ""
    page = new_page(browser, viewport)
    try:
        ids = ",".join(str(s.public_id) for s in services)
        assert page.goto(f"{live_server.url}{prefix}/shortlist/?ids={ids}").status == 200
        packs = page.locator("section.sm-pack-item")
        addresses = [f"{SITE}{prefix}/services/{s.public_id}/" for s in services]

        for n, address in enumerate(addresses):  # on screen, the heading links there: no address shown
            assert address not in packs.nth(n).inner_text()

        page.emulate_media(media="print")
        (ARTIFACTS / "print").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "print" / f"pack-{language}.png"), full_page=True)
        for n, address in enumerate(addresses):
            assert address in packs.nth(n).inner_text()
    finally:
        page.context.close()
