"""The unmet searches of a quarter that has ended are suppressed once and kept in the cache: the
same page and CSV as built afresh, in either language; a quarter still being counted (or ended only
today) is read every time; a change to the method's code or to the areas is a new key."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gaps import unmet
from gaps.layers import AreaRow
from gaps.services import record_unmet_search

pytestmark = pytest.mark.django_db

CARDIFF, NEWPORT, CONWY, GWYNEDD = "W06000015", "W06000022", "W06000003", "W06000002"
LONDON = ZoneInfo("Europe/London")
# 5 December 2026: July–September 2026 (Q3) ended long ago; October–December is still being counted.
TODAY = datetime(2026, 12, 5, 10, 0, tzinfo=LONDON)
Q3 = [date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]


def _count(n: int, *, month: date = date(2026, 8, 1), lad_code: str = CARDIFF, **kw) -> None:
    fields = dict(abuse_forms=["intra_familial"], age=8, excluded_by="none", reason="no_service") | kw
    for _ in range(n):
        record_unmet_search(month=month, lad_code=lad_code, **fields)


def _sparse() -> None:
    """Small counts in several places, so that much is hidden, some of it by secondary suppression."""
    _count(3)
    _count(7, lad_code=NEWPORT, reason="criteria_exclude", excluded_by="disclosure")
    _count(2, lad_code=CONWY, abuse_forms=["cse"], age=15, excluded_by="age", reason="criteria_exclude")
    _count(6, lad_code=GWYNEDD, abuse_forms=[], age=None, month=date(2026, 9, 1))


def _counter_reads(queries: CaptureQueriesContext) -> list[str]:
    """The queries that add up the counter's rows (not the list of months it holds)."""
    return [q["sql"] for q in queries.captured_queries if "gaps_unmetsearchcount" in q["sql"] and "SUM" in q["sql"]]


def _texts(report: unmet.UnmetReport) -> list[list[str]]:
    return [[row.label, *(c.text for c in [*row.cells, row.total]), row.rate.text if row.rate else ""]
            for b in report.breakdowns for row in [*b.rows, *b.summaries, *b.regions.values()]]


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize("query", [{}, {"region": "north-wales"}])
def test_an_ended_quarter_is_suppressed_once_and_its_page_and_csv_are_the_same_from_the_cache(
    client, wales_areas, query
):
    _sparse()
    first = client.get(reverse("gaps:unmet"), query)
    first_csv = client.get(reverse("gaps:unmet_csv"), query).content
    assert first.context["quarter"] == date(2026, 7, 1)
    report = first.context["report"]
    assert report.any_hidden and any(c.why == "secondary" for b in report.breakdowns for r in b.table.cells for c in r)

    with CaptureQueriesContext(connection) as queries:
        again = client.get(reverse("gaps:unmet"), query)
        again_csv = client.get(reverse("gaps:unmet_csv"), query).content

    assert _counter_reads(queries) == [], "the ended quarter's counts were read again"
    assert again.context["report"] == report
    assert again_csv == first_csv
    assert _texts(again.context["report"]) == _texts(report)


@time_machine.travel(TODAY, tick=False)
def test_a_welsh_page_from_the_cells_an_english_page_kept_is_the_welsh_page_built_afresh(client, wales_areas):
    _sparse()
    client.get(reverse("gaps:unmet"))  # kept in the cache
    with CaptureQueriesContext(connection) as queries:
        from_cache = client.get("/cy/gaps/unmet/", {"region": "north-wales"})
        csv_from_cache = client.get("/cy/gaps/unmet/data.csv", {"region": "north-wales"}).content
    assert _counter_reads(queries) == []
    cache.clear()

    afresh = client.get("/cy/gaps/unmet/", {"region": "north-wales"})

    assert from_cache.context["report"] == afresh.context["report"]
    assert "Cyfanswm" in [row.label for b in afresh.context["report"].breakdowns for row in b.summaries]
    assert csv_from_cache == client.get("/cy/gaps/unmet/data.csv", {"region": "north-wales"}).content


@time_machine.travel(TODAY, tick=False)
def test_the_quarter_still_being_counted_shows_each_new_count(wales_areas):
    current = [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]
    _count(6, month=date(2026, 12, 1))
    assert unmet.unmet_report(months=current, today=TODAY.date()).breakdowns[0].table.total.text == "6"

    _count(1, month=date(2026, 12, 1))

    assert unmet.unmet_report(months=current, today=TODAY.date()).breakdowns[0].table.total.text == "7"


