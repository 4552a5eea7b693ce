"""The three user journeys from issue 6, end to end in Debian's chromium, at desktop and 375 px.

1. A social worker in Powys, keyboard only: a 9-year-old, intra-familial abuse, no verbal
   disclosure, support for the mother too; narrows to Welsh-speaking services; shortlists two;
   opens the print view.
2. A provider signs in, updates a waiting time and closes referrals; the public page shows both.
3. A commissioner opens the gaps map, switches to intra-familial support, opens an area with no
   provision and downloads the CSV.

Screenshots go to test-artifacts/journeys/ (ignored by git). Every step asserts what the page says.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE, new_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("directory_data")]

SHOTS = ARTIFACTS / "journeys"
POWYS = "W06000023"
# Each journey runs at both widths; between them, both languages.
RUNS = [pytest.param(DESKTOP, "en", id="desktop-en"), pytest.param(PHONE, "cy", id="375px-cy")]
RUNS_JOURNEY_1 = [
    pytest.param(DESKTOP, "en", id="desktop-en"),
    pytest.param(PHONE, "en", id="375px-en"),
    pytest.param(DESKTOP, "cy", id="desktop-cy"),
    pytest.param(PHONE, "cy", id="375px-cy"),
]
TEXT = {
    "en": {
        "found": r"(\d+) services? found", "intra": "Intra-familial abuse", "parents": "Non-abusing parents and carers",
        "no_disclosure": "No disclosure needed.", "welsh": "Support available in Welsh", "on_shortlist": "is on your shortlist.",
        "printed": "Printed from servicemap on", "weeks": "{n} weeks", "closed": "Referrals closed",
        "updated": "updated as of today", "no_provision": "No provision", "question": "Intra-familial abuse",
        "how_to_refer": "How to refer", "waiting": "Waiting time", "none_label": "None", "layer": "Layer",
    },
    "cy": {
        "found": r"Cafwyd (\d+) g?w?asanaeth", "intra": "Cam-drin o fewn y teulu",
        "parents": "Rhieni a gofalwyr nad ydynt yn cam-drin", "no_disclosure": "Dim angen datgeliad.",
        "welsh": "Cymorth ar gael yn Gymraeg", "on_shortlist": "ar eich rhestr fer.",
        "printed": "Argraffwyd o servicemap ar", "weeks": "{n} wythnos", "closed": "Atgyfeiriadau ar gau",
        "updated": "fel ag y mae heddiw", "no_provision": "Dim darpariaeth", "question": "Cam-drin o fewn y teulu",
        "how_to_refer": "Sut i atgyfeirio", "waiting": "Amser aros", "none_label": "Dim", "layer": "Haen",
    },
}


def _prefix(language: str) -> str:
    return "/cy" if language == "cy" else ""


def _shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def tab_to(page, selector: str, limit: int = 250) -> None:
    """Press Tab until the focused element matches `selector` (keyboard only: no clicks)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _press_and_wait(page, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


@pytest.fixture
def fresh_page(browser, request):
    opened = []

    def make(viewport: dict, **options):
        page = new_page(browser, viewport, **options)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        opened.append((page, errors))
        return page

    yield make
    for page, errors in opened:
        page.context.close()
        assert errors == [], f"JavaScript errors: {errors}"


# --- 1. the social worker, keyboard only ------------------------------------------------------


@pytest.mark.parametrize(("viewport", "language"), RUNS_JOURNEY_1)
def test_journey_1_a_social_worker_in_powys_finds_shortlists_and_prints_by_keyboard(
    live_server, fresh_page, viewport, language
):
    text, name = TEXT[language], f"1-{'phone' if viewport == PHONE else 'desktop'}-{language}"
    page = fresh_page(viewport)
    page.add_init_script("window.print = () => { window.__printed = (window.__printed || 0) + 1 }")
    page.goto(f"{live_server.url}{_prefix(language)}/search/")

    # The child: Powys, 9, intra-familial abuse, no verbal disclosure, support for the mother too.
    tab_to(page, "#id_la")
    page.keyboard.type("Powys")
    assert page.eval_on_selector("#id_la", "e => e.value") == POWYS
    tab_to(page, "#id_age")
    page.keyboard.type("9")
    tab_to(page, "input[name=abuse_form][value=intra_familial]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=audience][value=parent_carer]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=no_disclosure]")
    page.keyboard.press("Space")
    tab_to(page, "#search-form button[type=submit]")
    _press_and_wait(page, "Enter")

    for part in (f"la={POWYS}", "age=9", "abuse_form=intra_familial", "audience=parent_carer", "no_disclosure=1"):
        assert part in page.url
    heading = page.get_by_role("heading", name=re.compile(text["found"]))
    expect(heading).to_be_visible()
    found = int(re.search(text["found"], heading.inner_text()).group(1))
    results = page.locator("article.sm-result")
    assert found >= 2 and results.count() == found
    for i in range(found):
        card = results.nth(i).inner_text()
        assert text["intra"] in card and text["parents"] in card and text["no_disclosure"] in card
    _shot(page, f"{name}-a-results")

    # Narrow to services that work in Welsh.
    tab_to(page, "input[name=welsh]")
    page.keyboard.press("Space")
    tab_to(page, "#search-form button[type=submit]")
    _press_and_wait(page, "Enter")
    assert "welsh=1" in page.url
    welsh_found = int(re.search(text["found"], page.get_by_role("heading", name=re.compile(text["found"])).inner_text())[1])
    assert 2 <= welsh_found <= found
    cards = [page.locator("article.sm-result").nth(i).inner_text() for i in range(welsh_found)]
    assert all(text["welsh"] in card for card in cards)
    _shot(page, f"{name}-b-welsh")

    # Two on the shortlist (each add comes back to the same search, with a message).
    names = []
    for count in (1, 2):
        tab_to(page, "form[action$='/shortlist/add/'] button")
        service = page.evaluate(
            "() => document.activeElement.closest('article').querySelector('h3').innerText.trim()"
        )
        _press_and_wait(page, "Enter")
        names.append(service)
        expect(page.get_by_text(f"{service}", exact=False).first).to_be_visible()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(text["on_shortlist"])
        expect(page.locator("a.sm-header__link[href$='/shortlist/']")).to_contain_text(f"({count})")
        assert "welsh=1" in page.url
    assert len(set(names)) == 2

    # The shortlist and its print view.
    tab_to(page, "a.sm-header__link[href$='/shortlist/']")
    _press_and_wait(page, "Enter")
    for service in names:
        expect(page.get_by_role("heading", name=service, exact=True)).to_be_visible()
    tab_to(page, "#print-button")
    page.keyboard.press("Enter")
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    expect(page.get_by_text(text["printed"])).to_be_visible()
    expect(page.locator("header.sm-header")).to_be_hidden()
    expect(page.locator("#print-button")).to_be_hidden()
    packs = page.locator(".sm-pack-item")
    assert packs.count() == 2
    printed = [packs.nth(i).inner_text() for i in range(2)]
    assert sorted(n for n in names for pack in printed if n in pack) == sorted(names)
    for pack in printed:  # each entry carries what a referral needs, in print
        assert text["how_to_refer"] in pack and text["waiting"] in pack
    _shot(page, f"{name}-c-print")


# --- 2. the provider ---------------------------------------------------------------------------

PASSWORD = "a-long-test-password"


@pytest.fixture
def provider_service():
    """A provider account for the (sample) Powys Children's Recovery Trust, and one of its services.

    Function-scoped: the suite's fast password hasher is set per test, so the account is made inside one.
    """
    from directory.models import Service
    from tests.factories import MembershipFactory, UserFactory

    service = (
        Service.objects.filter(organisation__name__startswith="Powys Children's Recovery Trust", status="active")
        .order_by("name").first()
    )
    user = UserFactory(username="journey-provider@example.org", email="journey-provider@example.org")
    user.set_password(PASSWORD)
    user.save()
    if not user.memberships.exists():
        MembershipFactory(user=user, organisation=service.organisation)
    return service


@pytest.mark.parametrize(("viewport", "language"), RUNS)
def test_journey_2_a_provider_updates_a_wait_and_closes_referrals_and_the_public_page_shows_both(
    live_server, fresh_page, provider_service, viewport, language
):
    text, name = TEXT[language], f"2-{'phone' if viewport == PHONE else 'desktop'}-{language}"
    weeks = 14 if viewport == DESKTOP else 17  # each run sets a wait the other did not
    service_id = str(provider_service.public_id)
    page = fresh_page(viewport)
    page.goto(f"{live_server.url}{_prefix(language)}/")

    page.locator(f"a.sm-header__link[href='{_prefix(language)}/accounts/login/']").click()
    page.locator("#id_username").fill("journey-provider@example.org")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/manage/$"))
    card = page.locator(f"#service-{service_id}")
    expect(card).to_be_visible()
    _shot(page, f"{name}-a-dashboard")

    card.locator(f"#wait-{service_id}-weeks").fill(str(weeks))
    card.locator("input[name=referrals_open][value=no]").check()
    card.locator("form[action$='/wait/'] button[type=submit]").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(text["updated"])
    card = page.locator(f"#service-{service_id}")
    expect(card).to_contain_text(text["weeks"].format(n=weeks))
    _shot(page, f"{name}-b-updated")

    # The public page, in a browser that is not signed in: the new wait and closed referrals together.
    public = fresh_page(viewport)
    public.goto(f"{live_server.url}{_prefix(language)}/services/{service_id}/")
    status = public.locator(".sm-status-line")
    expect(status).to_contain_text(text["closed"])
    expect(status).to_contain_text(text["weeks"].format(n=weeks))
    first_row = public.locator("table.govuk-table tbody tr").first
    expect(first_row).to_contain_text(text["weeks"].format(n=weeks))
    _shot(public, f"{name}-c-public")
    # ...and a search lists it with the same wait, not taking referrals.
    public.goto(f"{live_server.url}{_prefix(language)}/search/?la={POWYS}")
    result = public.locator(f"#service-{service_id}")
    expect(result).to_contain_text(text["closed"])
    expect(result).to_contain_text(text["weeks"].format(n=weeks))


# --- 3. the commissioner ----------------------------------------------------------------------


@pytest.mark.parametrize(("viewport", "language"), RUNS)
def test_journey_3_a_commissioner_finds_an_area_with_no_intra_familial_provision_and_downloads_the_csv(
    live_server, fresh_page, viewport, language
):
    text, name = TEXT[language], f"3-{'phone' if viewport == PHONE else 'desktop'}-{language}"
    page = fresh_page(viewport, accept_downloads=True)
    page.goto(f"{live_server.url}{_prefix(language)}/gaps/")
    expect(page.locator(".leaflet-container")).to_be_visible()

    page.locator("select[name=layer]").select_option("intra_familial")
    page.locator("form[action$='/gaps/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"layer=intra_familial"))
    expect(page.locator("#layer-heading")).to_have_text(text["question"])
    # The screen's copy (a second, print-only copy follows the map: templates/gaps/index.html).
    warning = page.locator(".sm-no-print .govuk-warning-text")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Blaenau Gwent")
    # No information by colour alone: the map labels areas with no provision in words too.
    expect(page.locator(".sm-map-label").first).to_have_text(text["none_label"])
    _shot(page, f"{name}-a-intra-familial")

    page.locator("table a[href*='/gaps/area/W06000019/']").click()
    expect(page.locator("h1")).to_contain_text("Blaenau Gwent")
    intra_row = page.locator("tr", has=page.locator("th", has_text=re.compile(f"^{text['question']}$")))
    expect(intra_row).to_contain_text(text["no_provision"])
    _shot(page, f"{name}-b-area")

    page.go_back()
    expect(page).to_have_url(re.compile(r"layer=intra_familial"))
    with page.expect_download() as download_info:
        page.locator("a[href*='data.csv']").first.click()
    download = download_info.value
    SHOTS.mkdir(parents=True, exist_ok=True)
    saved = SHOTS / f"{name}-{download.suggested_filename}"
    download.save_as(saved)
    # The directory's date (the sample's services were saved today), and "-cy" on the Welsh file.
    assert re.fullmatch(rf"servicemap-gaps-intra_familial-\d{{4}}-\d\d-\d\d{'-cy' if language == 'cy' else ''}\.csv",
                        download.suggested_filename)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert rows[0] == [text["layer"], text["question"]]  # the layer named in the page's language
    assert len([r for r in rows[1:5] if len(r) == 2 and r[1]]) == 4  # source, period, method, limits
    header = rows[rows.index([]) + 1]
    table = [dict(zip(header, r, strict=True)) for r in rows[rows.index([]) + 2:]]
    blaenau = next(r for r in table if r["area_code"] == "W06000019")
    assert (blaenau["covering_services"], blaenau["no_provision"]) == ("0", "yes")
    assert {r["area_code"] for r in table if r["no_provision"] == "yes"} >= {"W06000019", "W06000021", "W06000024"}
