"""axe-core on every main page, in English and in Welsh: no serious or critical violations.

Also, per page: one h1, the page's language on <html>, no English interface text on the Welsh
page's chrome, and reflow at 320 px (no sideways scrolling). Counts of every violation by
impact go to test-artifacts/axe-counts.json for the record.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.browser.conftest import ARTIFACTS, DESKTOP, axe_violations, new_page, save_artifact, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("directory_data")]

POWYS_SEARCH = "la=W06000023&age=9&abuse_form=intra_familial&audience=parent_carer&no_disclosure=on"
NO_RESULTS = "la=W06000019&age=24&abuse_form=intra_familial&audience=sibling&welsh=on&max_wait=0"
# (name, English path, status, media, signed in as). The Welsh path is /cy + the English path;
# {service} and {other} are two sample Powys services (the provider's organisation runs {service}).
PAGES = [
    ("home", "/", 200, "screen", None),
    ("search-form", "/search/", 200, "screen", None),
    ("search-results", f"/search/?{POWYS_SEARCH}", 200, "screen", None),
    ("search-no-results", f"/search/?{NO_RESULTS}", 200, "screen", None),
    ("search-errors", "/search/?postcode=ZZ9&age=nine", 400, "screen", None),
    ("service", "/services/{service}/", 200, "screen", None),
    ("report-problem", "/services/{service}/report/", 200, "screen", None),
    ("shortlist", "/shortlist/?ids={service},{other}", 200, "screen", None),
    ("print-view", "/shortlist/?ids={service},{other}", 200, "print", None),
    ("gaps-map", "/gaps/", 200, "screen", None),
    ("gaps-area", "/gaps/area/W06000019/", 200, "screen", None),
    ("gaps-headlines", "/gaps/headlines/", 200, "screen", None),
    ("gaps-unmet", "/gaps/unmet/", 200, "screen", None),
    ("gaps-trends", "/gaps/trends/", 200, "screen", None),
    ("about-the-data", "/about-the-data/", 200, "screen", None),
    ("accessibility-statement", "/accessibility/", 200, "screen", None),
    ("privacy-notice", "/privacy/", 200, "screen", None),
    ("cookies", "/cookies/", 200, "screen", None),
    ("page-not-found", "/services/00000000-0000-4000-8000-000000000000/", 404, "screen", None),
    ("login", "/accounts/login/", 200, "screen", None),
    ("provider-dashboard", "/manage/", 200, "screen", "provider"),
    ("service-edit", "/manage/services/{service}/edit/", 200, "screen", "provider"),
    ("wait-update", "/manage/services/{service}/wait/", 200, "screen", "provider"),
    ("service-history", "/manage/services/{service}/history/", 200, "screen", "provider"),
    ("service-locations", "/manage/services/{service}/locations/", 200, "screen", "provider"),
    ("location-add", "/manage/services/{service}/locations/add/", 200, "screen", "provider"),
    ("moderation-queue", "/moderation/", 200, "screen", "moderator"),
    ("all-services", "/manage/?q=service", 200, "screen", "moderator"),
    ("invite-provider", "/accounts/invite/", 200, "screen", "moderator"),
    ("bulk-update", "/moderation/waits/", 200, "screen", "moderator"),
]
LANGUAGES = ["en", "cy"]
COUNTS: dict[str, dict[str, int]] = {}
# Text that sticks out to the right of the viewport, outside any scrolling box (a wide table
# in a scrolling wrapper is allowed: WCAG 1.4.10 exempts content that needs two dimensions).
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth, out = [];
  // <html> counts as scrolling (GOV.UK sets overflow-y), so stop below <body>.
  const scrolls = el => { for (let p = el; p && p !== document.body; p = p.parentElement) {
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; } return false; };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode() && out.length < 5) {
    const range = document.createRange(); range.selectNodeContents(walker.currentNode);
    const parent = walker.currentNode.parentElement;
    if ([...range.getClientRects()].some(r => r.right > width + 0.5) && !scrolls(parent))
      out.push(parent.tagName + '.' + parent.className + ': ' + walker.currentNode.textContent.trim().slice(0, 40));
  }
  return out;
}"""


def _url(live_server, path: str, language: str) -> str:
    return live_server.url + (f"/cy{path}" if language == "cy" else path)


@pytest.fixture(scope="module")
def sample_ids() -> dict[str, str]:
    from directory.models import Service

    powys = Service.objects.filter(coverage_areas__code="W06000023", status="active").order_by("name")
    return {"service": str(powys[0].public_id), "other": str(powys[1].public_id)}


@pytest.fixture(scope="module")
def pages(browser, live_server, sample_ids):
    """One page per role: anonymous, a provider of {service}'s organisation, a moderator."""
    from directory.accounts.services import moderator_create
    from directory.models import Service
    from tests.factories import MembershipFactory, UserFactory

    service = Service.objects.get(public_id=sample_ids["service"])
    provider = UserFactory(username="provider@example.org", email="provider@example.org")
    MembershipFactory(user=provider, organisation=service.organisation)
    moderator = moderator_create(email="moderator@example.org", password="a-long-test-password").user
    moderator.is_staff = True  # the CSV bulk update is for staff moderators for now (see README)
    moderator.save(update_fields=["is_staff"])
    opened = {None: new_page(browser, DESKTOP)}
    for role, user in (("provider", provider), ("moderator", moderator)):
        opened[role] = new_page(browser, DESKTOP)
        sign_in(opened[role], live_server, user)
    yield opened
    for page in opened.values():
        page.context.close()
    save_artifact("axe-counts.json", COUNTS)


@pytest.fixture(scope="module")
def page(pages):
    return pages[None]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "path", "status", "media", "role"), PAGES)
