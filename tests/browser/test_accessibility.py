"""axe-core on every main page, in English and in Welsh: no serious or critical violations.

Also, per page: one h1, the page's language on <html>, no English interface text on the Welsh
page's chrome, and reflow at 320 px (no sideways scrolling). Counts of every violation by
impact go to test-artifacts/axe-counts.json for the record.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE, axe_violations, new_page, save_artifact, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("directory_data")]

POWYS_SEARCH = "la=W06000023&age=9&abuse_form=intra_familial&audience=parent_carer&no_disclosure=on"
NO_RESULTS = "la=W06000019&age=24&abuse_form=intra_familial&audience=sibling&welsh=on&max_wait=0"
# (name, English path, status, media, signed in as). The Welsh path is /cy + the English path;
# {service} and {other} are two sample Powys services (the provider's organisation runs {service}).
PAGES = [
    ("home", "/", 200, "screen", None),
    ("search-form", "/search/", 200, "screen", None),
    ("search-results", f"/search/?{POWYS_SEARCH}", 200, "screen", None),
    ("search-map", f"/search/?{POWYS_SEARCH}&view=map", 200, "screen", None),
    ("search-no-results", f"/search/?{NO_RESULTS}", 200, "screen", None),
    ("search-errors", "/search/?postcode=ZZ9&age=nine", 400, "screen", None),
    ("services-a-to-z", "/services/?letter=c", 200, "screen", None),
    ("service", "/services/{service}/", 200, "screen", None),
    ("report-problem", "/services/{service}/report/", 200, "screen", None),
    ("shortlist", "/shortlist/?ids={service},{other}", 200, "screen", None),
    ("print-view", "/shortlist/?ids={service},{other}", 200, "print", None),
    ("gaps-map", "/gaps/", 200, "screen", None),
    ("gaps-area", "/gaps/area/W06000019/", 200, "screen", None),
    ("gaps-headlines", "/gaps/headlines/", 200, "screen", None),
    ("gaps-unmet", "/gaps/unmet/", 200, "screen", None),
    ("gaps-trends", "/gaps/trends/", 200, "screen", None),
    ("gaps-print", "/gaps/?view=safeguarding_region", 200, "print", None),
    ("gaps-outside-wales", "/gaps/area/E06000023/", 404, "screen", None),
    ("about-the-data", "/about-the-data/", 200, "screen", None),
    ("accessibility-statement", "/accessibility/", 200, "screen", None),
    ("privacy-notice", "/privacy/", 200, "screen", None),
    ("cookies", "/cookies/", 200, "screen", None),
    ("page-not-found", "/services/00000000-0000-4000-8000-000000000000/", 404, "screen", None),
    ("login", "/accounts/login/", 200, "screen", None),
    ("provider-dashboard", "/manage/", 200, "screen", "provider"),
    ("service-edit", "/manage/services/{service}/edit/", 200, "screen", "provider"),
    ("service-new", "/manage/services/new/", 200, "screen", "provider"),
    ("wait-update", "/manage/services/{service}/wait/", 200, "screen", "provider"),
    ("service-history", "/manage/services/{service}/history/", 200, "screen", "provider"),
    ("service-locations", "/manage/services/{service}/locations/", 200, "screen", "provider"),
    ("location-add", "/manage/services/{service}/locations/add/", 200, "screen", "provider"),
    ("account-settings", "/accounts/settings/", 200, "screen", "provider"),
    ("moderation-queue", "/moderation/", 200, "screen", "moderator"),
    ("all-services", "/manage/?q=service", 200, "screen", "moderator"),
    ("invite-provider", "/accounts/invite/", 200, "screen", "moderator"),
    ("remove-access", "/accounts/memberships/{membership}/remove/", 200, "screen", "moderator"),
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


_CONTROL = re.compile(r"^\s*- '?(link|button|combobox|textbox|spinbutton|searchbox) \"(.*?)\"")
_URL = re.compile(r"^\s*- /url: (.*)$")


def ambiguous_names(snapshot: str) -> tuple[dict[str, set[str]], set[str], set[str]]:
    """From Playwright's aria snapshot (what a screen reader is given): link names that lead to
    more than one place, buttons named as a form field is, and form fields named alike (a box
    repeated for each service). A screen reader's list of links or of form controls shows names
    alone, so any of these is a guess."""
    lines = snapshot.splitlines()
    links: dict[str, set[str]] = {}
    buttons, fields, repeated = set(), set(), set()
    for i, line in enumerate(lines):
        found = _CONTROL.match(line)
        if not found:
            continue
        role, name = found.groups()
        if role == "link":
            url = next((m.group(1) for m in map(_URL.match, lines[i + 1:i + 3]) if m), "")
            links.setdefault(name, set()).add(url)
        elif role == "button":
            buttons.add(name)
        else:
            if name in fields:
                repeated.add(name)
            fields.add(name)
    return {name: urls for name, urls in links.items() if len(urls) > 1}, buttons & fields, repeated


def test_the_name_check_sees_links_and_controls_that_share_a_name():
    snapshot = """- link "Referral form":
  - /url: https://a.example/
