"""Reflow (WCAG 1.4.10): every page at 320 CSS px wide, as a 1280 px screen at 400% zoom, in English
and in Welsh, with something in each list (a change waiting for approval, a problem report, an
invitation). Nothing scrolls the page sideways; a table wider than the screen scrolls in a box of
its own, and a map is a map. No "|" between a card's actions ends or begins a line, no field's name
in a change's table nor email address in the queue is split mid-word, and the moderators' and the
history's tables fit their boxes (a row a block on a phone), each still a table to a screen reader.

test_accessibility.py checks its pages at 320 px too, but laid out first at 1280 px and with the
moderation queue empty; this loads each page at 320 px, as a phone does. 200% text on a phone:
test_large_text_on_a_phone.py; long Welsh words at 360 px: test_welsh_phone_layout.py.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import new_page, sign_in
from tests.browser.test_accessibility import TOO_WIDE
from tests.browser.test_large_text_on_a_phone import SCROLLING_BOXES, SPLIT_WORDS

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("directory_data")]

PHONE_320 = {"width": 320, "height": 640}
POWYS = "W06000023"
SEARCH = f"la={POWYS}&age=9&abuse_form=intra_familial&audience=parent_carer&no_disclosure=on"


@pytest.fixture(scope="module")
def listed():
    """A provider of a Powys service, with a change of theirs waiting for a moderator, a problem
    report on it, and an invitation not yet accepted."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from directory.accounts.services import invitation_token, moderator_create
    from directory.listings import services
    from directory.models import Service
    from tests.factories import InvitationFactory, MembershipFactory, ProblemReportFactory, UserFactory

    service, other = Service.objects.published().filter(coverage_areas__code=POWYS).order_by("name")[:2]
    provider = UserFactory(username="reflow-provider@example.org", email="reflow-provider@example.org")
    MembershipFactory(user=provider, organisation=service.organisation)
    moderator = moderator_create(email="reflow-mod@example.org", password="a-long-test-password").user
    moderator.is_staff = True  # the CSV bulk update is for staff moderators for now (see README)
    moderator.save(update_fields=["is_staff"])
    values = services.form_values_from_service(  # fields whose Welsh names are long: "Oedran hynaf (blynyddoedd)"
        service, status="paused", eligibility_en="Lives in Powys, aged 5 to 17",
        eligibility_cy="Yn byw ym Mhowys, 5 i 17 oed", age_max=str(int(service.age_max) - 1))
    change = services.service_edit(service=service, values=values, by=provider).pending
    assert change is not None, "the criteria change waits for a moderator"
    services.wait_update(service=service, weeks=4, referrals_open=True, by=provider)  # the history names who gave it
    ProblemReportFactory(service=service, reason="closed", comment="The phone number has changed since last month")
    invitation = InvitationFactory(organisation=other.organisation, invited_by=moderator)
    forgot = UserFactory(username="reflow-forgot@example.org")  # not signed in here, so its link stays good
    return {"service": service.public_id, "other": other.public_id, "change": change.pk,
            "provider": provider, "moderator": moderator,
            "invitation": reverse("accounts:accept_invitation", kwargs={"token": invitation_token(invitation)}),
            "password_reset": reverse("accounts:password_reset_confirm", kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(forgot.pk)),
                "token": default_token_generator.make_token(forgot)})}


