"""The gaps CSVs as a council or health-board analyst opens them in a spreadsheet: no cell a
spreadsheet runs as a formula, every column explained in the file's language, whole numbers of
children, and file names that say what, when and in which language."""

from __future__ import annotations

import csv
import io
from datetime import date
from urllib.parse import parse_qsl

import pytest
import time_machine
from django.utils import translation

from directory.models import Area
from gaps.models import UnmetSearchCount
from gaps.services import snapshot_take
from servicemap.csv_cells import FORMULA_STARTS
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

CONWY, CARDIFF = "W06000003", "W06000015"
# A health board an imported feed added (directory/oruk/importer.py names it from the feed).
FEED_BOARD = "W11000099"
FORMULA = '=HYPERLINK("http://example.org/x","Open")'


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _head_and_table(response) -> tuple[list[list[str]], list[dict[str, str]]]:
    head, _blank, table = response.content.decode("utf-8-sig").partition("\r\n\r\n")
    return list(csv.reader(io.StringIO(head))), list(csv.DictReader(io.StringIO(table)))


def _four_downloads(client, wales_areas, prefix: str, gaps_query: dict) -> dict:
    """The gaps, headlines, unmet and trends files on 1 August 2025: a service in Cardiff, a
    snapshot from July and a quarter's unmet searches, so each file has rows."""
    with time_machine.travel(date(2025, 8, 1)):
        ServiceFactory(coverage=[wales_areas[CARDIFF]], wait_weeks=3)
        snapshot_take(taken_on=date(2025, 7, 1))
        UnmetSearchCount.objects.create(month=date(2025, 4, 1), lad_code=CARDIFF, reason="no_service", count=7)
        return {
            "gaps": client.get(f"{prefix}/gaps/data.csv", gaps_query),
            "headlines": client.get(f"{prefix}/gaps/headlines/data.csv"),
            "unmet": client.get(f"{prefix}/gaps/unmet/data.csv", {"quarter": "2025-Q2"}),
            "trends": client.get(f"{prefix}/gaps/trends/data.csv"),
        }


@pytest.fixture
def feed_board(wales_areas):
    """A board named by an imported feed with a formula, over Conwy; a service there."""
    board = Area.objects.create(code=FEED_BOARD, name=FORMULA, name_cy=FORMULA, kind=Area.Kind.HEALTH_BOARD)
    wales_areas[CONWY].parents.add(board)
    ServiceFactory(coverage=[wales_areas[CONWY]], wait_weeks=3)
    return board


@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_a_region_named_by_a_feed_reaches_the_csvs_preamble_as_text_not_a_formula(client, feed_board, prefix):
    UnmetSearchCount.objects.create(month=date(2025, 4, 1), lad_code=CONWY, reason="no_service", count=7)
    with time_machine.travel(date(2025, 8, 1)):
        snapshot_take(taken_on=date(2025, 7, 1))
        downloads = [
            client.get(f"{prefix}/gaps/headlines/data.csv", {"region": FEED_BOARD}),
            client.get(f"{prefix}/gaps/unmet/data.csv", {"quarter": "2025-Q2", "region": FEED_BOARD}),
            client.get(f"{prefix}/gaps/trends/data.csv", {"region": FEED_BOARD}),
        ]
    for response in downloads:
        cells = [cell for row in _rows(response) for cell in row]
        named = [cell for cell in cells if "HYPERLINK" in cell]
        # "Figures for" and the note that says which local authorities the region covers both name it
        # (the Welsh note begins "Mae …").
        assert len(named) >= 2, response["Content-Disposition"]
        assert not [cell for cell in named if cell.startswith(FORMULA_STARTS)], named


