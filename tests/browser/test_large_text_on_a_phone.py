"""A 320 px phone with its text set to 200% (Android's font size; WCAG 1.4.4): nothing scrolls sideways.

Chromium's own text size (CDP `Page.setFontSizes`, as the browser's setting does) is changed, not the
page zoom: GOV.UK Frontend sizes text in rem, and media queries in em follow it.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import new_page, sign_in
from tests.browser.test_accessibility import TOO_WIDE

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("directory_data")]

PHONE_320 = {"width": 320, "height": 640}
PHONE_360 = {"width": 360, "height": 740}
POWYS = "W06000023"


def _phone(browser, text_size: int, viewport: dict = PHONE_320):
    page = new_page(browser, viewport)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": text_size, "fixed": round(text_size * 13 / 16)}})
    return page


@pytest.fixture(scope="module")
def service():
    from directory.models import Service

    return Service.objects.published().filter(coverage_areas__code=POWYS, waiting_times__isnull=False).order_by("name")[0]


@pytest.mark.parametrize("language", ["en", "cy"])
def test_with_200_percent_text_no_page_scrolls_sideways_on_a_320_px_phone(browser, live_server, service, language):
    page = _phone(browser, 32)
    try:
        prefix = "/cy" if language == "cy" else ""
        too_wide = {}
        for path in (f"/search/?la={POWYS}&abuse_form=intra_familial", f"/services/{service.public_id}/",
                     f"/shortlist/?ids={service.public_id}", "/"):
            assert page.goto(live_server.url + prefix + path).status == 200
            assert page.evaluate("getComputedStyle(document.body).fontSize") == "32px", "the text is not at 200%"
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                too_wide[path] = (overflow, page.evaluate(TOO_WIDE))
        assert not too_wide, f"sideways scrolling at 320 px with 200% text: {too_wide}"
        # The reported waits, side by side, scrolled 96 px in their box in Welsh (78 px in English): a
        # row is now a block, its date on a line of its own and each value under its column's name.
        # Still a table to a screen reader, in a box that the keyboard can reach, named by its caption.
        page.goto(f"{live_server.url}{prefix}/services/{service.public_id}/")
        box = page.locator(".sm-table-wrap[aria-labelledby=waits-caption]")
        assert box.locator("tbody tr").count() > 0, "no reported wait, so this tests none"
        assert box.evaluate("box => box.scrollWidth - box.clientWidth") <= 0, "the waits table scrolls sideways in its box"
        assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
        snapshot = box.locator("table").aria_snapshot()
        assert snapshot.startswith("- table") and all(f"- {role}" in snapshot for role in ("columnheader", "rowheader", "cell"))
    finally:
        page.context.close()


@pytest.fixture(scope="module")
def waiting_change(service):
    """A change to {service} waiting for approval, sent by its provider, and a moderator to see it.

    Before it, an approved one whose fields hold long Welsh words ("Gwasanaethau", "cyfeirio", "Rhieni
    a gofalwyr nad ydynt yn cam-drin") and a wait the provider gave: the history's tables then hold
    them, and the provider's and the moderator's email addresses."""
    from directory.accounts.services import moderator_create
    from directory.listings import services
    from tests.factories import MembershipFactory, UserFactory

    provider = UserFactory(username="large-text-provider@example.org", email="large-text-provider@example.org")
    MembershipFactory(user=provider, organisation=service.organisation)
    moderator = moderator_create(email="large-text-mod@example.org", password="a-long-test-password").user
    values = services.form_values_from_service(
        service, supports_parent_carer=not service.supports_parent_carer,
        eligibility_en="Services for children who refer themselves",
        eligibility_cy="Gwasanaethau i blant sy'n cyfeirio eu hunain")
    services.change_approve(change=services.service_edit(service=service, values=values, by=provider).pending, by=moderator)
    services.wait_update(service=service, weeks=3, referrals_open=True, by=provider)
    service.refresh_from_db()
    values = services.form_values_from_service(
        service, status="paused", eligibility_en="Referrals from professionals only",
        eligibility_cy="Atgyfeiriadau gan weithwyr proffesiynol yn unig")
    change = services.service_edit(service=service, values=values, by=provider).pending
    assert change is not None
    return {"change": change, "moderator": moderator, "provider": provider}


# Each box of a table (.sm-table-wrap) in the page's main part that scrolls sideways, by what names it.
SCROLLING_BOXES = """() => [...document.querySelectorAll('main .sm-table-wrap')]
  .filter(box => box.scrollWidth > box.clientWidth)
  .map(box => `${box.getAttribute('aria-labelledby')}: ${box.scrollWidth - box.clientWidth} px`)"""


@pytest.mark.parametrize("language", ["en", "cy"])
def test_with_200_percent_text_no_moderation_page_scrolls_sideways_on_a_320_px_phone(
        browser, live_server, service, waiting_change, language):
    # The queue's table of changes waiting for approval, in no box of its own, pushed the page 73 px
    # sideways (290 px in Welsh; 12 px at the usual text size); the service's history by 126 px
    # (173 px), with its table in a box that scrolls: each change's link holds words for screen
    # readers, drawn beyond the screen's edge and held by no box.
    # Then the tables scrolled in their boxes (the queue 277 px, the listings not confirmed 366 px,
    # the history's waits 591 px), and the values of a change's fields, two to a line, were split
    # mid-word ("Gwasana / ethau", "atgyfeiria / dau", "proffesiyn / ol"): each row is now a block
    # of its own, each value under its column's name and the width of the screen.
    pages = {role: _phone(browser, 32) for role in ("moderator", "provider")}
    for role, page in pages.items():
        sign_in(page, live_server, waiting_change[role])
    try:
        prefix = "/cy" if language == "cy" else ""
        too_wide, scrolling, split = {}, {}, {}
        change = waiting_change["change"].pk
        history = f"/manage/services/{service.public_id}/history/"
        for path, role in (("/moderation/", "moderator"), (f"/moderation/changes/{change}/", "moderator"),
                           (history, "moderator"), (history, "provider")):
            page = pages[role]
            assert page.goto(live_server.url + prefix + path).status == 200
            if role == "moderator" and path != f"/moderation/changes/{change}/":  # the page lists the change
                assert page.locator(f"main table a[href^='{prefix}/moderation/changes/{change}/']").count() == 1, path
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                too_wide[path] = overflow
            if boxes := page.evaluate(SCROLLING_BOXES):
                scrolling[f"{path} ({role})"] = boxes
            if words := page.evaluate(SPLIT_WORDS, "main td, main tbody th"):
                split[f"{path} ({role})"] = words
        assert not too_wide, f"sideways scrolling at 320 px with 200% text: {too_wide}"
        assert not scrolling, f"tables scrolling in their boxes at 320 px with 200% text: {scrolling}"
        assert not split, f"words in tables split across lines at 320 px with 200% text: {split}"
        # Each is still a table to a screen reader, its rows named, in a box that the keyboard can
        # reach, named by its heading.
        page = pages["moderator"]
        page.goto(f"{live_server.url}{prefix}/moderation/")
        box = page.locator(".sm-table-wrap:has(a[href*='/moderation/changes/'])")
        assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
        assert box.get_attribute("aria-labelledby") == "changes"
        snapshot = box.locator("table").aria_snapshot()
        assert snapshot.startswith("- table") and all(f"- {role}" in snapshot for role in ("columnheader", "rowheader", "cell"))
    finally:
        for page in pages.values():
            page.context.close()


def test_with_the_usual_text_size_a_cards_labels_stay_beside_their_values_at_320_px(browser, live_server):
    page = _phone(browser, 16)
    try:
        page.goto(f"{live_server.url}/search/?la={POWYS}")
        row = page.locator(".sm-result .govuk-summary-list__row").first
        key, value = row.locator("dt").bounding_box(), row.locator("dd").bounding_box()
        assert value["x"] > key["x"] + key["width"] and abs(value["y"] - key["y"]) < 10
    finally:
        page.context.close()


# Each word of a heading, a form's label or a tag (or of what a selector given picks) that runs from
# one line onto the next other than after a hyphen, a slash or a soft hyphen ("cam- / drin",
# "hunan- / atgyfeirio"). Letter by letter, each letter's line being its last box's: a range that
# begins after a soft hyphen at a line's end also holds the hyphen drawn there.
SPLIT_WORDS = r"""(selector = 'main h1, main h2, main h3, main label, main .govuk-tag') => {
  const out = [];
  const lineOf = (node, i) => {
    const range = document.createRange();
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    const boxes = [...range.getClientRects()].filter(r => r.width > 0);
    return boxes.length ? Math.round(boxes[boxes.length - 1].top) : null;
  };
  for (const el of document.querySelectorAll(selector)) {
    if (el.offsetParent === null) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (node.parentElement.closest('.govuk-visually-hidden')) continue;
      for (const m of node.data.matchAll(/\S+/g)) {
        for (let i = m.index + 1; i < m.index + m[0].length; i++) {
          const before = lineOf(node, i - 1), here = lineOf(node, i);
          if (before !== null && here !== null && here > before && !'-–/\u00ad'.includes(node.data[i - 1])) {
            out.push(`${el.tagName.toLowerCase()}: ${m[0]}`);
            break;
          }
        }
      }
    }
  }
  return out;
}"""


def test_with_200_percent_text_on_a_360_px_phone_no_title_label_or_tag_breaks_a_word(browser, live_server, service):
    # A page's title was 64 px, wider than the screen for one word: "arbenigo / l", "specialis / t";
    # the search form's labels split "investigation" and "proffesiynol", the wait's tag "atgyfeiriadau".
    page = _phone(browser, 32, PHONE_360)
    try:
        split = {}
        for path in ("/", "/cy/", f"/search/?la={POWYS}&abuse_form=intra_familial", f"/cy/search/?la={POWYS}",
                     f"/services/{service.public_id}/", f"/cy/services/{service.public_id}/", "/cy/shortlist/"):
            assert page.goto(live_server.url + path).status == 200
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true })")  # laid out
            if words := page.evaluate(SPLIT_WORDS):
                split[path] = words
            # Titles grow less than the text, but never below their usual size nor to the body's.
            title = float(page.evaluate("getComputedStyle(document.querySelector('h1')).fontSize")[:-2])
            assert 32 < title, f"{path}: its title is {title} px, at most the body text's 32 px"
        assert not split, f"words broken across lines at 360 px with 200% text: {split}"
    finally:
        page.context.close()


# The sort's choices as laid out: each one's box, its item's (the choice and a "·" drawn beside it)
# and what is drawn before and after it; the text of the whole control and the left edge it clips its content at.
SORT_CHOICES = r"""() => {
  const nav = document.querySelector('.sm-sort'), box = nav.getBoundingClientRect();
  return {
    text: nav.textContent,
    left: box.left + parseFloat(getComputedStyle(nav).paddingLeft),
    clip: getComputedStyle(nav).overflowX === 'hidden' ? box.left : -Infinity,
    items: [...nav.querySelectorAll('li')].map(item => {
      const choice = item.firstElementChild.getBoundingClientRect(), box = item.getBoundingClientRect();
      return {label: item.textContent, before: getComputedStyle(item, '::before').content,
              after: getComputedStyle(item, '::after').content,
              choice: {top: choice.top, bottom: choice.bottom, left: choice.left, right: choice.right},
              item: {top: box.top, bottom: box.bottom, left: box.left, right: box.right}};
    }),
  };
}"""


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize(("text_size", "viewport"), [
    (16, PHONE_320), (16, PHONE_360), (24, {"width": 700, "height": 900}), (32, PHONE_320)])
def test_a_sort_separator_is_only_ever_drawn_between_two_choices_on_one_line(
        browser, live_server, language, text_size, viewport):
    # " · " written between the links (each an inline-block on a phone, which a line may break either
    # side of) ended lines, began them ("· Yr agosaf"), and at 320 px with 200% text stood alone on one.
    # Drawn after each choice, it still ended a line on a phone ("Yr un sy'n cyfateb orau ·").
    page = _phone(browser, text_size, viewport)
    try:
        prefix = "/cy" if language == "cy" else ""
        assert page.goto(f"{live_server.url}{prefix}/search/?la={POWYS}").status == 200
        sort = page.evaluate(SORT_CHOICES)
        assert "·" not in sort["text"], "a separator written as text, apart from its choice"
        snapshot = page.locator(".sm-sort").aria_snapshot()  # what a screen reader is given
        assert "- list:" in snapshot and snapshot.count("- listitem:") == 3 and "·" not in snapshot, snapshot
        items = sort["items"]
        assert len(items) == 3
        if text_size == 32:
            # Text made larger on a narrow screen: one choice a line, nothing between them.
            assert all(item["before"] == item["after"] == "none" and item["choice"]["left"] == sort["left"] for item in items)
            assert items[0]["item"]["bottom"] <= items[1]["item"]["top"] and items[1]["item"]["bottom"] <= items[2]["item"]["top"]
        else:
            # Each "·" drawn (the middle of its slot beside its choice) and the line it is on.
            dots = [((item["item"]["left"] + item["choice"]["left"]) / 2, item["choice"]["top"])
                    for item in items if "·" in item["before"]]
            dots += [((item["choice"]["right"] + item["item"]["right"]) / 2, item["choice"]["top"])
                     for item in items if "·" in item["after"]]
            assert len(dots) == 2, items
            choices = [item["choice"] for item in items]
            seen = [(x, top) for x, top in dots if x > sort["clip"] - 2]  # not out of sight, left of the box
            for x, top in seen:
                assert any(c["top"] == top and c["right"] < x for c in choices), f"a line begins with a '·': {items}"
                assert any(c["top"] == top and c["left"] > x for c in choices), f"a line ends with a '·': {items}"
            # Two choices side by side on a line have a "·" between them.
            for before, after in zip(choices, choices[1:], strict=False):
                if after["top"] == before["top"]:
                    assert any(before["right"] < x < after["left"] for x, _ in seen), items
            lines = len({c["top"] for c in choices})
            if viewport == PHONE_320 and language == "cy":
                assert lines > 1, "the choices fit on one line, so this tests no line's start or end"
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    finally:
        page.context.close()


# Each table wider than its box, scrolled to its end: whether the last cell of its first full row is
# drawn there, or is under the column kept in view (position: sticky) beside the figures.
LAST_COLUMN_SEEN = r"""() => [...document.querySelectorAll('.sm-table-wrap')]
  .filter(wrap => wrap.scrollWidth > wrap.clientWidth).map(wrap => {
    const rows = [...wrap.querySelectorAll('tbody tr')];
    const widest = Math.max(...rows.map(row => row.cells.length));
    const cell = rows.find(row => row.cells.length === widest).lastElementChild;
    wrap.scrollLeft = wrap.scrollWidth;
    window.scrollBy(0, cell.getBoundingClientRect().top - innerHeight / 2);
    const box = cell.getBoundingClientRect();
    const drawn = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return {table: wrap.querySelector('caption, th').textContent.trim().slice(0, 40), seen: cell.contains(drawn)};
  })"""


@pytest.mark.parametrize("language", ["en", "cy"])
def test_with_200_percent_text_a_wide_tables_last_figures_can_be_scrolled_into_view_on_a_320_px_phone(
        browser, live_server, language):
    # The column of area names kept in view as the figures scroll was, with the text at 200%, as wide
    # as the table's box or wider (324 px in 290): every figure scrolled under it, out of sight.
    page = _phone(browser, 32)
    try:
        prefix = "/cy" if language == "cy" else ""
        hidden = {}
        for path in ("/gaps/", "/gaps/headlines/", f"/gaps/area/{POWYS}/"):
            assert page.goto(live_server.url + prefix + path).status == 200
            tables = page.evaluate(LAST_COLUMN_SEEN)
            assert tables, f"{path}: no table wider than its box, so this tests nothing"
            if unseen := [table["table"] for table in tables if not table["seen"]]:
                hidden[path] = unseen
        assert not hidden, f"the last column hidden under the first at 320 px with 200% text: {hidden}"
    finally:
        page.context.close()
