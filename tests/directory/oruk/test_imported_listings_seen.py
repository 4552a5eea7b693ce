"""Real feeds imported (tests/directory/oruk/samples), as a moderator then sees their listings."""

from __future__ import annotations

import re
from html import unescape

from directory.models import ServiceChange
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