def test_a_quarter_is_read_afresh_on_the_day_after_it_ends_and_kept_from_the_next(client, wales_areas):
    _count(6, month=date(2026, 9, 1))
    with time_machine.travel(datetime(2026, 10, 1, 0, 0, 5, tzinfo=LONDON), tick=False):
        assert client.get(reverse("gaps:unmet")).context["report"].breakdowns[0].table.total.text == "6"
        # A search begun a moment before midnight on 30 September, counted just after it.
        _count(1, month=date(2026, 9, 30))
        assert client.get(reverse("gaps:unmet")).context["report"].breakdowns[0].table.total.text == "7"
    with time_machine.travel(datetime(2026, 10, 2, 9, 0, tzinfo=LONDON), tick=False):
        assert client.get(reverse("gaps:unmet")).context["report"].breakdowns[0].table.total.text == "7"
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("gaps:unmet")).context["report"].breakdowns[0].table.total.text == "7"
        assert _counter_reads(queries) == []


@pytest.mark.parametrize(("months", "today", "kept"), [
    (Q3, date(2026, 9, 30), False),  # still being counted
    (Q3, date(2026, 10, 1), False),  # ended today: a search begun before midnight may still be counted
    (Q3, date(2026, 10, 2), True),
    ([date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)], date(2027, 1, 1), False),
    ([date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)], date(2027, 1, 2), True),
])
def test_months_are_settled_from_the_day_after_the_last_ends(months, today, kept):
    assert unmet.settled(months, today) is kept


LAS = [("W06000001", "Isle of Anglesey", "Ynys Môn", 12000), ("W06000002", "Gwynedd", "Gwynedd", 21000)]
REGION = AreaRow("north-wales", "North Wales", "Gogledd Cymru", "safeguarding_region", 0, ("W06000001", "W06000002"))


@pytest.mark.parametrize("changed", [
    {"las": [LAS[0], ("W06000002", "Gwynedd", "Gwynedd", 21001)]},  # a new population figure
    {"las": [LAS[0], ("W06000002", "Aberconwy", "Gwynedd", 21000)]},  # a new name (the rows' order)
    {"las": [*LAS, ("W06000003", "Conwy", "Conwy", 20000)]},  # a new local authority
    {"regions": [replace(REGION, la_codes=("W06000001",))]},  # a region's local authorities
    {"regions": []},
    {"months": [*Q3[:2], date(2026, 10, 1)]},
])
def test_the_key_changes_with_the_areas_and_the_months(changed):
    given = {"months": Q3, "las": LAS, "regions": [REGION]}
    assert unmet.report_cache_key(**(given | changed)) != unmet.report_cache_key(**given)
    assert unmet.report_cache_key(**given) == unmet.report_cache_key(**given)


@time_machine.travel(TODAY, tick=False)
def test_new_method_code_is_never_served_figures_the_old_code_kept(client, wales_areas, monkeypatch):
    _count(6)
    assert client.get(reverse("gaps:unmet")).context["report"].breakdowns[0].table.total.text == "6"
    # Not a thing searches do (an ended quarter's counts never change), but it shows what is served:
    # the old figures while the code is the same, new ones once it is not.
    _count(1, month=date(2026, 7, 1))
    assert client.get(reverse("gaps:unmet")).context["report"].breakdowns[0].table.total.text == "6"

    monkeypatch.setattr(unmet, "METHOD_FINGERPRINT", "a-new-method")

    assert client.get(reverse("gaps:unmet")).context["report"].breakdowns[0].table.total.text == "7"


def test_the_methods_fingerprint_follows_the_suppression_code(tmp_path, monkeypatch):
    from gaps import suppression

    edited = tmp_path / "suppression.py"
    edited.write_bytes(open(suppression.__file__, "rb").read() + b"\n# a change\n")
    before = unmet._method_fingerprint()
    assert before == unmet.METHOD_FINGERPRINT
    monkeypatch.setattr(suppression, "__file__", str(edited))
    assert unmet._method_fingerprint() != before


@time_machine.travel(TODAY, tick=False)
def test_an_ended_quarter_kept_in_redis_gives_the_same_page(client, wales_areas, redis_config):
    _sparse()
    with override_settings(CACHES={"default": redis_config}):
        first = client.get(reverse("gaps:unmet"), {"region": "north-wales"})
        with CaptureQueriesContext(connection) as queries:
            again = client.get(reverse("gaps:unmet"), {"region": "north-wales"})
    assert _counter_reads(queries) == []
    assert again.context["report"] == first.context["report"]