- link "Referral form":
  - /url: https://b.example/
- link "Home":
  - /url: /
- link "Home":
  - /url: /
- combobox "Show":
  - option "Local authorities"
- button "Show"
- textbox "Current wait in weeks": "6"
- textbox "Current wait in weeks": "2"
- textbox "Current wait in weeks – A service": "6"
"""
    assert ambiguous_names(snapshot) == (
        {"Referral form": {"https://a.example/", "https://b.example/"}}, {"Show"}, {"Current wait in weeks"},
    )


def _url(live_server, path: str, language: str) -> str:
    return live_server.url + (f"/cy{path}" if language == "cy" else path)


@pytest.fixture(scope="module")
def sample_ids() -> dict[str, str]:
    from directory.models import Service

    powys = Service.objects.filter(coverage_areas__code="W06000023", status="active").order_by("name")
    return {"service": str(powys[0].public_id), "other": str(powys[1].public_id)}


@pytest.fixture(scope="module")
def pages(browser, live_server, sample_ids):
    """One page per role: anonymous, a provider of {service}'s organisation, a moderator, a superuser."""
    from directory.accounts.services import moderator_create
    from directory.models import Service
    from tests.factories import MembershipFactory, UserFactory

    service = Service.objects.get(public_id=sample_ids["service"])
    provider = UserFactory(username="provider@example.org", email="provider@example.org")
    # The confirmation page of a moderator's Remove access is about this membership.
    sample_ids["membership"] = str(MembershipFactory(user=provider, organisation=service.organisation).pk)
    moderator = moderator_create(email="moderator@example.org", password="a-long-test-password").user
    moderator.is_staff = True  # the CSV bulk update is for staff moderators for now (see README)
    moderator.save(update_fields=["is_staff"])
    # The admin's users: moderators are not staff there (create_moderator), so only superusers see it.
    superuser = UserFactory(username="operator@example.org", is_staff=True, is_superuser=True)
    opened = {None: new_page(browser, DESKTOP)}
    for role, user in (("provider", provider), ("moderator", moderator), ("superuser", superuser)):
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

    assert ambiguous_names(page.locator("body").aria_snapshot()) == ({}, set(), set())

    violations = axe_violations(page)
    COUNTS[f"{name} ({language})"] = dict(Counter(v["impact"] for v in violations))
    # heading-order is only "moderate" to axe, but a skipped level is a section a screen reader's
    # list of headings seems to lack.
    serious = [v for v in violations if v["impact"] in ("serious", "critical") or v["id"] == "heading-order"]
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


