"""The shortlist printed as a referral pack (print media in chromium): each service carries its full
web address, so a pack on paper leads back to the live listing; on screen the address is not shown."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE, new_page
from tests.browser.printing import printed_sheets

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
        packs = page.locator(".sm-pack-item")
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


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_printed_pack_holds_two_services_a_sheet_each_whole(browser, live_server, language):
    """At GOV.UK's print sizes (14pt text) a service's part of the pack took more than half a sheet, and
    kept whole on a sheet, each printed on a sheet of its own, half empty: five services, five sheets."""
    from directory.models import Service

    ids = ",".join(str(s.public_id) for s in Service.objects.published().order_by("name")[:5])
    prefix = "/cy" if language == "cy" else ""
    page = new_page(browser, DESKTOP)
    try:
        assert page.goto(f"{live_server.url}{prefix}/shortlist/?ids={ids}").status == 200
        packs = page.locator(".sm-pack-item")
        assert packs.count() == 5
        page.emulate_media(media="print")
        assert packs.evaluate_all("packs => packs.every(pack => getComputedStyle(pack).breakInside === 'avoid')")
        assert printed_sheets(page) == 3
    finally:
        page.context.close()


def test_a_printed_service_page_leaves_out_the_maps_key_with_the_map(browser, live_server):
    """The map is not printed; its key ("areas it takes referrals from", "where it is based") was,
    as two coloured marks keying nothing on the paper."""
    from playwright.sync_api import expect

    from directory.models import Service

    service = Service.objects.published().filter(service_at_locations__isnull=False).order_by("name").first()
    page = new_page(browser, DESKTOP)
    try:
        assert page.goto(f"{live_server.url}/services/{service.public_id}/").status == 200
        expect(page.locator(".sm-map-note")).to_be_visible()  # on screen, the key above the map
        page.emulate_media(media="print")
        expect(page.locator(".sm-map")).to_be_hidden()
        expect(page.locator(".sm-map-note")).to_be_hidden()
        expect(page.get_by_text("Where it takes referrals from")).to_be_visible()  # said in words
    finally:
        page.context.close()


def test_a_printed_service_page_gives_the_referral_forms_address_once(browser, live_server):
    """The service page's referral form link showed its address as its text, and the print stylesheets
    (GOV.UK Frontend's and ours) add a link's address after it, so it printed twice. Now it is named
    "Referral form on <site>" (a screen reader read the address out), and on paper the stylesheets
    give the address after it, once, as after the organisation's "Website"."""
    from directory.models import Service

    service = (Service.objects.published().filter(referral_url__startswith="https://")
               .exclude(organisation__website="").order_by("name").first())
    page = new_page(browser, DESKTOP)
    try:
        assert page.goto(f"{live_server.url}/services/{service.public_id}/").status == 200
        page.emulate_media(media="print")
        (ARTIFACTS / "print").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "print" / "service-page.png"), full_page=True)
        # What the stylesheets add after a link (innerText leaves generated content out).
        after = "el => getComputedStyle(el, '::after').content"
        referral = page.locator(f'a[href="{service.referral_url}"]')
        assert referral.inner_text().startswith("Referral form on ")
        assert referral.evaluate(after).count(service.referral_url) == 1
        website = page.get_by_role("link", name="Website")
        assert service.organisation.website in website.evaluate(after)
    finally:
        page.context.close()


def test_the_printed_pack_says_once_when_it_was_printed_and_each_wait_tag_is_one_line(browser, live_server):
    """Every printed page says where and when it was printed (base.html); the pack says so under its
    heading already, and said it twice. A Welsh wait's tag ("Yn derbyn atgyfeiriadau") took two
    lines, its wait beside the second."""
    from playwright.sync_api import expect

    from directory.models import Service

    services = list(Service.objects.published().filter(status="active").order_by("name")[:5])
    page = new_page(browser, DESKTOP)
    try:
        ids = ",".join(str(s.public_id) for s in services)
        assert page.goto(f"{live_server.url}/cy/shortlist/?ids={ids}").status == 200
        page.emulate_media(media="print")
        printed = page.get_by_text("Argraffwyd o servicemap ar")
        expect(printed).to_have_count(1)
        expect(printed).to_be_visible()
        tag = page.locator(".sm-pack-item .govuk-tag", has_text="Yn derbyn atgyfeiriadau").first
        lines = tag.evaluate("""el => { const range = document.createRange(); range.selectNodeContents(el);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size }""")
        assert lines == 1
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_screen_readers_landmarks_on_the_shortlist_are_the_pages_not_one_per_service(browser, live_server, language):
    """Each service in the pack was a named <section>, so a region landmark: a screen reader's list of
    landmarks (NVDA's, VoiceOver's rotor) held one per service among the page's own. They are articles,
    as the search results' cards are, still named by their heading and reached by heading."""
    from directory.models import Service

    services = list(Service.objects.published().order_by("name")[:5])
    prefix = "/cy" if language == "cy" else ""
    page = new_page(browser, DESKTOP)
    try:
        ids = ",".join(str(s.public_id) for s in services)
        assert page.goto(f"{live_server.url}{prefix}/shortlist/?ids={ids}").status == 200
        names = [s.name_cy or s.name if language == "cy" else s.name for s in services]
        for name in names:
            expect(page.get_by_role("article", name=name, exact=True)).to_have_count(1)
            expect(page.get_by_role("heading", level=2, name=name, exact=True)).to_have_count(1)
        regions = page.get_by_role("region").evaluate_all("els => els.map(e => e.getAttribute('aria-label') || '')")
        assert len(regions) == 1, regions  # the sample data's banner alone
    finally:
        page.context.close()
