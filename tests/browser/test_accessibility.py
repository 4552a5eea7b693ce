"""axe-core on every main page, in English and in Welsh: no serious or critical violations.

Also, per page: one h1, the page's language on <html>, no English interface text on the Welsh
page's chrome, and reflow at 320 px (no sideways scrolling). Counts of every violation by
impact go to test-artifacts/axe-counts.json for the record.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.browser.conftest import ARTIFACTS, DESKTOP, axe_violations, new_page, save_artifact

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("directory_data")]

POWYS_SEARCH = "la=W06000023&age=9&abuse_form=intra_familial&audience=parent_carer&no_disclosure=on"
NO_RESULTS = "la=W06000019&age=24&abuse_form=intra_familial&audience=sibling&welsh=on&max_wait=0"
# (name, English path, status, media). The Welsh path is /cy + the English path; {service} and
# {other} are two sample services' ids. Pages join this list as they land on main.
PAGES = [
    ("home", "/", 200, "screen"),
    ("search-form", "/search/", 200, "screen"),
    ("search-results", f"/search/?{POWYS_SEARCH}", 200, "screen"),
    ("search-no-results", f"/search/?{NO_RESULTS}", 200, "screen"),
    ("search-errors", "/search/?postcode=ZZ9&age=nine", 400, "screen"),
    ("service", "/services/{service}/", 200, "screen"),
    ("shortlist", "/shortlist/?ids={service},{other}", 200, "screen"),
    ("print-view", "/shortlist/?ids={service},{other}", 200, "print"),
    ("gaps-map", "/gaps/", 200, "screen"),
    ("gaps-area", "/gaps/area/W06000019/", 200, "screen"),
    ("gaps-headlines", "/gaps/headlines/", 200, "screen"),
    ("gaps-unmet", "/gaps/unmet/", 200, "screen"),
    ("gaps-trends", "/gaps/trends/", 200, "screen"),
    ("about-the-data", "/about-the-data/", 200, "screen"),
]
LANGUAGES = ["en", "cy"]
COUNTS: dict[str, dict[str, int]] = {}


def _url(live_server, path: str, language: str) -> str:
    return live_server.url + (f"/cy{path}" if language == "cy" else path)


@pytest.fixture(scope="module")
def page(browser):
    page = new_page(browser, DESKTOP)
    yield page
    page.context.close()
    save_artifact("axe-counts.json", COUNTS)


@pytest.fixture(scope="module")
def sample_ids() -> dict[str, str]:
    from directory.models import Service

    powys = Service.objects.filter(coverage_areas__code="W06000023", status="active").order_by("name")
    return {"service": str(powys[0].public_id), "other": str(powys[1].public_id)}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "path", "status", "media"), PAGES)
def test_page_has_no_serious_accessibility_violations(live_server, page, sample_ids, name, path, status, media, language):
    page.set_viewport_size(DESKTOP)
    page.emulate_media(media=media)
    response = page.goto(_url(live_server, path.format(**sample_ids), language))
    assert response.status == status
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").count() == 1, "a page has exactly one h1"
    assert page.locator("a.govuk-skip-link[href='#main-content']").count() == 1
    if media == "screen":
        assert page.locator(".sm-lang__link").count() == 1, "every page has the language switcher"
    page.screenshot(path=str(ARTIFACTS / "a11y" / f"{name}-{language}.png"), full_page=True)

    violations = axe_violations(page)
    COUNTS[f"{name} ({language})"] = dict(Counter(v["impact"] for v in violations))
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, "\n".join(f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}" for v in serious)

    page.set_viewport_size({"width": 320, "height": 640})
    page.emulate_media(media="screen")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"sideways scrolling at 320 px ({overflow} px too wide)"


def test_the_skip_link_is_the_first_thing_a_keyboard_reaches_and_is_visible(live_server, page):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.get_attribute("href") == "#main-content"
    box = focused.bounding_box()
    assert box and box["width"] > 1 and box["height"] > 1, "the skip link must show when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


FOCUS_STYLE = """() => {
    const s = getComputedStyle(document.activeElement);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && s.outlineColor !== 'rgba(0, 0, 0, 0)';
    return {tag: document.activeElement.tagName, text: document.activeElement.textContent.trim().slice(0, 40),
            shows: outline || s.boxShadow !== 'none', color: s.color, background: s.backgroundColor};
}"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_tab_stop_in_the_header_and_footer_shows_focus(live_server, page, language):
    page.set_viewport_size(DESKTOP)
    page.goto(_url(live_server, "/", language))
    stops = []
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        stops.append(page.evaluate(FOCUS_STYLE))
    assert len(stops) >= 5
    assert all(stop["shows"] for stop in stops), [stop for stop in stops if not stop["shows"]]
    # Focused header links are black on yellow, never the link's white on yellow.
    header = [stop for stop in stops if stop["background"] == "rgb(255, 221, 0)"]
    assert header and all(stop["color"] == "rgb(11, 12, 12)" for stop in header)
