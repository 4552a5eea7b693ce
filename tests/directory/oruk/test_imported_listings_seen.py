"""Real feeds imported (tests/directory/oruk/samples), as a moderator then sees their listings."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

from django.contrib.auth import get_user_model

from directory.listings import services
from directory.models import Service, ServiceChange
from tests.directory.listings.conftest import form_data
from tests.directory.oruk.test_import_export import SAMPLES, run_import

BRISTOL = "2a3483ea-8966-4f50-9dc3-7bafa1e5c623"  # 1625 Independent People: HTML description, ages -1
ROW = re.compile(r'<th scope="row" class="govuk-table__header"[^>]*>(.*?)</th><td class="govuk-table__cell '
                 r'sm-diff-after"[^>]*>(.*?)</td>', re.S)


def _new_listing_page(client, language: str = "") -> str:
    run_import(SAMPLES / "oruk3" / "bristol_service_2a3483ea.json")
    change = ServiceChange.objects.get(service__public_id=BRISTOL)
    response = client.get(f"{language}/moderation/changes/{change.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _values(page: str) -> dict[str, str]:
    return {unescape(label): unescape(value) for label, value in ROW.findall(page)}


def test_an_imported_description_keeps_its_paragraphs_on_the_moderators_page(wales_areas, moderator_client):
    """The feed's <h1>About Us</h1><p>…</p> is stored as paragraphs, which the page ran together into
    one block: "About Us 1625 Independent People works …"."""
    description = _values(_new_listing_page(moderator_client))["Description (English)"]

    assert description.startswith("About Us<br><br>1625 Independent People works with young people")
    assert "we can help you.<br><br>If you are in Bristol" in description


def test_what_the_import_did_not_state_is_said_so_to_the_moderator(wales_areas, moderator_client):
    """Bristol gives its ages as -1 and says nothing of cost or delivery: the public sees "Not stated",
    and the moderator asked to approve it saw ages 0 to 25, free, and every way of giving support."""
    values = _values(_new_listing_page(moderator_client))

    for label in ("Youngest age (years)", "Oldest age (years)", "Free", "How it is delivered: In person",
                  "How it is delivered: Online"):
        assert values[label] == "Not stated by the import", label
    assert values["Who it supports: The child"] == "Yes"  # a default, said by the note above the table


def test_what_the_import_did_not_state_is_said_so_in_welsh(wales_areas, moderator_client):
    values = _values(_new_listing_page(moderator_client, "/cy"))

    assert list(values.values()).count("Heb ei nodi gan y mewnforio") == 7  # two ages, cost, four ways


# Every page showing a listing field by field (its history, a decided change, a restore, a clash of
# two edits) reads what the import left unsaid as the change page does, never as its filler.
NOT_STATED = "Not stated by the import"
ROW_BEFORE_AFTER = re.compile(r'<th scope="row" class="govuk-table__header"[^>]*>(.*?)</th><td class="govuk-table__cell '
                              r'sm-diff-before"[^>]*>(.*?)</td><td class="govuk-table__cell sm-diff-after"[^>]*>(.*?)</td>',
                              re.S)


def _rows(page: str) -> list[tuple[str, str, str]]:
    return [tuple(unescape(cell) for cell in row) for row in ROW_BEFORE_AFTER.findall(page)]


def _imported() -> tuple[Service, int]:
    """Bristol's listing as its import left it (silent on ages, cost and delivery), and that version."""
    run_import(SAMPLES / "oruk3" / "bristol_service_2a3483ea.json")
    service = Service.objects.get(public_id=BRISTOL)
    return service, services.service_version(service)


def _moderator():
    return get_user_model().objects.get(email="mod@example.org")  # moderator_client's


def _edit(service: Service, **values) -> None:
    services.service_edit(service=service, values=services.form_values_from_service(service, **values),
                          by=_moderator(), confirm=values.pop("confirm", False))


def test_the_history_says_what_the_import_did_not_state_and_when_someone_stated_it(wales_areas, moderator_client):
    """The moderator's edit of the youngest age read '0 → 4', and confirming the rest (which states the
    import's 25, free and every way of giving support) read as no change at all."""
    service, _ = _imported()
    _edit(service, age_min="4", confirm=True)

    rows = _rows(moderator_client.get(f"/manage/services/{BRISTOL}/history/").content.decode())

    assert ("Youngest age (years)", NOT_STATED, "4") in rows
    assert ("Oldest age (years)", NOT_STATED, "25") in rows  # confirmed as still correct
    assert ("Free", NOT_STATED, "Yes") in rows
    assert ("How it is delivered: Online", NOT_STATED, "Yes") in rows


def test_the_history_says_so_in_welsh(wales_areas, moderator_client):
    service, _ = _imported()
    _edit(service, age_min="4")

    rows = _rows(moderator_client.get(f"/cy/manage/services/{BRISTOL}/history/").content.decode())

    assert [row[1:] for row in rows] == [("Heb ei nodi gan y mewnforio", "4")]


def test_an_approved_imported_listings_page_still_says_what_the_import_did_not_state(wales_areas, moderator_client):
    service, version = _imported()
    change = ServiceChange.objects.get(service=service)
    services.change_approve(change=change, by=_moderator(), seen_version=version)

    values = _values(moderator_client.get(f"/moderation/changes/{change.pk}/").content.decode())

    for label in ("Youngest age (years)", "Oldest age (years)", "Free", "How it is delivered: Phone"):
        assert values[label] == NOT_STATED, label


def test_restoring_the_imported_version_puts_back_not_stated_never_its_filler(wales_areas, moderator_client):
    """Restoring the import's version put its 0 to 25 back as the provider's ages, published as stated."""
    service, version = _imported()
    services.change_approve(change=ServiceChange.objects.get(service=service), by=_moderator(),
                            seen_version=version)
    _edit(service, age_min="4", age_max="18")
    restore = f"/moderation/services/{BRISTOL}/restore/{version}/"

    rows = _rows(moderator_client.get(restore).content.decode())
    assert ("Youngest age (years)", "4", NOT_STATED) in rows
    assert ("Oldest age (years)", "18", NOT_STATED) in rows

    assert moderator_client.post(restore).status_code == 302
    service.refresh_from_db()
    assert service.ages_unstated and (service.age_min, service.age_max) == (Decimal("0"), Decimal("25"))
    public = moderator_client.get(f"/services/{BRISTOL}/").content.decode()
    assert re.search(r">Ages</dt><dd class=\"govuk-summary-list__value\">Not stated</dd>", public)


def test_an_edit_clashing_with_a_restore_says_the_age_saved_now_is_not_stated(wales_areas, moderator_client):
    service, version = _imported()
    _edit(service, age_min="4", abuse_cse=True, coverage_areas=["W92000004"])  # what the form requires
    form = form_data(Service.objects.get(pk=service.pk), age_min="6")  # opened on the edited version
    moderator_client.post(f"/moderation/services/{BRISTOL}/restore/{version}/")

    page = moderator_client.post(f"/manage/services/{BRISTOL}/edit/", form).content.decode()

    assert "Changed by someone else since you opened this page" in page
    assert _rows(page) == [("Youngest age (years)", NOT_STATED, "6")]