def _paths(listed) -> list[tuple[str, str | None]]:
    service, other, change = listed["service"], listed["other"], listed["change"]
    return [
        ("/", None),
        ("/search/", None),
        (f"/search/?{SEARCH}", None),
        (f"/search/?{SEARCH}&view=map", None),
        ("/search/?postcode=ZZ9&age=nine", None),
        (f"/services/{service}/", None),
        (f"/services/{service}/report/", None),
        (f"/shortlist/?ids={service},{other}", None),
        ("/shortlist/", None),
        ("/services/?letter=p", None),
        ("/gaps/", None),
        ("/gaps/?view=safeguarding_region", None),
        (f"/gaps/area/{POWYS}/", None),
        ("/gaps/headlines/", None),
        ("/gaps/unmet/", None),
        ("/gaps/trends/", None),
        ("/about-the-data/", None),
        ("/accessibility/", None),
        ("/privacy/", None),
        ("/cookies/", None),
        ("/services/00000000-0000-4000-8000-000000000000/", None),
        ("/accounts/login/", None),
        ("/accounts/password-reset/", None),
        (listed["password_reset"], None),  # goes on to the page to choose a password
        (listed["invitation"], None),
        ("/manage/", "provider"),
        (f"/manage/services/{service}/edit/", "provider"),
        (f"/manage/services/{service}/wait/", "provider"),
        (f"/manage/services/{service}/locations/", "provider"),
        (f"/manage/services/{service}/locations/add/", "provider"),
        (f"/manage/services/{service}/history/", "provider"),
        ("/moderation/", "moderator"),
        (f"/moderation/changes/{change}/", "moderator"),
        ("/manage/?q=powys", "moderator"),
        (f"/manage/services/{other}/history/", "moderator"),
        ("/accounts/invite/", "moderator"),
        ("/moderation/waits/", "moderator"),
    ]


# Each line drawn between a summary card's actions ("Edit | Where it is based | History", a border of
# one of them) at a line's start or end, where it stands between nothing; and the most lines a card's
# actions take. A line at the list's edge that the list clips is not drawn.
LONE_SEPARATORS = r"""() => {
  const out = [];
  let lines = 0;
  for (const list of document.querySelectorAll('.govuk-summary-card__actions')) {
    const box = list.getBoundingClientRect(), clips = getComputedStyle(list).overflowX !== 'visible';
    const actions = [...list.children].map(item => {
      const style = getComputedStyle(item), r = item.getBoundingClientRect();
      return {text: item.firstElementChild.firstChild.textContent.trim(), top: Math.round(r.top), left: r.left, right: r.right,
              before: parseFloat(style.borderLeftWidth) > 0, after: parseFloat(style.borderRightWidth) > 0};
    });
    lines = Math.max(lines, new Set(actions.map(a => a.top)).size);
    for (const a of actions) {
      const line = actions.filter(b => b !== a && b.top === a.top);
      if (a.before && !(clips && a.left < box.left) && !line.some(b => b.right <= a.left)) out.push(`| ${a.text}`);
      if (a.after && !(clips && a.right > box.right) && !line.some(b => b.left >= a.right)) out.push(`${a.text} |`);
    }
  }
  return {lone: out, lines};
}"""


