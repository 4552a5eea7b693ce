"""The unmet searches in English and in Welsh: the same cells hidden, every area in its page's
language. A table that hides different cells in each language gives away, read beside the other,
a count the other hides (gaps-method.md §5)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from gaps.models import UnmetSearchCount

pytestmark = pytest.mark.django_db

CARDIFF, SWANSEA = "W06000015", "W06000011"
EXCLUDED_BY = {"no_service": "none", "lists_closed": "status", "criteria_exclude": "age"}
# Searches in April 2025 by forms of abuse (no service, criteria exclude, lists closed), split between
# Cardiff and Swansea: counts whose ties the English and Welsh label orders ("Any form" first in
# English, "Unrhyw fath" fifth in Welsh) broke apart, so that the two tables hid different cells.
# (Tables like these were found where the cells one showed and the other hid gave away a "<5".)
FORMS = {"": (9, 8, 6), "cse": (0, 3, 9), "extra_familial": (6, 5, 7), "harmful_sexual_behaviour": (6, 2, 0),
         "intra_familial": (0, 7, 6), "online": (3, 2, 9)}
CARDIFF_SHARE = (4, 20, 26)  # of each column; Swansea has the rest
REASONS = ("no_service", "criteria_exclude", "lists_closed")


def _counts() -> list[tuple[str, str, str, int]]:
    rows = []
    for column, reason in enumerate(REASONS):
        left = CARDIFF_SHARE[column]
        for forms, counts in FORMS.items():
            here = min(left, counts[column])
            left -= here
            rows += [(lad, forms, reason, n) for lad, n in ((CARDIFF, here), (SWANSEA, counts[column] - here)) if n]
    return rows


@pytest.fixture
def counted(wales_areas):
    for lad, forms, reason, count in _counts():
        UnmetSearchCount.objects.create(month=date(2025, 4, 1), lad_code=lad, abuse_forms=forms, age_band="unknown",
                                        excluded_by=EXCLUDED_BY[reason], reason=reason, count=count)


def _cells(client, prefix: str) -> dict[tuple[str, str, str], str]:
    text = client.get(f"{prefix}/gaps/unmet/data.csv", {"quarter": "2025-Q2"}).content.decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text.split("\r\n\r\n", 1)[1])))
    columns = ("no_service", "criteria_exclude", "lists_closed", "total")
    return {(row["breakdown"], row["code"], column): row[column] for row in table for column in columns}


def test_english_and_welsh_tables_hide_the_same_cells(client, counted):
    english, welsh = _cells(client, ""), _cells(client, "/cy")
    assert english.keys() == welsh.keys()
    assert {key for key, text in english.items() if text == "[c]"} == {key for key, text in welsh.items() if text == "[c]"}
    assert english == welsh  # every count, shown or hidden, the same
    assert english["abuse_forms", "cse", "criteria_exclude"] == "<5"


def test_the_welsh_page_names_and_orders_areas_in_welsh(client, counted):
    page = client.get("/cy/gaps/unmet/", {"quarter": "2025-Q2"}).content.decode()
    # The first breakdown, by local authority (the region list above it names Caerdydd a'r Fro).
    table = page.split("<table", 1)[1].split("</table>", 1)[0]
    assert "Caerdydd" in table and "Abertawe" in table
    assert ">Cardiff<" not in table and ">Swansea<" not in table
    assert table.index("Abertawe") < table.index("Caerdydd") < table.index("Ynys Môn")
