"""The unmet searches by health board and regional safeguarding board: each region's row is its
local authorities' counts added up, suppressed together with them the same on every view, so no
region less its local authorities (or less another region) gives away a hidden count
(gaps-method.md §5)."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date

import pytest

from gaps import unmet
from gaps.layers import AreaRow
from gaps.models import UnmetSearchCount
from gaps.suppression import LOW

# Plain rows, no database: four local authorities, two regions of two, and a region of one.
LAS = [
    ("A1", "Alpha", "Alffa", 1000),
    ("B2", "Beta", "Beta", 3000),
    ("C3", "Gamma", "Gama", 2000),
    ("D4", "Delta", "Delta", 4000),
]
NORTH = AreaRow("R1", "North", "Gogledd", "health_board", 0, ("A1", "B2"))
SOUTH = AreaRow("R2", "South", "De", "health_board", 0, ("C3", "D4"))
ALONE = AreaRow("R3", "Delta alone", "Delta yn unig", "safeguarding_region", 0, ("D4",))
# Alpha's 3 searches beside Beta's 10 (no service): North's 13 less Beta's 10 would be the 3.
COUNTS = {"A1": (3, 10), "B2": (10, 12), "C3": (20, 16), "D4": (8, 9)}


def _totals(counts: dict[str, tuple[int, int]]) -> dict[str, dict[tuple[str, str], int]]:
    by_la = {
        (code, reason): n
        for code, pair in counts.items()
        for reason, n in zip(("no_service", "criteria_exclude"), pair, strict=True)
        if n
    }
    reasons: dict[tuple[str, str], int] = {}
    for (_code, reason), n in by_la.items():
        reasons["unknown", reason] = reasons.get(("unknown", reason), 0) + n
    return {
        "lad_code": by_la,
        "abuse_forms": {(f, r): n for (_u, r), n in reasons.items() for f in [""]},
        "age_band": reasons,
        "excluded_by": {("none", r): n for (_u, r), n in reasons.items()},
    }


def _report(regions=(NORTH, SOUTH, ALONE)) -> unmet.UnmetReport:
    return unmet.report_build(totals=_totals(COUNTS), las=LAS, regions=regions)


def _texts(row: unmet.UnmetRow) -> list[str]:
    return [c.text for c in [*row.cells, row.total]]


def test_a_regions_row_adds_up_its_local_authorities_unrounded_counts():
    by_la = _report().breakdowns[0]
    assert [c.value for c in [*by_la.regions["R1"].cells, by_la.regions["R1"].total]] == [13, 22, 0, 35]
    assert [c.value for c in [*by_la.regions["R2"].cells, by_la.regions["R2"].total]] == [28, 25, 0, 53]
    # Per 10,000 of the region's children: 35 of 4,000.
    assert by_la.regions["R1"].rate.text == "87.50"
    assert by_la.regions["R3"].rate.text == "42.50"  # Delta's 17 of 4,000


def test_no_region_less_its_shown_local_authorities_gives_a_hidden_count_away():
    by_la = _report().breakdowns[0]
    alpha, beta = (next(r for r in by_la.rows if r.code == code) for code in ("A1", "B2"))
    assert alpha.cells[0].text == LOW
    # North's no-service count and Beta's: not both shown, or 13 − 10 gives Alpha's 3.
    assert beta.cells[0].hidden or by_la.regions["R1"].cells[0].hidden


def test_without_the_regions_the_same_counts_show_what_a_region_would_give_away():
    # The case the rule is for: suppressed as before, with no region in view, Beta's 10 showed.
    by_la = _report(regions=()).breakdowns[0]
    beta = next(r for r in by_la.rows if r.code == "B2")
    assert beta.cells[0].text == "10"
    assert by_la.regions == {}


def test_a_region_of_one_local_authority_hides_what_its_local_authority_hides():
    by_la = _report().breakdowns[0]
    delta = next(r for r in by_la.rows if r.code == "D4")
    assert _texts(by_la.regions["R3"]) == _texts(delta)


def test_a_regions_view_shows_its_local_authorities_then_the_region_then_wales_with_the_same_cells():
    report = _report()
    north = unmet.within_region(report, NORTH)
    by_la, whole = north.breakdowns[0], report.breakdowns[0]
    assert [r.code for r in by_la.rows] == ["A1", "B2"]
    assert [r.code for r in by_la.summaries] == ["R1", ""]
    assert by_la.summaries[1].label == "Wales"
    # Nothing suppressed again: every cell is the whole report's.
    for row in by_la.rows:
        assert _texts(row) == _texts(next(r for r in whole.rows if r.code == row.code))
    assert _texts(by_la.summaries[1]) == _texts(whole.summaries[0])
    assert north.breakdowns[1:] == report.breakdowns[1:]  # the other breakdowns: all of Wales
    assert unmet.within_region(report, None) is report


# The real areas and pages.
POWYS, CEREDIGION, CARDIFF, SWANSEA = "W06000023", "W06000008", "W06000015", "W06000011"
HYWEL_DDA, POWYS_HB, MID_WEST = "W11000025", "W11000024", "mid-west-wales"


@pytest.fixture
def counted(wales_areas):
    """April 2025: Powys 3, Ceredigion 8, Cardiff 20 and Swansea 9 searches with no service. Mid and
    West Wales (Hywel Dda's three and Powys) would show 11 beside Hywel Dda's 8: 11 − 8 = Powys's 3."""
    for lad, n in ((POWYS, 3), (CEREDIGION, 8), (CARDIFF, 20), (SWANSEA, 9)):
        UnmetSearchCount.objects.create(
            month=date(2025, 4, 1),
            lad_code=lad,
            abuse_forms="",
            age_band="unknown",
            excluded_by="none",
            reason="no_service",
            count=n,
        )
    UnmetSearchCount.objects.create(
        month=date(2025, 4, 1),
        lad_code=CARDIFF,
        abuse_forms="",
        age_band="unknown",
        excluded_by="age",
        reason="criteria_exclude",
        count=12,
    )


def _csv(client, **params) -> tuple[list[list[str]], list[dict[str, str]]]:
    response = client.get("/gaps/unmet/data.csv", {"quarter": "2025-Q2", **params})
    assert response.status_code == 200
    head, _blank, table = response.content.decode("utf-8-sig").partition("\r\n\r\n")
    return list(csv.reader(io.StringIO(head))), list(csv.DictReader(io.StringIO(table)))


def test_the_unmet_page_offers_wales_and_each_region_and_shows_a_regions_local_authorities(client, counted):
    response = client.get("/gaps/unmet/", {"quarter": "2025-Q2", "region": MID_WEST})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<title>Searches that found no service: Mid and West Wales Safeguarding Board" in body
    assert '<optgroup label="Health boards">' in body and '<optgroup label="Regional safeguarding boards">' in body
    assert f'<option value="{MID_WEST}" selected>' in body
    assert "The table by local authority lists the 4 local authorities of Mid and West Wales Safeguarding Board" in body
    by_la = response.context["report"].breakdowns[0]
    assert sorted(r.code for r in by_la.rows) == sorted([CEREDIGION, "W06000009", "W06000010", POWYS])
    assert [r.label for r in by_la.summaries] == ["Mid and West Wales Safeguarding Board (CYSUR / CWMPAS)", "Wales"]
    assert "covers 4 local authorities: Carmarthenshire, Ceredigion, Pembrokeshire, Powys." in body
    assert "suppressed together with them, the same on every page" in body
    assert f"unmet/data.csv?quarter=2025-Q2&amp;region={MID_WEST}" in body


def test_a_bad_region_shows_wales_with_an_error_and_its_csv_is_refused(client, counted):
    response = client.get("/gaps/unmet/", {"quarter": "2025-Q2", "region": "atlantis"})
    assert response.status_code == 200
    assert response.context["region"] is None
    assert "Choose Wales, a regional safeguarding board or a health board from the list." in response.content.decode()
    assert len(response.context["report"].breakdowns[0].rows) == 22
    refused = client.get("/gaps/unmet/data.csv", {"quarter": "2025-Q2", "region": "atlantis"})
    assert refused.status_code == 400


def test_a_regions_csv_is_named_for_it_and_holds_its_row_under_its_local_authorities(client, counted):
    response = client.get("/gaps/unmet/data.csv", {"quarter": "2025-Q2", "region": HYWEL_DDA})
    assert (
        response["Content-Disposition"] == f'attachment; filename="servicemap-unmet-searches-2025-Q2-{HYWEL_DDA}.csv"'
    )
    head, rows = _csv(client, region=HYWEL_DDA)
    assert head[0] == ["Figures for", "Hywel Dda University Health Board"]
    assert any(line[0] == "Area" and "covers 3 local authorities" in line[1] for line in head)
    by_la = [r for r in rows if r["breakdown"] != "abuse_forms" and r["breakdown"] not in ("age_band", "excluded_by")]
    assert [(r["breakdown"], r["code"]) for r in by_la] == [
        ("lad_code", "W06000010"),
        ("lad_code", CEREDIGION),
        ("lad_code", "W06000009"),
        ("health_board", HYWEL_DDA),
        ("nation", "W92000004"),
    ]
    # Wales's row, under the region's local authorities, is named Wales: "Total" read as theirs.
    assert [r["label"] for r in by_la][-2:] == ["Hywel Dda University Health Board", "Wales"]
    assert "Total" not in {r["label"] for r in by_la}
    # The other tables, all of Wales, still end in their totals.
    assert [r["label"] for r in rows if r["breakdown"] == "age_band"][-1] == "Total"
    assert {r["breakdown"] for r in rows} == {"lad_code", "health_board", "nation", "abuse_forms", "age_band", "excluded_by"}


def _published(client) -> dict[tuple[str, str], str]:
    """Every cell of the local authorities and regions as some CSV shows it: Wales's and each region's."""
    cells: dict[tuple[str, str], str] = {}
    _head, rows = _csv(client)
    las = {r["code"] for r in rows if r["breakdown"] == "lad_code" and r["code"]}
    for region in ["", HYWEL_DDA, POWYS_HB, MID_WEST, "cardiff-vale", "W11000029", "west-glamorgan", "W11000031"]:
        _head, rows = _csv(client, region=region) if region else (None, rows)
        for row in rows:
            if row["breakdown"] in {"lad_code", "health_board", "safeguarding_region"} and row["code"]:
                for column in ("no_service", "criteria_exclude", "lists_closed", "total"):
                    seen = cells.setdefault((row["code"], column), row[column])
                    assert seen == row[column], (row["code"], column)  # the same on every view
    assert las <= {code for code, _column in cells}
    return cells


def test_no_view_lets_a_boards_count_less_another_give_away_powys(client, counted):
    cells = _published(client)
    assert cells[POWYS, "no_service"] == LOW
    assert cells[POWYS_HB, "no_service"] == LOW
    # Mid and West Wales is Hywel Dda and Powys: both shown would give 11 − 8 = 3.
    assert "[c]" in (cells[MID_WEST, "no_service"], cells[HYWEL_DDA, "no_service"])
    # Nor Mid and West Wales less the shown counts of its other three local authorities.
    others = [cells[code, "no_service"] for code in (CEREDIGION, "W06000009", "W06000010")]
    assert "[c]" in [cells[MID_WEST, "no_service"], *others]


def test_the_welsh_regional_page_names_the_region_and_says_what_was_done_in_welsh(client, counted):
    body = html.unescape(client.get("/cy/gaps/unmet/", {"quarter": "2025-Q2", "region": HYWEL_DDA}).content.decode())
    assert "<title>Chwiliadau" in body and "Bwrdd Iechyd Prifysgol Hywel Dda" in body
    assert "Mae'r tabl fesul awdurdod lleol yn rhestru 3 awdurdod lleol" in body
    assert "fe'u cuddir ynghyd â hwy" in body
    assert "Dewiswch y chwarter a'r ardal" in body


def test_a_regions_cell_is_hidden_rather_than_a_local_authoritys_where_either_would_do():
    # North's 13 or Beta's 10 must go: the region's, so the local authorities show what they showed.
    by_la, before = _report().breakdowns[0], _report(regions=()).breakdowns[0]
    beta = next(r for r in by_la.rows if r.code == "B2")
    assert by_la.regions["R1"].cells[0].hidden and beta.cells[0].text == "10"
    assert [_texts(r) for r in by_la.rows] == [_texts(r) for r in before.rows]


def test_two_regions_of_the_same_local_authorities_show_the_same_cells():
    # As Betsi Cadwaladr and the North Wales safeguarding board: one sum, never two suppressions of it.
    # (Counts for which two suppressions of the sum hid its 24 under one name and showed it under the other.)
    twin = AreaRow("R4", "North board", "Bwrdd y Gogledd", "safeguarding_region", 0, ("B2", "A1"))
    counts = {"A1": (12, 5), "B2": (12, 3), "C3": (0, 5), "D4": (0, 1)}
    report = unmet.report_build(totals=_totals(counts), las=LAS, regions=(NORTH, SOUTH, twin, ALONE))
    by_la = report.breakdowns[0]
    assert _texts(by_la.regions["R4"]) == _texts(by_la.regions["R1"])
    assert by_la.regions["R4"].label == "North board"


@pytest.mark.parametrize(("prefix", "params", "caption"), [
    ("", {}, "April–June 2025"),
    ("", {"region": MID_WEST}, "Mid and West Wales Safeguarding Board (CYSUR / CWMPAS), April–June 2025"),
    ("/cy", {}, "Ebrill–Mehefin 2025"),
])
def test_the_heading_and_title_say_which_quarter_for_a_printout_without_the_choices(
    client, counted, prefix, params, caption
):
    # The quarter was said only by the (unprinted) list of quarters and the Period note at the foot:
    # two printed quarters, or two tabs, began the same.
    body = client.get(prefix + "/gaps/unmet/", {"quarter": "2025-Q2", **params}).content.decode()
    assert f'<span class="govuk-caption-xl">{caption}</span>' in body
    assert re.search(rf"<title>[^<]*: {re.escape(caption)} –", body)


@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_each_unmet_table_has_a_heading_of_its_own_in_order_and_stays_named(client, counted, prefix):
    # Their titles were captions: a screen reader's list of headings held only "Download" and
    # "About these figures", under the page's own.
    response = client.get(prefix + "/gaps/unmet/", {"quarter": "2025-Q2", "region": MID_WEST})
    body = response.content.decode()
    titles = [html.escape(b.title, quote=False) for b in response.context["report"].breakdowns]
    assert len(titles) == 4
    main = body[body.index("<main"):body.index("</main>")]
    headings = re.findall(r"<h([1-6])[^>]*>(.*?)</h\1>", main, re.S)
    assert [level for level, _text in headings] == ["1"] + ["2"] * 6  # in order, none skipped
    assert "{#" not in main
    h2s = [text.strip() for level, text in headings if level == "2"]
    assert h2s[:4] == titles, h2s
    assert h2s[4:] == (["Download", "About these figures"] if not prefix else ["Lawrlwytho", "Am y ffigurau hyn"])
    for breakdown, title in zip(response.context["report"].breakdowns, titles, strict=True):
        key = breakdown.key
        assert f'<h2 class="govuk-heading-m sm-table-title" id="unmet-{key}">{title}</h2>' in body
        # The scrolling region is named by the heading, and the table has no caption repeating it.
        region = body[body.index(f'aria-labelledby="unmet-{key}"'):]
        table = region[region.index("<table"):region.index("</table>")]
        assert "<caption" not in table and "<thead" in table