@pytest.mark.parametrize("language", ["en", "cy"])
def test_no_page_scrolls_sideways_at_320_px(browser, live_server, listed, language):
    pages = {None: new_page(browser, PHONE_320)}
    for role in ("provider", "moderator"):
        pages[role] = new_page(browser, PHONE_320)
        sign_in(pages[role], live_server, listed[role])
    try:
        prefix = "/cy" if language == "cy" else ""
        too_wide, lone, split, wrapped_actions, diff_tables = {}, {}, {}, 0, 0
        for path, role in _paths(listed):
            page = pages[role]
            response = page.goto(live_server.url + prefix + path)
            assert response.status in (200, 400, 404), path
            assert page.evaluate("document.documentElement.lang") == language
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                too_wide[path] = (overflow, page.evaluate(TOO_WIDE))
            # A summary card's "|" at a line's end: "Golygu |" above "Lle mae wedi'i leoli | Hanes".
            separators = page.evaluate(LONE_SEPARATORS)
            if separators["lone"]:
                lone[path] = separators["lone"]
            wrapped_actions = max(wrapped_actions, separators["lines"])
            # A field's name or a column's in a change's table split mid-word in a column of 30%
            # ("Oedran hynaf (blynyddoe / dd)", "Arfaethe / dig"), or a value in a column of half the
            # screen; an email address in the queue ("prov@exampl / e.org").
            if words := page.evaluate(SPLIT_WORDS, ".sm-diff-table th, .sm-diff-table td, main td .govuk-hint"):
                split[path] = words
            diff_tables += page.locator(".sm-diff-table").count()
        assert not too_wide, f"sideways scrolling at 320 px: {too_wide}"
        assert not lone, f"a '|' at a line's start or end at 320 px: {lone}"
        assert not split, f"words split across lines at 320 px: {split}"
        assert diff_tables >= 2, "no change's table, so this tests none"
        if language == "cy":
            assert wrapped_actions > 1, "no card's actions take two lines, so this tests no line's start or end"
        # The queue's table fits a 320 px phone (it scrolled 12 px sideways in its box in Welsh).
        page = pages["moderator"]
        page.goto(f"{live_server.url}{prefix}/moderation/")
        box = page.locator(".sm-table-wrap:has(a[href*='/moderation/changes/'])")
        assert box.evaluate("box => box.scrollWidth - box.clientWidth") <= 0, "the queue scrolls sideways in its box"
        # Its field names each above their values on a phone, a change's table is still a table to a screen reader.
        page.goto(f"{live_server.url}{prefix}/moderation/changes/{listed['change']}/")
        snapshot = page.locator(".sm-diff-table").aria_snapshot()
        assert snapshot.startswith("- table") and all(f"- {role}" in snapshot for role in ("columnheader", "rowheader", "cell"))
    finally:
        for page in pages.values():
            page.context.close()


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_moderators_and_the_historys_tables_fit_a_320_px_phone_without_scrolling_in_their_boxes(
        browser, live_server, listed, language):
    # The listings not confirmed for 12 months scrolled 44 px sideways in their box in Welsh, the
    # history's waits 181 px and its changes 156 px (each with an email address in a column): as a
    # change's table on a phone, each row is now a block of its own and each value is under its
    # column's name, the width of the screen.
    pages = {role: new_page(browser, PHONE_320) for role in ("provider", "moderator")}
    for role, page in pages.items():
        sign_in(page, live_server, listed[role])
    try:
        prefix = "/cy" if language == "cy" else ""
        history = f"/manage/services/{listed['service']}/history/"
        scrolling, split = {}, {}
        for path, role in (("/moderation/", "moderator"), (history, "moderator"), (history, "provider")):
            page = pages[role]
            assert page.goto(live_server.url + prefix + path).status == 200
            if boxes := page.evaluate(SCROLLING_BOXES):
                scrolling[f"{path} ({role})"] = boxes
            if words := page.evaluate(SPLIT_WORDS, "main td, main tbody th"):
                split[f"{path} ({role})"] = words
        assert not scrolling, f"tables scrolling in their boxes at 320 px: {scrolling}"
        assert not split, f"words in tables split across lines at 320 px: {split}"
        # Each still a table to a screen reader (roles in the templates: a table laid out as blocks
        # loses them in some browsers), its rows named by their service where they have one.
        page = pages["moderator"]
        page.goto(f"{live_server.url}{prefix}/moderation/")
        assert page.locator(".sm-table-wrap[aria-labelledby=overdue] tbody tr").count() > 0, "no listing not confirmed"
        for name in ("changes", "overdue"):
            snapshot = page.locator(f".sm-table-wrap[aria-labelledby={name}] table").aria_snapshot()
            assert snapshot.startswith("- table") and all(f"- {r}" in snapshot for r in ("columnheader", "rowheader", "cell")), name
        page.goto(live_server.url + prefix + history)
        for name in ("waits", "changes"):
            box = page.locator(f".sm-table-wrap[aria-labelledby={name}]")
            snapshot = box.locator("table").aria_snapshot()
            assert snapshot.startswith("- table") and all(f"- {r}" in snapshot for r in ("columnheader", "cell")), name
            assert box.get_by_text(listed["provider"].email).count(), f"no email address in the {name}, so this tests none"
    finally:
        for page in pages.values():
            page.context.close()