@pytest.mark.parametrize(("prefix", "marker"), [("", ""), ("/cy", "-cy")])
def test_each_file_is_named_for_what_it_holds_when_and_in_which_language(client, wales_areas, prefix, marker):
    downloads = _four_downloads(client, wales_areas, prefix, {"view": "health_board"})
    names = [response["Content-Disposition"] for response in downloads.values()]
    # The gaps and headlines figures are the directory's on the day it last changed.
    assert names == [f'attachment; filename="{name}{marker}.csv"' for name in (
        "servicemap-gaps-all-health_board-2025-08-01", "servicemap-headlines-wales-2025-08-01",
        "servicemap-unmet-searches-2025-Q2", "servicemap-trends-all-2025-07-01-now",
    )]


@pytest.mark.parametrize(("need", "blaenau_gwent", "wales"), [
    # Census counts, written as the whole numbers they are (they read 13155.0).
    ("children", "13155", "617613"),
    # One in ten of them: 1315.5 estimated children has no meaningful tenth; rounded half up.
    ("prevalence", "1316", "61761"),
])
def test_need_is_a_whole_number_of_children(client, wales_areas, need, blaenau_gwent, wales):
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    _head, rows = _head_and_table(client.get("/gaps/data.csv", {"need": need}))
    by_code = {row["area_code"]: row for row in rows}
    assert (by_code["W06000019"]["need"], by_code["W92000004"]["need"]) == (blaenau_gwent, wales)
    assert all(row["need"].isdigit() for row in rows)


@pytest.mark.parametrize(("prefix", "heading"), [("", "Columns"), ("/cy", "Colofnau")])
def test_every_files_columns_are_explained_above_it_in_its_language(client, wales_areas, prefix, heading):
    downloads = _four_downloads(client, wales_areas, prefix, {"need": "prevalence"})
    english = {}
    for name, response in downloads.items():
        head, rows = _head_and_table(response)
        columns = list(rows[0])
        # The block starts with its heading, then each of the table's columns by name, in its order.
        start = [row[0] for row in head].index(heading)
        described = dict(head[start + 1:])
        assert list(described) == columns, name
        assert all(text.endswith(".") for text in described.values()), name
        english[name] = described
    gaps = english["gaps"]
    if prefix:
        assert gaps["area_name_cy"] == "Enw'r ardal yn Gymraeg."
        assert gaps["need"].startswith("Yr angen y rhennir cyflenwad pob gwasanaeth rhyngddo")
        assert gaps["access_per_10000"] == (
            "Mynediad, mewn gwasanaethau fesul 10,000 o blant yr amcangyfrifir y byddant yn profi cam-drin rhywiol, "
            "i 4 lle degol."
        )
        assert english["unmet"]["no_service"] == (
            "Chwiliadau na chafodd hyd i wasanaeth am y rheswm hwn: Nid oes gwasanaeth yn cwmpasu'r ardal."
        )
    else:
        assert "A whole number: the estimate is rounded to one here" in gaps["need"]
        assert gaps["access_per_10000"] == (
            "Access, in services per 10,000 children estimated to experience sexual abuse, to 4 decimal places."
        )
        assert english["trends"]["change_per_10000"] == (
            "The later access less the earlier, as the two are written here (to 4 decimal places): below 0 is a fall."
        )


def test_the_apis_docs_say_what_need_counts_and_that_area_names_are_english_in_either_answer(client, wales_areas):
    """The JSON keeps the figure unrounded (its consumers compute with it) and `name` in English with
    `name_cy` beside it in both languages' answers (one key for a script, whichever it asks for): the
    schema says so, so that a Welsh reader of the docs knows which field to show."""
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    fields = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]["AreaResult"]["properties"]
    assert "a whole number" in fields["need"]["description"] and "need=prevalence" in fields["need"]["description"]
    assert fields["name"]["description"] == "In English, in either language's answer."
    welsh = client.get("/api/gaps/", {"lang": "cy", "need": "prevalence"}).json()
    blaenau = next(area for area in welsh["areas"] if area["code"] == "W06000019")
    assert (blaenau["name"], blaenau["name_cy"], blaenau["need"]) == ("Blaenau Gwent", "Blaenau Gwent", 1315.5)


