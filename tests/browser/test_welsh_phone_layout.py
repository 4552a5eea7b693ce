"""The Welsh site on a phone (360 px) and a tablet (768 px): long Welsh words and labels.

Welsh words run long (a place name such as Llanfairpwllgwyngyll…, "Atgyfeirio" as a label), and a
provider can type any of them into a listing. None may push a page sideways or be split mid-word
where there is room for it.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import new_page, sign_in
from tests.browser.test_accessibility import TOO_WIDE

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("directory_data")]

PHONE_360 = {"width": 360, "height": 740}
TABLET = {"width": 768, "height": 1024}
# A real Anglesey village: 58 letters with no break, wider than any phone.
PLACE = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"


@pytest.fixture(scope="module")
def long_words():
    """A Powys service whose provider wrote the place name into its Welsh text, and a pending
    change (waiting for a moderator) that puts it in the Welsh criteria."""
    from directory.accounts.services import moderator_create
    from directory.listings import services
    from directory.models import Service
    from tests.factories import MembershipFactory, UserFactory

    service = Service.objects.filter(coverage_areas__code="W06000023", status="active").order_by("name")[0]
    provider = UserFactory(username="long-words@example.org", email="long-words@example.org")
    MembershipFactory(user=provider, organisation=service.organisation)
    moderator = moderator_create(email="long-words-mod@example.org", password="a-long-test-password").user
    result = services.service_edit(
        service=service,
        values=services.form_values_from_service(
            service, name_cy=f"Gwasanaeth {PLACE}", description_cy=f"Cymorth yn {PLACE} a'r cyffiniau.",
            how_to_refer_cy=f"Ffoniwch {PLACE}", other_languages=PLACE, eligibility_cy=f"Yn byw yn {PLACE}",
        ),
        by=provider,
    )
    assert result.pending is not None, "the criteria change waits for a moderator"
    return {"service": service, "provider": provider, "moderator": moderator, "change": result.pending}


def _pages(long_words) -> list[tuple[str, str | None]]:
    service, change = long_words["service"].public_id, long_words["change"].pk
    return [
        (f"/cy/services/{service}/", None),
        ("/cy/search/?la=W06000023", None),
        (f"/cy/shortlist/?ids={service}", None),
        (f"/cy/services/{service}/report/", None),
        ("/cy/manage/", "provider"),
        (f"/cy/manage/services/{service}/history/", "provider"),
        ("/cy/moderation/", "moderator"),
        (f"/cy/moderation/changes/{change}/", "moderator"),
    ]


def test_a_long_welsh_place_name_does_not_push_any_page_sideways_on_a_phone(browser, live_server, long_words):
    pages = {None: new_page(browser, PHONE_360)}
    for role in ("provider", "moderator"):
        pages[role] = new_page(browser, PHONE_360)
        sign_in(pages[role], live_server, long_words[role])
    try:
        too_wide = {}
        for path, role in _pages(long_words):
            page = pages[role]
            assert page.goto(live_server.url + path).status == 200, path
            assert PLACE[:20] in page.content(), f"{path} does not show the long word, so tests nothing"
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                too_wide[path] = (overflow, page.evaluate(TOO_WIDE))
        assert not too_wide, f"sideways scrolling at 360 px: {too_wide}"
    finally:
        for page in pages.values():
            page.context.close()


def test_the_result_cards_welsh_labels_are_not_split_mid_word_on_a_phone(browser, live_server):
    page = new_page(browser, PHONE_360)
    try:
        page.goto(live_server.url + "/cy/search/?la=W06000023")
        keys = page.locator(".sm-result .govuk-summary-list__key")
        assert keys.count() > 0
        # Each one-word label ("Atgyfeirio", "Pellter", "Cymraeg", "Cofnod") sits on one line.
        split = page.evaluate(
            """() => [...document.querySelectorAll('.sm-result .govuk-summary-list__key')]
                 .filter(dt => !dt.textContent.trim().includes(' '))
                 .filter(dt => { const r = document.createRange(); r.selectNodeContents(dt);
                                 return new Set([...r.getClientRects()].map(c => Math.round(c.top))).size > 1; })
                 .map(dt => dt.textContent.trim())"""
        )
        assert "Atgyfeirio" in page.locator(".sm-result .govuk-summary-list__key").all_inner_texts()
        assert not split, f"labels broken across lines: {sorted(set(split))}"
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_search_forms_selects_stay_inside_the_form_on_a_tablet(browser, live_server, language):
    page = new_page(browser, TABLET)
    try:
        prefix = "/cy" if language == "cy" else ""
        page.goto(live_server.url + prefix + "/search/?la=W06000023")
        form = page.locator(".sm-search-form").bounding_box()
        for select in page.locator(".sm-search-form select").all():
            box = select.bounding_box()
            assert box["x"] + box["width"] <= form["x"] + form["width"], (
                f"{select.get_attribute('name')} sticks out of the search form: "
                f"{box['x'] + box['width']:.0f} > {form['x'] + form['width']:.0f}"
            )
    finally:
        page.context.close()


def test_switching_language_keeps_what_was_typed_but_not_yet_sent(browser, live_server, long_words):
    service = long_words["service"]
    page = new_page(browser, PHONE_360)
    sign_in(page, live_server, long_words["provider"])
    try:
        page.goto(f"{live_server.url}/manage/services/{service.public_id}/edit/")
        page.fill("textarea[name=description_cy]", "Disgrifiad newydd heb ei gadw eto")
        page.check("input[name=kind_group_work]")
        page.click(".sm-lang__link")
        page.wait_for_url(f"**/cy/manage/services/{service.public_id}/edit/")
        assert page.input_value("textarea[name=description_cy]") == "Disgrifiad newydd heb ei gadw eto"
        assert page.is_checked("input[name=kind_group_work]")
        assert page.input_value("input[name=name_cy]") == f"Gwasanaeth {PLACE}"  # untouched fields as stored
        # Kept for that one page only: opening it again shows what is stored.
        page.reload()
        assert page.input_value("textarea[name=description_cy]") == f"Cymorth yn {PLACE} a'r cyffiniau."
        assert not page.is_checked("input[name=kind_group_work]")

        # A problem report, the other way: Welsh to English.
        page.goto(f"{live_server.url}/cy/services/{service.public_id}/report/")
        page.check("input[name=reason][value=closed]")
        page.fill("textarea[name=comment]", "Mae'r rhif ffôn wedi newid")
        page.click(".sm-lang__link")
        page.wait_for_url(f"{live_server.url}/services/{service.public_id}/report/")
        assert page.is_checked("input[name=reason][value=closed]")
        assert page.input_value("textarea[name=comment]") == "Mae'r rhif ffôn wedi newid"
    finally:
        page.context.close()


def test_switching_language_shows_a_kept_choice_that_sat_in_a_closed_section(browser, live_server):
    # A social worker opened "Delivery, wait and who is referring", typed a longest wait, then
    # switched to Welsh with the keyboard: the wait was filled back in, but inside the section, now
    # closed again, so the search would quietly drop services past it with nothing on screen (or in
    # a screen reader's reading) to say so. The page opens that section itself for a wait it draws.
    page = new_page(browser, PHONE_360)
    try:
        page.goto(f"{live_server.url}/search/")
        page.get_by_text("Delivery, wait and who is referring").click()
        page.fill("#id_max_wait", "8")
        page.focus(".sm-lang__link")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_url(f"{live_server.url}/cy/search/")
        page.wait_for_function("document.getElementById('id_max_wait').value === '8'")
        assert page.locator("#search-form details").evaluate("details => details.open")
        assert page.locator("#id_max_wait").is_visible()
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "cy"])
def test_on_a_phone_the_results_view_and_sort_links_are_a_fingers_height(browser, live_server, language):
    # "Map", "Shortest wait" and "Nearest" were 16 px tall on a 360 px phone: a line of small text to
    # hit with a finger, for the results' main switches. 44 px, as WCAG 2.5.5 and GOV.UK's own advice.
    page = new_page(browser, PHONE_360)
    try:
        prefix = "/cy" if language == "cy" else ""
        page.goto(f"{live_server.url}{prefix}/search/?la=W06000023")
        links = page.locator(".sm-results-bar a")
        assert links.count() == 3  # Map, and two sorts
        heights = {link.inner_text(): link.bounding_box()["height"] for link in links.all()}
        assert all(height >= 44 for height in heights.values()), heights
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        page.context.close()


# Each result's referral form link and phone link: their heights, and the gap between the two.
REFERRAL_TARGETS = """() => Array.from(document.querySelectorAll(".sm-result")).flatMap(result => {
  const form = result.querySelector("a[href^='https://example.invalid/refer']");
  const phone = result.querySelector("a[href^='tel:']");
  if (!form || !phone) { return []; }
  const [a, b] = [form.getBoundingClientRect(), phone.getBoundingClientRect()];
  return [[Math.round(a.height), Math.round(b.height), Math.round(b.top - a.bottom)]];
})"""


@pytest.mark.parametrize("language", ["en", "cy"])
def test_on_a_phone_a_results_referral_form_and_phone_number_are_each_a_targets_height(
        browser, live_server, language):
    # One above the other, each a 16 px line of small text 2 px apart: a thumb meant for the phone
    # number could open the referral form. At least 24 px each (WCAG 2.5.8), not overlapping.
    page = new_page(browser, PHONE_360, has_touch=True)
    try:
        prefix = "/cy" if language == "cy" else ""
        page.goto(f"{live_server.url}{prefix}/search/?la=W06000023")
        targets = page.evaluate(REFERRAL_TARGETS)
        assert len(targets) >= 3
        assert all(form >= 24 and phone >= 24 and gap >= 0 for form, phone, gap in targets), targets
    finally:
        page.context.close()


# Each "Needs approval" tag in a section's heading: its height and whether it covers any of the
# heading's own words (the text's line boxes against the tag's box, a pixel's rounding allowed).
HEADING_TAGS = """() => Array.from(document.querySelectorAll("h2 .govuk-tag")).map(tag => {
  const heading = tag.closest("h2"), words = document.createRange();
  words.selectNodeContents(Array.from(heading.childNodes).find(n => n.nodeType === 3 && n.textContent.trim()));
  const box = tag.getBoundingClientRect();
  const covered = Array.from(words.getClientRects()).some(line =>
    Math.min(line.right, box.right) - Math.max(line.left, box.left) > 1
    && Math.min(line.bottom, box.bottom) - Math.max(line.top, box.top) > 1);
  return {heading: heading.textContent.trim(), lines: box.height / parseFloat(getComputedStyle(tag).lineHeight),
          covered};
})"""


def test_the_needs_approval_tags_of_the_welsh_edit_form_sit_on_one_line_clear_of_their_headings(
        browser, live_server, long_words):
    """"Angen cymeradwyaeth" was split over two lines (GOV.UK's 160 px cap for a tag in a table) and,
    wrapped under a heading on a phone, drawn over the bottom of the heading's words."""
    page = new_page(browser, PHONE_360)
    try:
        sign_in(page, live_server, long_words["provider"])
        path = f"/cy/manage/services/{long_words['service'].public_id}/edit/"
        assert page.goto(live_server.url + path).status == 200
        tags = page.evaluate(HEADING_TAGS)
        assert len(tags) >= 6, tags  # status, forms of abuse, who, ages, who may refer, criteria, areas
        assert all("Angen cymeradwyaeth" in tag["heading"] for tag in tags), tags
        assert [tag for tag in tags if tag["lines"] >= 1.5 or tag["covered"]] == []
    finally:
        page.context.close()