def test_page_has_no_serious_accessibility_violations(
    live_server, pages, sample_ids, name, path, status, media, role, language
):
    page = pages[role]
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
    # An error summary links to each field in error, and the field is there to go to.
    for href in page.locator(".govuk-error-summary a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert href.startswith("#") and page.locator(href).count() == 1, f"error summary link {href} goes nowhere"
    if status == 400:
        assert page.locator(".govuk-error-summary a").count() >= 1

    violations = axe_violations(page)
    COUNTS[f"{name} ({language})"] = dict(Counter(v["impact"] for v in violations))
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, "\n".join(f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}" for v in serious)

    page.set_viewport_size({"width": 320, "height": 640})
    page.emulate_media(media="screen")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"sideways scrolling at 320 px ({overflow} px too wide): {page.evaluate(TOO_WIDE)}"


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


def test_axe_really_runs_and_reports_violations(page):
    # Guards the zero counts above: the same helper must see a page's obvious faults.
    page.set_content('<html><head><title>t</title></head><body><img src="x.png"><input type="text"></body></html>')
    found = {v["id"]: v["impact"] for v in axe_violations(page)}
    assert found.get("image-alt") == "critical" and "label" in found and "html-has-lang" in found


# Every form control's right edge against its column's (the nearest grid column or the page's width).
CONTROLS_OUTSIDE_COLUMN = """() => [...document.querySelectorAll('main input, main select, main textarea, main button')]
  .filter(el => el.type !== 'hidden' && el.getBoundingClientRect().width > 0)
  .map(el => [el, el.closest('[class*="govuk-grid-column"]') || document.querySelector('main')])
  .filter(([el, column]) => el.getBoundingClientRect().right > column.getBoundingClientRect().right + 0.5)
  .map(([el, column]) => `${el.tagName}#${el.id}: right ${Math.round(el.getBoundingClientRect().right)}`
                         + ` past its column's ${Math.round(column.getBoundingClientRect().right)}`)"""


@pytest.mark.parametrize("path", [f"/search/?{POWYS_SEARCH}", "/gaps/", "/services/{service}/report/"])
def test_at_200_percent_text_no_form_control_spills_out_of_its_column(live_server, page, sample_ids, path):
    # WCAG 1.4.4: text made twice as large (a browser's text-only zoom, as the root font size here,
    # which GOV.UK Frontend's rem sizes follow). GOV.UK's selects are at least 11.5em wide, so the
    # search's list of local authorities grew past the narrow form column and over the results' heading.
    page.set_viewport_size(DESKTOP)
    page.emulate_media(media="screen")
    page.goto(live_server.url + path.format(**sample_ids))
    page.add_style_tag(content="html { font-size: 200% !important; }")
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('main label, main p')).fontSize)") >= 30
    assert page.evaluate(CONTROLS_OUTSIDE_COLUMN) == []


LONG_EMAIL = "safeguarding.referrals.team@powys-childrens-recovery-trust.example.org"


@pytest.fixture(scope="module")
def long_email_change(sample_ids):
    """A change waiting for approval, sent by a provider with a long address, to a long referral link."""
    from directory.listings import services
    from directory.models import Service
    from tests.factories import MembershipFactory, UserFactory

    service = Service.objects.get(public_id=sample_ids["other"])
    sender = UserFactory(username=LONG_EMAIL, email=LONG_EMAIL)
    MembershipFactory(user=sender, organisation=service.organisation)
    long_url = "https://example.invalid/" + "a-very-long-referral-form-path" * 3
    values = services.form_values_from_service(service, status="paused", referral_url=long_url)
    return services.service_edit(service=service, values=values, by=sender).pending


@pytest.mark.parametrize("path", ["/moderation/", "/moderation/changes/{change}/"])
def test_a_change_sent_from_a_long_email_address_fits_a_320_px_screen(live_server, pages, long_email_change, path):
    # WCAG 1.4.10: the moderation queue named the sender's address in a table cell, unbroken, and
    # pushed the whole page sideways on a phone once anything was waiting for approval.
    page = pages["moderator"]
    page.set_viewport_size({"width": 320, "height": 640})
    page.emulate_media(media="screen")
    response = page.goto(live_server.url + path.format(change=long_email_change.pk))
    assert response.status == 200
    assert LONG_EMAIL in page.locator("main").inner_text()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"sideways scrolling at 320 px ({overflow} px too wide): {page.evaluate(TOO_WIDE)}"


def test_adding_to_the_shortlist_by_keyboard_leaves_focus_on_the_card_saying_it_is_on_the_list(
    live_server, browser, sample_ids
):
    # The page comes back scrolled to the card; the "is on your shortlist" banner, focused by GOV.UK's
    # script, lost focus to that scroll, so a screen reader said nothing of what had happened and the
    # next Tab started from the card's heading. Now focus is on the card's own button, which says
    # what it does now and that the service is on the list.
    from playwright.sync_api import expect

    page = new_page(browser, DESKTOP)
    page.goto(f"{live_server.url}/search/?{POWYS_SEARCH}")
    card = page.locator("article.sm-result").nth(1)
    name = card.locator("h3").inner_text()
    card.get_by_role("button", name=re.compile("Add to shortlist")).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    focused = page.locator(":focus")
    expect(focused).to_have_accessible_name(re.compile(rf"^Remove from shortlist\s*: {re.escape(name)}$"))
    expect(focused).to_have_accessible_description("On your shortlist")
    assert page.evaluate(FOCUS_STYLE)["shows"]
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{name} is on your shortlist.")

    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    expect(page.locator(":focus")).to_have_accessible_name(re.compile(rf"^Add to shortlist\s*: {re.escape(name)}$"))
    page.context.close()