# The focused control, once the page has scrolled to it: whether it is whole between the table's
# sticky first column (its first heading, over both rows of headings) and its box's right edge, and
# is what is drawn at the centre of each of its lines.
FOCUSED_IN_VIEW = """async () => {
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const e = document.activeElement, r = e.getBoundingClientRect();
  const wrap = e.closest('.sm-table-wrap').getBoundingClientRect();
  const first = e.closest('table').querySelector('thead th').getBoundingClientRect();
  const drawn = [...e.getClientRects()].every(line => e.contains(
    document.elementFromPoint((line.left + line.right) / 2, (line.top + line.bottom) / 2)));
  return [e.textContent.trim(), r.left >= first.right - 0.5 && r.right <= wrap.right + 0.5 && drawn];
}"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_tabbing_along_a_sideways_scrolling_table_never_hides_the_focused_link(live_server, page, language):
    # WCAG 2.4.11: on a phone the gaps table scrolls beside its area names, which stay in view. Going
    # back along its headings with Shift+Tab, the browser scrolled each sort link just into the box,
    # under the area column, where it could not be seen; going on, the last ones were cut off.
    page.set_viewport_size(PHONE)
    page.emulate_media(media="screen")
    page.goto(_url(live_server, "/gaps/", language))
    links = page.locator("#gaps-table thead a")
    links.last.focus()
    seen = []
    for key in ["Shift+Tab"] * 5 + ["Tab"] * 5:
        page.keyboard.press(key)
        seen.append(page.evaluate(FOCUSED_IN_VIEW))
    assert len({text for text, _ in seen}) == 6, seen  # back to the second column, on to the last
    assert all(whole for _, whole in seen), [text for text, whole in seen if not whole]
    page.screenshot(path=str(ARTIFACTS / "a11y" / f"gaps-table-focus-{language}.png"))


MAP_FOCUS = """() => { const s = getComputedStyle(document.activeElement);
    return [document.activeElement.classList.contains('leaflet-container'), s.outlineStyle, s.outlineWidth, s.outlineColor,
            s.boxShadow]; }"""


@pytest.mark.parametrize("path", [f"/search/?{POWYS_SEARCH}&view=map", "/services/{service}/"])
def test_a_map_reached_by_tab_shows_the_govuk_focus(live_server, page, sample_ids, path):
    # Leaflet's map is a Tab stop (its arrow keys pan it) that showed only the browser's 1 px ring,
    # faint on the map's grey: now a 3 px black ring.
    page.set_viewport_size(PHONE)
    page.emulate_media(media="screen")
    page.goto(live_server.url + path.format(**sample_ids))
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('leaflet-container')"):
            break
    assert page.evaluate(MAP_FOCUS) == [True, "solid", "3px", "rgb(11, 12, 12)", "none"]
    # A click is not the keyboard: the map it focuses (on its scale, clear of the areas and markers)
    # shows no ring at all.
    page.locator(".leaflet-control-scale").first.click()
    focus = page.evaluate(MAP_FOCUS)
    assert (focus[0], focus[1], focus[4]) == (True, "none", "none")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_keyboard_skips_the_search_maps_markers_to_the_list_of_its_places(live_server, page, language):
    # Each marker is a tab stop: between the sort links and the list of places a Cardiff search had
    # the map, its 25 markers and its zoom buttons, with no way past them. Now a link before the map
    # leads to the list's heading (focused, so a screen reader reads on from there), and Tab goes on
    # to the first place.
    from playwright.sync_api import expect

    page.set_viewport_size(DESKTOP)
    page.emulate_media(media="screen")
    page.goto(_url(live_server, f"/search/?{POWYS_SEARCH}&view=map", language))
    expect(page.locator(".leaflet-marker-icon").first).to_be_attached()
    stops = []
    for _ in range(30):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("document.activeElement.getAttribute('href') || document.activeElement.className"))
        if stops[-1] == "#map-places":
            break
    assert stops[-1] == "#map-places", stops
    assert not [stop for stop in stops if "leaflet" in stop], "the link comes before the map"
    assert page.evaluate(FOCUS_STYLE)["shows"]
    page.keyboard.press("Enter")
    heading = page.locator(".sm-map-places h3")
    expect(heading).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(".sm-map-places a").first).to_be_focused()


@pytest.mark.parametrize("path", [f"/search/?{POWYS_SEARCH}&view=map", "/services/{service}/", "/gaps/",
                                  "/gaps/?view=health_board"])
def test_a_screen_reader_meets_no_unnamed_image_in_a_map(live_server, page, sample_ids, path):
    # The SVG of the areas drawn (their names are in the page's text, or the gaps page's table) was an
    # image with no name, the first thing in the map's region (on the gaps map, one more for the
    # regions' edges); what is left is named: markers, zoom buttons, the scale.
    from playwright.sync_api import expect

    page.goto(live_server.url + path.format(**sample_ids))
    expect(page.locator(".leaflet-overlay-pane svg path").first).to_be_attached()  # the areas are drawn
    if "view=health_board" in path:
        expect(page.locator(".leaflet-sm-regions-pane svg path").first).to_be_attached()  # and the edges
    tree = page.locator(".sm-map, .sm-gaps-map").aria_snapshot()
    assert not re.search(r"^\s*- img\s*$", tree, re.MULTILINE), tree
    assert "button" in tree  # the rest of the map is still there


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


# Each word in a table's cells that the browser split across two lines (inside the word, not at a
# space).
SPLIT_WORDS = """() => {
  const out = [], range = document.createRange();
  for (const cell of document.querySelectorAll('main table th, main table td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode, word = /\\S+/g;
      for (let m; (m = word.exec(node.textContent));) {
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) out.push(m[0]);
      }
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def areas_change(sample_ids):
    """A change waiting for approval to a Powys service's ages and areas (neither sample service)."""
    from directory.listings import services
    from directory.models import Service
    from tests.factories import MembershipFactory, UserFactory

    service = (
        Service.objects.filter(coverage_areas__code="W06000023", status="active")
        .exclude(public_id__in=[sample_ids["service"], sample_ids["other"]])
        .order_by("name")
        .first()
    )
    sender = UserFactory(username="areas@example.org", email="areas@example.org")
    MembershipFactory(user=sender, organisation=service.organisation)
    codes = [area.code for area in service.coverage_areas.all()] + ["W06000008", "W06000018"]  # Ceredigion, Caerphilly
    values = services.form_values_from_service(service, age_min=4, age_max=16, coverage_areas=codes)
    return services.service_edit(service=service, values=values, by=sender).pending


@pytest.mark.parametrize("width", [360, 390])
def test_a_change_on_a_phone_never_splits_a_short_word_in_its_field_by_field_table(
    live_server, pages, areas_change, width
):
    # The diff's cells may break anywhere (a long web address must wrap), which let the table squeeze
    # a column narrower than a place name: a moderator read "Powy / s" under "Live now". A word breaks
    # only when it is wider than its whole column; the page still fits without scrolling sideways.
    # (At 320 px three columns cannot hold every word; that width is held to no sideways scrolling above.)
    page = pages["moderator"]
    page.set_viewport_size({"width": width, "height": 800})
    page.emulate_media(media="screen")
    response = page.goto(f"{live_server.url}/moderation/changes/{areas_change.pk}/")
    assert response.status == 200
    assert "Ceredigion" in page.locator("main table").inner_text()
    page.screenshot(path=str(ARTIFACTS / "a11y" / f"change-areas-{width}.png"), full_page=True)
    assert [word for word in page.evaluate(SPLIT_WORDS) if len(word) <= 12] == []
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"sideways scrolling at {width} px ({overflow} px too wide): {page.evaluate(TOO_WIDE)}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("path", "role"), [("/gaps/area/W06000023/", None), ("/moderation/", "moderator")])
def test_a_scrolling_tables_name_is_heard_once_for_its_box_not_again_for_the_table(
    live_server, pages, areas_change, path, role, language
):
    # The area and unmet pages' tables each had a heading, a scrolling box named by it and a hidden
    # caption saying it again: a screen reader reading down said the name three times (the unmet
    # page's, with no searches counted here: tests/gaps/test_unmet_regions.py). Now the box
    # (a region, a Tab stop so a keyboard can scroll it) is named by the heading and the table is not
    # named again. What the accessibility tree gives each box and the table in it:
    page = pages[role]
    page.set_viewport_size(DESKTOP)
    page.emulate_media(media="screen")
    page.goto(_url(live_server, path, language))
    boxes = page.locator(".sm-table-wrap").all()
    assert boxes
    for box in boxes:
        assert box.get_attribute("tabindex") == "0"
        heading = page.locator(f"#{box.get_attribute('aria-labelledby')}")
        assert heading.evaluate("e => /^H[1-6]$/.test(e.tagName)")
        tree = box.aria_snapshot().splitlines()
        assert tree[0] == f'- region "{heading.inner_text()}":', tree[0]
        tables = [line.strip() for line in tree if line.strip().startswith("- table")]
        assert tables == ["- table:"], tables


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("width", [1280, 375])
def test_a_changes_state_beside_who_sent_it_is_on_one_line(live_server, pages, areas_change, width, language):
    # GOV.UK caps a tag at 160 px: "Waiting for approval" after "Sent … by …" was split over two
    # lines at 1280 px ("Yn aros am gymeradwyaeth" too). Now it takes the room it needs, on the next
    # line when that one is full.
    page = pages["moderator"]
    page.set_viewport_size({"width": width, "height": 800})
    page.emulate_media(media="screen")
    response = page.goto(_url(live_server, f"/moderation/changes/{areas_change.pk}/", language))
    assert response.status == 200
    tag = page.locator("main p.govuk-body > .govuk-tag").first
    assert tag.inner_text() == {"en": "Waiting for approval", "cy": "Yn aros am gymeradwyaeth"}[language]
    lines = tag.evaluate("tag => tag.getClientRects().length && Math.round(tag.getBoundingClientRect().height"
                         " / parseFloat(getComputedStyle(tag).lineHeight))")
    assert lines == 1


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
    expect(focused).to_have_accessible_name(re.compile(rf"^Remove from shortlist\s+– {re.escape(name)}$"))
    expect(focused).to_have_accessible_description("On your shortlist")
    assert page.evaluate(FOCUS_STYLE)["shows"]
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{name} is on your shortlist.")

    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    expect(page.locator(":focus")).to_have_accessible_name(re.compile(rf"^Add to shortlist\s+– {re.escape(name)}$"))
    page.context.close()


def _serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def _listed(violations: list[dict]) -> str:
    return "\n".join(f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}" for v in violations)


# Django's admin, as the operator's staff (superusers) use it: Django's own markup with our
# templates/admin/base_site.html (admin.css, admin-names.js) and
# directory/admin_inlines.py. {admin_service} is a service's primary key.
ADMIN_PAGES = [
    ("admin-index", "/admin/"),
    ("admin-services", "/admin/directory/service/"),
    ("admin-service-change", "/admin/directory/service/{admin_service}/change/"),
    ("admin-service-add", "/admin/directory/service/add/"),
    ("admin-wait-add", "/admin/directory/waitingtimereport/add/"),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "path"), ADMIN_PAGES)
def test_the_admin_pages_have_no_serious_accessibility_violations(live_server, pages, sample_ids, name, path, language):
    # Its breadcrumb links differed from their text only by colour, and its tabular inlines' fields
    # (coverage, locations, waits) had no names, so Tab reached a bare "checkbox" or "edit text".
    from directory.models import Service

    page = pages["superuser"]
    page.set_viewport_size(DESKTOP)
    page.emulate_media(media="screen")
    admin_service = Service.objects.get(public_id=sample_ids["service"]).pk
    response = page.goto(_url(live_server, path.format(admin_service=admin_service), language))
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("a.skip-to-content-link[href='#content-start']").count() == 1
    # select2 draws its boxes once jQuery is ready, and our script names them after.
    boxes = page.locator(".select2-selection")
    for box in boxes.all():
        box.and_(page.locator("[data-sm-named]")).wait_for(state="attached")
    page.screenshot(path=str(ARTIFACTS / "a11y" / f"{name}-{language}.png"), full_page=True)
    violations = axe_violations(page)
    COUNTS[f"{name} ({language})"] = dict(Counter(v["impact"] for v in violations))
    assert not _serious(violations), _listed(_serious(violations))
    _assert_no_sideways_scrolling_at_320_px(page)


def _assert_no_sideways_scrolling_at_320_px(page) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"sideways scrolling at 320 px ({overflow} px too wide): {page.evaluate(TOO_WIDE)}"
    page.set_viewport_size(DESKTOP)


def test_the_admin_inline_fields_are_named_by_their_column_and_row(live_server, pages, sample_ids):
    from playwright.sync_api import expect

    from directory.models import Service

    service = Service.objects.get(public_id=sample_ids["service"])
    area = service.coverage_areas.order_by("name", "pk").first()  # the admin lists them by name
    page = pages["superuser"]
    page.goto(f"{live_server.url}/admin/directory/service/{service.pk}/change/")
    # The new wait's row (the saved ones are read-only) and the first area's "Delete" box.
    expect(page.locator("input[name^='waiting_times-'][name$='-weeks']").first).to_have_accessible_name("Weeks")
    expect(page.locator("#id_Service_coverage_areas-0-DELETE")).to_have_accessible_name(f"Delete: {area.name}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_admins_autocomplete_boxes_are_named_by_their_field_and_then_their_value(
    live_server, pages, sample_ids, language
):
    # select2 named its box by the value shown in it alone: on a form that adds a record, nothing
    # (axe: aria-input-field-name), and with a value, "Powys Trust" with no "Organisation".
    from django.utils import translation
    from playwright.sync_api import expect

    from directory.models import Service

    service = Service.objects.select_related("organisation").get(public_id=sample_ids["service"])
    area = service.coverage_areas.order_by("name", "pk").first()  # the admin lists them by name
    with translation.override(language):  # the names the page shows (modeltranslation)
        organisation_name, area_name = service.organisation.name, area.name
    page = pages["superuser"]
    page.set_viewport_size(DESKTOP)
    page.goto(_url(live_server, "/admin/directory/service/add/", language))
    label = page.locator("label[for=id_organisation]").inner_text()
    assert label.startswith(("Organisation", "Sefydliad"))
    organisation = page.get_by_role("combobox", name=label, exact=True)
    expect(organisation).to_have_count(1)
    organisation.click()
    search = page.get_by_role("searchbox", name=label, exact=True)
    expect(search).to_be_focused()
    expect(organisation).to_have_attribute("aria-controls", "select2-id_organisation-results")
    search.fill(organisation_name[:12])
    page.get_by_role("option", name=organisation_name).wait_for()
    violations = _serious(axe_violations(page))  # the open list: its highlighted option's contrast
    assert not violations, _listed(violations)
    page.keyboard.press("Enter")
    expect(page.get_by_role("combobox", name=f"{label} {organisation_name}", exact=True)).to_be_focused()
    assert page.locator("#id_organisation + .select2 .select2-selection").get_attribute("aria-controls") is None

    # A tabular inline's box, which has no <label>, by its column.
    page.goto(_url(live_server, f"/admin/directory/service/{service.pk}/change/", language))
    column = page.locator("#Service_coverage_areas-group th.column-area").text_content().strip()
    expect(page.get_by_role("combobox", name=f"{column} {area_name}", exact=True)).to_have_count(1)


def test_the_admins_date_and_time_boxes_are_named_by_their_field_and_part(live_server, pages):
    # Django draws a date-and-time field as two boxes after the words "Date:" and "Time:", with the
    # field's <label> pointing at neither: Tab reached two bare "edit text"s (axe: label).
    from playwright.sync_api import expect

    page = pages["superuser"]
    page.set_viewport_size(DESKTOP)
    # The field's name is in the page's language too (it was "Recorded at" on Welsh pages).
    for prefix, field, date, time in (("", "Recorded at", "Date", "Time"), ("/cy", "Cofnodwyd", "Dyddiad", "Amser")):
        page.goto(f"{live_server.url}{prefix}/admin/directory/waitingtimereport/add/")
        expect(page.locator("#id_recorded_at_0")).to_have_accessible_name(f"{field}: {date}")
        expect(page.locator("#id_recorded_at_1")).to_have_accessible_name(f"{field}: {time}")


# On the API documentation a screen reader's lists of headings and of landmarks are checked too
# (axe counts a skipped heading level, text outside any landmark and two regions of one name only as
# "moderate"): Swagger UI's headings went from h1 to h3, and its title was outside any landmark.
API_DOCS_STRUCTURE = {"heading-order", "region", "landmark-unique"}


def _api_docs_faults(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical") or v["id"] in API_DOCS_STRUCTURE]


def _heading_levels(page) -> list[int]:
    """The headings' levels in Chromium's accessibility tree, in page order: what a screen reader lists."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    return [int(prop["value"]["value"]) for node in nodes if node.get("role", {}).get("value") == "heading"
            for prop in node.get("properties", []) if prop["name"] == "level"]


@pytest.fixture
def own_page(browser):
    """A page of its own, closed after its test: Swagger UI is the heaviest page here, and its
    renderer once crashed ("Target crashed") on a loaded machine in the page shared by this module."""
    page = new_page(browser, DESKTOP)
    yield page
    page.context.close()


def test_the_api_documentation_has_no_serious_accessibility_violations(live_server, own_page):
    # drf-spectacular's page had no lang, Swagger UI's badges, links and buttons were below 4.5:1
    # contrast, and deep links put a link inside every operation's open/close button. After "Try it
    # out", its true-or-false parameters were lists with no name, and an example or an answer scrolled
    # in a box that Tab never reached; an answer's numbers and "Download" were below 4.5:1.
    from playwright.sync_api import expect

    page = own_page
    page.emulate_media(media="screen")
    response = page.goto(f"{live_server.url}/api/docs/")
    assert response.status == 200
    page.wait_for_selector(".opblock")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("banner")).to_contain_text("servicemap API")
    violations = axe_violations(page)
    COUNTS["api-docs"] = dict(Counter(v["impact"] for v in violations))
    assert not _api_docs_faults(violations), _listed(_api_docs_faults(violations))

    # An operation opened and its "Try it out" pressed.
    operation = page.locator("#operations-ORUK-listServices")
    operation.locator(".opblock-summary-control").click()
    operation.locator(".try-out__btn").click()
    operation.locator(".execute").wait_for()
    expect(operation.get_by_role("combobox", name="welsh", exact=True)).to_be_visible()
    expect(operation.get_by_role("region", name="Example value, 200, GET /api/oruk/services")).to_be_attached()
    page.screenshot(path=str(ARTIFACTS / "a11y" / "api-docs-try-it-out.png"), full_page=True)
    violations = axe_violations(page)
    COUNTS["api-docs, try it out"] = dict(Counter(v["impact"] for v in violations))
    assert not _api_docs_faults(violations), _listed(_api_docs_faults(violations))

    # The request run: its answer scrolls in a box that Tab reaches after "Download", showing focus,
    # and the arrow keys scroll.
    operation.locator(".execute").click()
    answer = operation.get_by_role("region", name="Response body, GET /api/oruk/services")
    answer.wait_for()
    operation.get_by_role("button", name="Download").focus()
    page.keyboard.press("Tab")
    expect(answer).to_be_focused()
    assert page.evaluate(FOCUS_STYLE)["shows"]
    page.keyboard.press("PageDown")
    page.wait_for_function("document.activeElement.scrollTop > 0")
    page.screenshot(path=str(ARTIFACTS / "a11y" / "api-docs-answer.png"), full_page=True)
    violations = axe_violations(page)
    COUNTS["api-docs, answer"] = dict(Counter(v["impact"] for v in violations))
    assert not _api_docs_faults(violations), _listed(_api_docs_faults(violations))
    levels = _heading_levels(page)
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    _assert_no_sideways_scrolling_at_320_px(page)