@pytest.mark.parametrize(("prefix", "says"), [
    ("", "The median and longest waits include services whose waiting list is closed"),
    ("/cy", "Mae'r amseroedd aros canolrifol a hiraf yn cynnwys gwasanaethau y mae eu rhestr aros ar gau"),
])
def test_a_closed_lists_wait_is_in_the_median_and_the_page_the_csv_and_the_api_say_so(client, wales_areas, prefix,
                                                                                      says):
    """gaps-method.md shows waits beside access and leaves no closed list out of them, so Cardiff's median
    is of its open service's 3 weeks and its paused one's 11 (a closed list), and its closed list is counted
    apart. The pages, the CSV and the API said what the waits were of without saying that."""
    from tests.factories import PausedServiceFactory

    ServiceFactory(coverage=[wales_areas[CARDIFF]], wait_weeks=3)
    PausedServiceFactory(coverage=[wales_areas[CARDIFF]], wait_weeks=11)

    head, table = _head_and_table(client.get(f"{prefix}/gaps/data.csv"))
    cardiff = next(row for row in table if row["area_code"] == CARDIFF)
    assert (cardiff["median_wait_weeks"], cardiff["longest_wait_weeks"], cardiff["closed_lists"]) == ("7.0", "11", "1")
    assert any(says in cell for line in head for cell in line)
    column = next(line[1] for line in head if line and line[0] == "median_wait_weeks")
    assert ("those whose list is closed included" if not prefix else "gan gynnwys y rhai y mae eu rhestr ar gau") \
        in column
    for page in ("/gaps/", "/gaps/headlines/"):
        assert says in client.get(f"{prefix}{page}").content.decode().replace("&#x27;", "'"), page
    answer = client.get("/api/gaps/", HTTP_ACCEPT_LANGUAGE="cy" if prefix else "en").json()
    assert next(a for a in answer["areas"] if a["code"] == CARDIFF)["median_wait_weeks"] == 7.0
    if not prefix:
        assert says in answer["notes"]["method"]


def _heading(text: str, prefix: str) -> str:
    with translation.override("cy" if prefix else "en"):
        return translation.gettext(text)


@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_every_csv_names_the_web_page_of_its_figures_with_the_same_choices_so_a_figure_can_be_cited(
        client, wales_areas, settings, prefix):
    """The headlines', unmet searches' and trends' files, as the map's: the page they came from, in the
    file's language and for the same region, quarter and dates, from SITE_URL."""
    settings.SITE_URL = "https://servicemap.example/"
    with time_machine.travel(date(2025, 8, 1)):
        ServiceFactory(coverage=[wales_areas[CARDIFF]], wait_weeks=3)
        snapshot_take(taken_on=date(2025, 7, 1))
        UnmetSearchCount.objects.create(month=date(2025, 4, 1), lad_code=CARDIFF, reason="no_service", count=7)
        asked = {
            "headlines": ("/gaps/headlines/", {"region": "cardiff-vale"}),
            "unmet": ("/gaps/unmet/", {"quarter": "2025-Q2", "region": "cardiff-vale"}),
            "trends": ("/gaps/trends/", {"layer": "intra_familial", "region": "cardiff-vale", "then": "2025-07-01"}),
        }
        for name, (page, query) in asked.items():
            head, _table = _head_and_table(client.get(f"{prefix}{page}data.csv", query))
            cited = dict(row[:2] for row in head if len(row) > 1)[_heading("Web page", prefix)]
            path, _sep, cited_query = cited.partition("?")
            assert path == f"https://servicemap.example{prefix}{page}", name
            assert dict(parse_qsl(cited_query)).items() >= query.items(), (name, cited)
            # The page shows the figures the file holds: the same CSV link.
            shown = client.get(cited.removeprefix("https://servicemap.example"))
            assert shown.status_code == 200, name
            assert f"{page}data.csv?{cited_query}".replace("&", "&amp;") in shown.content.decode(), name
