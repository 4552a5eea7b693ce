"""The commissioner pages and downloads."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html import unescape
from urllib.parse import parse_qsl

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from directory.models import WALES_CODE
from gaps import notes, selectors
from gaps.forms import NOT_AN_OPTION, SORT_NOT_AN_OPTION
from gaps.layers import Layer
from gaps.services import record_unmet_search, snapshot_take
from tests.factories import ClosedServiceFactory, PausedServiceFactory, ServiceFactory, WaitingTimeReportFactory

pytestmark = pytest.mark.django_db

CARDIFF, NEWPORT = "W06000015", "W06000022"


def _csv_rows(response) -> tuple[list[list[str]], list[dict[str, str]]]:
    text = response.content.decode()
    header, _blank, table = text.partition("\r\n\r\n")
    return list(csv.reader(io.StringIO(header))), list(csv.DictReader(io.StringIO(table)))


def test_an_empty_directory_shows_every_area_without_provision(client, wales_areas):
    response = client.get(reverse("gaps:index"))
    assert response.status_code == 200
    assert len(response.context["no_provision"]) == 22
    assert "No open or paused service in the directory answers this question" in response.content.decode()


@pytest.mark.parametrize("path", ["/gaps/", "/cy/gaps/", "/gaps/?view=health_board", "/gaps/headlines/",
                                  "/gaps/data.csv", "/api/gaps/"])
def test_before_the_reference_data_is_loaded_the_gaps_pages_answer(client, db, path):
    """A new deployment, before `load_reference_data`: no area, no figure, and no server error."""
    assert client.get(path).status_code == 200


def test_an_area_page_lists_the_services_covering_it_per_layer_with_waits(client, wales_areas):
    ServiceFactory(name="Cardiff only", coverage=[wales_areas[CARDIFF]], wait_weeks=5)
    ServiceFactory(name="All Wales", coverage=[wales_areas[WALES_CODE]], abuse_intra_familial=False, abuse_cse=True)
    ClosedServiceFactory(name="Gone", coverage=[wales_areas[CARDIFF]])
    PausedServiceFactory(name="Paused", coverage=[wales_areas[CARDIFF]], supports_parent_carer=True)
    response = client.get(reverse("gaps:area", args=[CARDIFF]))
    assert response.status_code == 200
    sections = {s["layer"].key: s for s in response.context["sections"]}
    assert [s.name for s in sections["intra_familial"]["services"]] == ["Cardiff only", "Paused"]
    assert [s.name for s in sections["cse"]["services"]] == ["All Wales"]
    assert [s.name for s in sections["parent_carer"]["services"]] == ["Paused"]
    body = response.content.decode()
    assert "Gone" not in body
    assert "closed" in body  # the paused service's list
    assert sections["all"]["wales"].n_services == 3


def _services_table(body: str) -> str:
    """The area page's table of the services covering it."""
    table = body[body.index('id="area-services"'):]
    return table[:table.index("</table>")]


def _plain(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def _service_rows(body: str) -> dict[str, list[str]]:
    """Each row of the table of services: the service's name, and its cells' text, tags left out."""
    rows = re.findall(r'<tr class="govuk-table__row">\s*<th scope="row"[^>]*>(.*?)</th>(.*?)</tr>', _services_table(body), re.S)
    return {_plain(name): [_plain(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)] for name, cells in rows}


def _waiting_list_cells(body: str) -> dict[str, str]:
    """Each service's name and its "Waiting list" cell, from the table of services."""
    return {name: cells[1] for name, cells in _service_rows(body).items()}


def test_the_area_page_says_a_waiting_list_never_reported_is_not_reported_not_open(client, wales_areas):
    # A service that never gave a wait was shown as "open": nothing said so.
    cardiff = [wales_areas[CARDIFF]]
    ServiceFactory(name="Open list", coverage=cardiff, wait_weeks=5)
    ServiceFactory(name="Never said", coverage=cardiff)
    WaitingTimeReportFactory(service=ServiceFactory(name="Closed list", coverage=cardiff), referrals_open=False)
    PausedServiceFactory(name="Paused", coverage=cardiff)

    english = client.get(reverse("gaps:area", args=[CARDIFF])).content.decode()
    welsh = client.get("/cy" + reverse("gaps:area", args=[CARDIFF])).content.decode()

    assert _waiting_list_cells(english) == {
        "Closed list": "closed", "Never said": "not reported", "Open list": "open", "Paused": "closed",
    }
    assert _waiting_list_cells(welsh) == {
        "Closed list": "ar gau", "Never said": "heb ei adrodd", "Open list": "ar agor", "Paused": "ar gau",
    }
    # Headed as the service's own page heads the same thing.
    assert '<th scope="col" class="govuk-table__header">Waiting list</th>' in english
    assert '<th scope="col" class="govuk-table__header">Rhestr aros</th>' in welsh


def test_the_area_page_names_services_in_the_page_language_whoever_asked_first(client, wales_areas):
    # The analysis rows are cached per directory version for every language alike.
    ServiceFactory(name="Family support", name_cy="Cymorth i deuluoedd", coverage=[wales_areas[CARDIFF]])
    english = client.get(reverse("gaps:area", args=[CARDIFF])).content.decode()
    welsh = client.get("/cy" + reverse("gaps:area", args=[CARDIFF])).content.decode()
    assert "Family support" in english and "Cymorth i deuluoedd" not in english
    assert "Cymorth i deuluoedd" in welsh


def test_on_the_welsh_area_page_a_name_with_no_welsh_is_marked_english(client, wales_areas):
    # So that a screen reader reads "Cardiff only" in English, not with Welsh sounds.
    ServiceFactory(name="Cardiff only", coverage=[wales_areas[CARDIFF]])
    ServiceFactory(name="Family support", name_cy="Cymorth i deuluoedd", coverage=[wales_areas[CARDIFF]])
    welsh = client.get(f"/cy/gaps/area/{CARDIFF}/").content.decode()
    english = client.get(f"/gaps/area/{CARDIFF}/").content.decode()
    assert re.search(r'<a class="govuk-link" href="[^"]+" lang="en">Cardiff only</a>', welsh)
    assert re.search(r'<a class="govuk-link" href="[^"]+">Cymorth i deuluoedd</a>', welsh)
    assert 'lang="en">Cardiff only' not in english


@time_machine.travel(date(2026, 3, 5), tick=False)
@pytest.mark.parametrize(("lang", "therapy", "parents", "none"), [
    ("", ["5 (as of 5 March 2026)", "open", "intra-familial, online", "children", "no verbal disclosure needed",
          "11 to 15, 16 and 17"],
     ["–", "closed", "–", "parents and carers", "–", "–"], "No provision"),
    ("/cy", ["5 (ar 5 Mawrth 2026)", "ar agor", "o fewn y teulu, ar-lein", "plant", "dim angen datgeliad llafar",
             "11 i 15, 16 a 17"],
     ["–", "ar gau", "–", "rhieni a gofalwyr", "–", "–"], "Dim darpariaeth"),
])
def test_the_area_page_lists_each_covering_service_once_with_the_questions_it_counts_for(
        client, wales_areas, lang, therapy, parents, none):
    # The page listed the same services again under each of its 15 questions (Cardiff's sample page
    # was 8,500 px tall, 15 tables for a screen reader): no one could see which service answered which.
    cardiff = [wales_areas[CARDIFF]]
    one = ServiceFactory(name="Cardiff therapy", coverage=cardiff, wait_weeks=5, abuse_online=True,
                         disclosure_required=False, age_min=12, age_max=18)
    two = PausedServiceFactory(name="Parents group", coverage=[wales_areas[WALES_CODE]], supports_child=False,
                               supports_parent_carer=True, abuse_intra_familial=False)

    response = client.get(f"{lang}/gaps/area/{CARDIFF}/")

    body = response.content.decode()
    assert _service_rows(body) == {"Cardiff therapy": therapy, "Parents group": parents}
    table = _services_table(body)
    assert table.count("Cardiff therapy") == table.count("Parents group") == 1
    for service in (one, two):  # each name leads to the service's page
        assert f'href="{lang}/services/{service.public_id}/"' in table
    assert body.count("<table") == 2  # the figures against Wales, and the services: not one per question
    # The questions no service covers here are named once, under the table.
    uncovered = response.context["uncovered"]
    assert len(uncovered) == 9 and str(Layer("sibling").label) in uncovered
    after = body[body.index("</table>", body.index('id="area-services"')):body.index('id="about-figures"')]
    assert none in after and [_plain(li) for li in re.findall(r"<li>(.*?)</li>", after, re.S)] == uncovered


def test_an_area_no_service_covers_names_every_question_without_a_table_of_services(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[NEWPORT]])
    response = client.get(f"/gaps/area/{CARDIFF}/")
    body = response.content.decode()
    assert response.context["covering"] == [] and body.count("<table") == 1
    assert len(response.context["uncovered"]) == len(response.context["sections"]) == 16
    assert "no open or paused service covers this area for these questions:" in body


def test_the_area_pages_queries_do_not_grow_with_the_services_covering_it(client, wales_areas, django_assert_max_num_queries):
    # Each service's link, wait and questions come from the cached analysis rows, not one query each.
    # Each time just after the directory changed, so the analysis is read from the database again.
    ServiceFactory.create_batch(2, coverage=[wales_areas[CARDIFF]], wait_weeks=3)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/gaps/area/{CARDIFF}/")
    ServiceFactory.create_batch(30, coverage=[wales_areas[CARDIFF]], wait_weeks=3, supports_sibling=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/gaps/area/{CARDIFF}/")
    assert len(response.context["covering"]) == 32
    assert len(few.captured_queries) > 5  # the analysis was read, not a stored page


def test_the_area_pages_tables_are_found_by_their_headings_in_order(client, wales_areas):
    # The figures against Wales were titled by a caption only: a screen reader's list of headings went
    # from the area's name to the services, past the page's main table.
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    body = client.get(f"/gaps/area/{CARDIFF}/").content.decode()
    headings = [(level, _plain(text)) for level, text in re.findall(r"<h([1-6])[^>]*>(.*?)</h\1>", body, re.S)]
    main = headings[[text for _level, text in headings].index("Cardiff Caerdydd"):]
    assert main[:4] == [("1", "Cardiff Caerdydd"), ("2", "Cardiff against Wales, question by question"),
                        ("2", "Services covering this area, by question"), ("2", "About these figures")]
    # Each table's name once: its heading names its scrolling box, and no caption says it again.
    assert "<caption" not in body[body.index("<main"):body.index("</main>")]
    assert "{#" not in body and "#}" not in body  # a template comment run over two lines is shown


def _against_wales_row_headers(body: str) -> list[str]:
    """The row headers of the area page's table against Wales, its age bands' heading among them."""
    table = body[body.index('id="area-against-wales"'):]
    return [_plain(th) for th in re.findall(r'<th scope="row(?:group)?"[^>]*>(.*?)</th>', table[:table.index("</table>")], re.S)]


@pytest.mark.parametrize(("lang", "heading", "ages"), [
    ("", "All CSA support for children, by age",
     ["Children under 5", "Children 5 to 10", "Children 11 to 15", "Children 16 and 17", "Children under 11"]),
    ("/cy", "Pob cymorth CSA i blant, yn ôl oedran",
     ["Plant dan 5", "Plant 5 i 10", "Plant 11 i 15", "Plant 16 a 17", "Plant dan 11"]),
])
def test_the_area_pages_age_rows_against_wales_are_labelled_by_their_ages_under_a_heading(
    client, wales_areas, lang, heading, ages,
):
    # Each was labelled "All CSA support for children, children under 5", four or five lines on a phone.
    ServiceFactory(coverage=[wales_areas[CARDIFF]], age_min=3, age_max=9)
    response = client.get(f"{lang}/gaps/area/{CARDIFF}/")
    headers = _against_wales_row_headers(response.content.decode())
    questions = [str(s["layer"].label) for s in response.context["sections"] if not s["layer"].band]
    assert headers == [*questions, heading, *ages]
    # The figures are the bands' own: the service (aged 3 to 9) counts under 11, not 11 to 15.
    covering = re.findall(r'<th scope="row"[^>]*>[^<]*</th>\s*<td class="govuk-table__cell sm-num">(\d+)</td>', response.content.decode())
    assert covering[-5:] == ["1", "1", "0", "0", "1"]
    # The list of questions with no provision, with no heading above it, keeps the full labels.
    assert str(Layer("all", "11_15").label) in response.context["uncovered"]


@pytest.mark.parametrize("path", ["/gaps/", "/cy/gaps/"])
def test_the_map_form_names_no_field_as_its_button(client, wales_areas, path):
    # The areas' list was labelled "Show", as the button is: a screen reader's list of the page's
    # controls held two "Show"s, one of each kind.
    body = client.get(path).content.decode()
    form = body[body.index('<form method="get"'):body.index("</form>")]
    labels = {re.sub(r"<[^>]+>|\s+", " ", label).strip() for label in re.findall(r"<label[^>]*>(.*?)</label>", form, re.S)}
    buttons = {button.strip() for button in re.findall(r"<button[^>]*>(.*?)</button>", form, re.S)}
    assert buttons and labels
    assert not labels & buttons


def test_an_unknown_area_is_404(client, wales_areas):
    assert client.get(reverse("gaps:area", args=["W06999999"])).status_code == 404
    # A board's code goes to the map's regional view (test_a_health_boards_code_as_an_area_goes_…).


def test_the_headlines_page_names_areas_where_every_list_is_closed(client, wales_areas):
    PausedServiceFactory(coverage=[wales_areas[NEWPORT]])
    response = client.get(reverse("gaps:headlines"))
    assert [a.code for a in response.context["all_closed"]] == [NEWPORT]


def _unmet(n: int, **kw) -> None:
    fields = dict(month=date(2026, 2, 1), lad_code=CARDIFF, abuse_forms=["intra_familial"], age=8,
                  excluded_by="none", reason="no_service")
    fields.update(kw)
    for _ in range(n):
        record_unmet_search(**fields)


def test_the_unmet_page_suppresses_small_counts_and_says_so(client, wales_areas):
    _unmet(3)
    _unmet(7, lad_code=NEWPORT, reason="criteria_exclude", excluded_by="disclosure")
    response = client.get(reverse("gaps:unmet"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Counts of 1–4 are shown as &lt;5; some other cells are hidden so they cannot be worked out." in body
    by_la = response.context["report"].breakdowns[0]
    cardiff = next(r for r in by_la.rows if r.code == CARDIFF)
    newport = next(r for r in by_la.rows if r.code == NEWPORT)
    assert cardiff.cells[0].text == "<5"
    assert cardiff.rate.hidden  # its numerator is suppressed
    # Total 10 = 3 + 7: the 7 or the total must be hidden too, or the 3 could be worked out.
    assert newport.total.hidden or by_la.table.total.hidden
    assert "10" not in [c.text for c in [*by_la.table.col_totals, by_la.table.total]] or newport.total.hidden


def test_the_unmet_csv_carries_the_same_suppression(client, wales_areas):
    _unmet(3)
    response = client.get(reverse("gaps:unmet_csv"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "<5" in text
    assert ",3," not in text and not text.rstrip().endswith(",3")
    assert "Small numbers" in text


@time_machine.travel(date(2026, 12, 5), tick=False)
def test_the_unmet_page_shows_one_whole_quarter_that_has_ended_the_latest_by_default(client, wales_areas):
    _unmet(6, month=date(2025, 1, 1))
    _unmet(8, month=date(2026, 2, 1))
    _unmet(9, month=date(2026, 3, 1))
    _unmet(7, month=date(2026, 12, 1))  # this quarter: still being counted, not shown
    page = client.get(reverse("gaps:unmet"))
    assert [key for key, _label in page.context["form"].fields["quarter"].choices] == ["2026-Q1", "2025-Q1"]
    assert page.context["quarter"] == date(2026, 1, 1)
    assert page.context["report"].breakdowns[0].table.total.text == "17"  # February and March: 8 + 9
    assert ">January–March 2026</option>" in page.content.decode()
    older = client.get(reverse("gaps:unmet"), {"quarter": "2025-Q1"}).context
    assert older["report"].breakdowns[0].table.total.text == "6"
    bad = client.get(reverse("gaps:unmet"), {"quarter": "yesterday"})
    assert bad.status_code == 200
    assert bad.context["quarter"] == date(2026, 1, 1)


@time_machine.travel(date(2026, 12, 5), tick=False)
def test_no_count_of_one_to_four_can_be_worked_out_by_subtracting_one_period_from_another(client, wales_areas):
    # Cardiff: 5 in January, 2 in February. Counts for January to February (7) and January (5)
    # would give February's 2 by subtraction, a count the February table shows as "<5".
    _unmet(5, month=date(2026, 1, 1))
    _unmet(2, month=date(2026, 2, 1))
    _unmet(3, month=date(2026, 4, 1))
    shown = {}
    for params in ({}, {"quarter": "2026-Q1"}, {"quarter": "2026-Q2"}, {"start": "2026-01", "end": "2026-01"},
                   {"start": "2026-01", "end": "2026-02"}, {"start": "2026-02", "end": "2026-04"}):
        by_la = client.get(reverse("gaps:unmet"), params).context["report"].breakdowns[0]
        cardiff = next(r for r in by_la.rows if r.code == CARDIFF)
        shown[cardiff.total.text] = params
    # Every request answers with one of the two whole quarters: 7 (January–March) or <5 (April–June).
    assert set(shown) == {"7", "<5"}


def test_the_unmet_page_has_an_empty_state(client, wales_areas):
    response = client.get(reverse("gaps:unmet"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "No quarter that has ended holds any counted searches yet" in page
    # Nothing to show: no tables of zeros for no period, and no CSV of them.
    assert "<table" not in page and "unmet/data.csv" not in page


@time_machine.travel(date(2026, 5, 10), tick=False)
def test_searches_in_the_quarter_still_being_counted_are_not_shown_until_it_ends(client, wales_areas):
    _unmet(6, month=date(2026, 4, 1))
    page = client.get(reverse("gaps:unmet"))
    assert page.context["quarter"] is None
    assert page.context["report"].breakdowns[0].table.total.text == "0"
    assert "No quarter that has ended holds any counted searches yet" in page.content.decode()
    with time_machine.travel(date(2026, 7, 1), tick=False):
        later = client.get(reverse("gaps:unmet")).context
    assert later["quarter"] == date(2026, 4, 1)
    assert later["report"].breakdowns[0].table.total.text == "6"


def test_the_trends_page_compares_a_snapshot_with_now(client, wales_areas):
    assert "No snapshots have been taken yet" in client.get(reverse("gaps:trends")).content.decode()
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    snapshot_take(taken_on=date(2026, 1, 1))
    ServiceFactory(coverage=[wales_areas[CARDIFF]], wait_weeks=10)
    response = client.get(reverse("gaps:trends"), {"layer": "all"})
    assert response.status_code == 200
    cardiff = next(r for r in response.context["rows"] if r["code"] == CARDIFF)
    assert (cardiff["then_services"], cardiff["now_services"]) == (1, 2)
    assert cardiff["change"] > 0
    assert cardiff["now_wait"] == 10
    newport = next(r for r in response.context["rows"] if r["code"] == NEWPORT)
    assert newport["then"] == 0


def test_the_trends_page_compares_two_snapshots(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    snapshot_take(taken_on=date(2026, 1, 1))
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    snapshot_take(taken_on=date(2026, 4, 1))
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    response = client.get(reverse("gaps:trends"), {"then": "2026-01-01", "now": "2026-04-01"})
    cardiff = next(r for r in response.context["rows"] if r["code"] == CARDIFF)
    assert (cardiff["then_services"], cardiff["now_services"]) == (1, 2)


def test_the_nav_links_to_the_gaps_pages(client, wales_areas):
    body = client.get(reverse("directory:home")).content.decode()
    assert f'href="{reverse("gaps:index")}"' in body



def test_the_map_page_queries_do_not_grow_with_the_directory(client, wales_areas, django_assert_max_num_queries):
    for code in (CARDIFF, NEWPORT):
        ServiceFactory.create_batch(4, coverage=[wales_areas[code], wales_areas["W11000029"]], wait_weeks=3)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("gaps:index")).status_code == 200
    with django_assert_max_num_queries(10):  # cached: the fingerprint, the notes' date, the banner
        assert client.get(reverse("gaps:index"), {"layer": "all"}).status_code == 200


@pytest.mark.parametrize(
    ("params", "named"),
    [({"layer": "zzz"}, "Question"), ({"age": "abc", "view": "nation"}, "Age of the child"),
     ({"sort": "x"}, "Sort by")],
)
def test_a_csv_asked_for_with_a_choice_that_does_not_exist_is_refused_naming_it(client, wales_areas, params, named):
    # Not the default table in its place: a script that asked wrongly would take it for the answer.
    response = client.get(reverse("gaps:data_csv"), params)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("No CSV was made")
    assert f"{named}: {SORT_NOT_AN_OPTION if named == 'Sort by' else NOT_AN_OPTION}" in text


def test_the_pages_csv_link_asks_for_the_table_shown_even_beside_errors(client, wales_areas):
    page = client.get(reverse("gaps:index"), {"layer": "intra_familial", "age": "abc", "view": "health_board"})
    assert "There is a problem" in page.content.decode()
    link = re.search(r'href="([^"]*data\.csv[^"]*)"', page.content.decode())[1].replace("&amp;", "&")
    assert "age=" not in link and "layer=intra_familial" in link and "view=health_board" in link
    response = client.get(link)
    assert response.status_code == 200
    header, rows = _csv_rows(response)
    assert header[0][1] == page.context["chosen"].layer.label
    assert len(rows) == 8  # 7 health boards and Wales, as on the page


def test_the_unmet_csv_refuses_a_quarter_it_does_not_hold_and_the_page_links_the_quarter_shown(client, wales_areas):
    _unmet(6, month=date(2026, 2, 1))
    response = client.get(reverse("gaps:unmet_csv"), {"quarter": "9999-Q9"})
    assert response.status_code == 400
    assert f"Quarter: {NOT_AN_OPTION}" in response.content.decode()
    page = client.get(reverse("gaps:unmet"), {"quarter": "9999-Q9"})
    assert "quarter=2026-Q1" in page.content.decode()
    csv_file = client.get(reverse("gaps:unmet_csv"), {"quarter": "2026-Q1"})
    assert csv_file.status_code == 200
    assert "Searches in January–March 2026." in csv_file.content.decode()


def _two_snapshots(wales_areas) -> None:
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    snapshot_take(taken_on=date(2026, 6, 1))
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    snapshot_take(taken_on=date(2026, 9, 1))


def test_a_backwards_trends_comparison_is_swapped_and_the_period_names_both_snapshots(client, wales_areas):
    _two_snapshots(wales_areas)
    response = client.get(reverse("gaps:trends"), {"then": "2026-09-01", "now": "2026-06-01"})
    assert (response.context["then"].taken_on, response.context["now_label"]) == (date(2026, 6, 1), "1 September 2026")
    cardiff = next(r for r in response.context["rows"] if r["code"] == CARDIFF)
    assert (cardiff["then_services"], cardiff["now_services"]) == (1, 2)
    period = dict(response.context["notes"])["Period"]
    assert "Snapshots dated 1 June 2026 and 1 September 2026." in period
    assert "Directory as it stood" not in period


def test_a_swapped_trends_comparison_shows_the_swapped_dates_in_its_form(client, wales_areas):
    # The form showed "Then 1 June" and "Now 1 June" (the date asked for as now) above a table of
    # 1 June against 1 September: a comparison of a snapshot with itself, to a reader of the form.
    _two_snapshots(wales_areas)
    body = client.get(reverse("gaps:trends"), {"then": "2026-09-01", "now": "2026-06-01"}).content.decode()
    then = body[body.index('<select class="govuk-select" id="id_then"'):]
    now = body[body.index('<select class="govuk-select" id="id_now"'):]
    assert re.search(r'<option value="2026-06-01" selected>', then[:then.index("</select>")])
    assert re.search(r'<option value="2026-09-01" selected>', now[:now.index("</select>")])
    assert " selected>" not in now[:now.index('value="2026-09-01"')]


@time_machine.travel("2026-12-05 10:00 +0000", tick=False)
def test_the_trends_period_names_the_snapshots_date_and_when_a_back_dated_one_was_really_taken(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    snapshot_take(taken_on=date(2026, 9, 30))  # filed under the end of the quarter, taken in December
    with time_machine.travel("2026-12-31 10:00 +0000", tick=False):
        snapshot_take(taken_on=date(2026, 12, 31))
        against_now = dict(client.get(reverse("gaps:trends"), {"then": "2026-09-30"}).context["notes"])["Period"]
        both = dict(client.get(reverse("gaps:trends"),
                               {"then": "2026-09-30", "now": "2026-12-31"}).context["notes"])["Period"]
    assert against_now.startswith("Snapshot dated 30 September 2026, against the directory as it stood on 5 December")
    for period in (against_now, both):
        assert ("The snapshot dated 30 September 2026 was taken on 5 December 2026, so it shows the directory "
                "as it stood that day.") in period
        assert "The snapshot dated 31 December 2026 was taken" not in period  # taken on its own date
    assert both.startswith("Snapshots dated 30 September 2026 and 31 December 2026.")


def test_a_snapshot_compared_with_itself_is_refused_with_a_message(client, wales_areas):
    _two_snapshots(wales_areas)
    response = client.get(reverse("gaps:trends"), {"then": "2026-06-01", "now": "2026-06-01"})
    assert response.status_code == 200
    assert "a snapshot compared with itself shows no change" in response.content.decode()
    assert response.context["now_label"] == "now"


def test_the_skip_link_comes_before_the_map(client, wales_areas):
    body = client.get(reverse("gaps:index")).content.decode()
    assert body.index('href="#gaps-table"') < body.index('class="sm-gaps-map"')


def test_every_error_summary_link_leads_to_a_control_on_show(client, wales_areas):
    body = client.get(reverse("gaps:index"), {"basis": "x", "sort": "bad"}).content.decode()
    summary = body[body.index("govuk-error-summary"):body.index("</ul>", body.index("govuk-error-summary"))]
    assert 'href="#id_sort"' not in summary and f"Sort by: {SORT_NOT_AN_OPTION}" in summary
    assert 'href="#id_basis"' in summary and 'id="id_basis"' in body
    details = body[body.index('<details class="govuk-details"'):]
    assert details.startswith('<details class="govuk-details" open>')


def test_the_unmet_csv_has_the_pages_rate_column_and_explains_c(client, wales_areas):
    _unmet(12)
    text = client.get(reverse("gaps:unmet_csv")).content.decode("utf-8-sig")
    header, _blank, table = text.partition("\r\n\r\n")
    assert ["[c]", "Hidden cells show [c]."] in list(csv.reader(io.StringIO(header)))
    rows = list(csv.DictReader(io.StringIO(table)))
    page = client.get(reverse("gaps:unmet")).context["report"].breakdowns[0]
    cardiff = next(r for r in rows if r["breakdown"] == "lad_code" and r["code"] == CARDIFF)
    assert cardiff["per_10000_children"] == next(r for r in page.rows if r.code == CARDIFF).rate.text != ""


@pytest.mark.parametrize("name", ["gaps:data_csv", "gaps:unmet_csv"])
def test_the_csvs_begin_with_a_byte_order_mark_so_excel_keeps_welsh_letters(client, wales_areas, name):
    """Excel reads a CSV without one as Windows-1252: "Ynys MÃ´n" for Ynys Môn."""
    response = client.get(reverse(name))
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    assert not text.startswith("\ufeff")  # one mark, not two
    if name == "gaps:data_csv":
        assert "Ynys Môn" in text


@pytest.mark.parametrize(("params", "filename"), [
    ({}, "servicemap-gaps-all.csv"),
    ({"layer": "intra_familial", "age": "under_11"}, "servicemap-gaps-intra_familial-under_11.csv"),
    ({"layer": "sibling", "view": "health_board"}, "servicemap-gaps-sibling-health_board.csv"),
    ({"view": "safeguarding_region", "basis": "capacity", "need": "prevalence"},
     "servicemap-gaps-all-safeguarding_region-capacity-prevalence.csv"),
])
def test_each_choice_downloads_under_its_own_file_name(client, wales_areas, params, filename):
    response = client.get(reverse("gaps:data_csv"), params)
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_the_unmet_csv_is_named_for_its_quarter(client, wales_areas):
    record_unmet_search(month=date(2025, 5, 1), lad_code=CARDIFF, abuse_forms=[], age=None, excluded_by="none",
                        reason="no_service")
    response = client.get(reverse("gaps:unmet_csv"), {"quarter": "2025-Q2"})
    assert response["Content-Disposition"] == 'attachment; filename="servicemap-unmet-searches-2025-Q2.csv"'

# An imported feed may add an area with any name (directory/oruk/importer.py), and commissioners open
# these files in Excel: a name it would run as a formula is written as text.
FORMULA_NAME = '=HYPERLINK("http://example.com/x","Open")'


def test_an_area_name_a_spreadsheet_would_run_is_written_as_text_in_the_unmet_csv(client, wales_areas):
    from directory.models import Area

    Area.objects.create(code="W06999999", name=FORMULA_NAME, kind=Area.Kind.LOCAL_AUTHORITY)
    _unmet(6)
    rows = list(csv.reader(io.StringIO(client.get(reverse("gaps:unmet_csv")).content.decode("utf-8-sig"))))
    labels = [row[2] for row in rows if len(row) > 2 and row[1] == "W06999999"]
    assert labels == ["'" + FORMULA_NAME]


def test_area_names_a_spreadsheet_would_run_are_written_as_text_in_the_gaps_csv(client, wales_areas):
    from directory.models import Area

    Area.objects.filter(code=CARDIFF).update(name=FORMULA_NAME, name_cy="+cmd|' /C calc'!A0")
    _headers, rows = _csv_rows(client.get(reverse("gaps:data_csv")))
    cardiff = next(row for row in rows if row["area_code"] == CARDIFF)
    assert cardiff["area_name"] == "'" + FORMULA_NAME and cardiff["area_name_cy"].startswith("'+cmd")
    wales = next(row for row in rows if row["area_code"] == WALES_CODE)
    # Wales's row lists the authorities with no provision, this one first ("=" sorts before letters).
    assert wales["local_authorities_with_no_provision"].startswith(f"'{FORMULA_NAME} ({CARDIFF}); ")


@pytest.mark.parametrize("address", [
    "/gaps/?layer={junk}", "/gaps/data.csv?basis={junk}", "/gaps/unmet/?quarter={junk}",
    "/gaps/unmet/data.csv?quarter={junk}", "/gaps/trends/?then={junk}", "/gaps/trends/data.csv?now={junk}",
])
def test_a_choice_not_in_the_list_is_refused_without_echoing_what_the_address_held(client, wales_areas, address):
    # Django's "Select a valid choice. … is not one of the available choices." put the whole value,
    # any length, into the page or the CSV's refusal.
    _two_snapshots(wales_areas)
    _unmet(6, month=date(2026, 2, 1))
    junk = "notachoice" * 300

    response = client.get(address.format(junk=junk))

    text = response.content.decode()
    assert "notachoice" not in _without_links(text)
    assert str(NOT_AN_OPTION) in text


def _without_links(html: str) -> str:
    """The page without its links' addresses (the language switch and sort links carry the query,
    escaped, as the page's own address)."""
    return re.sub(r'href="[^"]*"', "", html)


@pytest.mark.parametrize(("address", "location"), [
    ("/gaps/?layer=intra_familial%00", "/gaps/?layer=intra_familial"),
    ("/gaps/data.csv?layer=%1Ball&view=health_board", "/gaps/data.csv?layer=all&view=health_board"),
    ("/gaps/headlines/?region=%00", "/gaps/headlines/?region="),
    ("/gaps/headlines/data.csv?region=%7F", "/gaps/headlines/data.csv?region="),
    ("/gaps/unmet/?quarter=%00", "/gaps/unmet/?quarter="),
    ("/gaps/unmet/data.csv?quarter=2026-Q1%00", "/gaps/unmet/data.csv?quarter=2026-Q1"),
    ("/gaps/trends/?then=%00", "/gaps/trends/?then="),
    ("/gaps/trends/data.csv?layer=%00all", "/gaps/trends/data.csv?layer=all"),
    ("/cy/gaps/?%00=x", "/cy/gaps/"),
])
def test_a_gaps_address_with_control_characters_goes_to_the_same_one_without_them(client, wales_areas, address,
                                                                                  location):
    # As the search and A to Z do (directory/control_characters.py): NUL was echoed into the page's
    # error message and the CSV's refusal, where it is not valid text.
    _unmet(6, month=date(2026, 2, 1))

    response = client.get(address)

    assert response.status_code == 302
    assert response["Location"] == location
    followed = client.get(location)
    assert followed.status_code in (200, 404)  # 404: the trends CSV, with no snapshot taken
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", followed.content.decode())


@pytest.mark.parametrize("code", ["W06000015%00", "%00", "w06000015", "W0600001", "W" * 3000, "W06000015%20"])
def test_an_area_address_that_is_no_ons_code_is_not_found_without_asking_the_database(client, wales_areas, code):
    # PostgreSQL refuses a NUL in a query's text with an error (a 500), where SQLite finds nothing.
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/gaps/area/{code}/")

    assert response.status_code == 404
    assert not any("area" in q["sql"] and "code" in q["sql"] for q in queries.captured_queries)
    assert client.get(f"/gaps/area/{CARDIFF}/").status_code == 200


def _key(body: str) -> tuple[str, list[str]]:
    """The map key's heading and its entries' text, tags left out."""
    heading = re.search(r'id="legend-heading">([^<]+)</h3>', body).group(1)
    items = re.search(r'<ul class="sm-legend[^>]*>(.*?)</ul>', body, re.S).group(1)
    texts = [re.sub(r"<[^>]+>", " ", li) for li in re.findall(r"<li>(.*?)</li>", items, re.S)]
    return heading, [" ".join(t.split()) for t in texts]


@pytest.mark.parametrize(("view", "heading", "noun"), [
    ("health_board", "Key: each health board&#x27;s access against the Wales level", "health board"),
    ("safeguarding_region", "Key: each regional safeguarding board&#x27;s access against the Wales level",
     "regional safeguarding board"),
])
def test_a_regional_maps_key_is_of_its_regions_not_the_local_authorities(client, wales_areas, view, heading, noun):
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    ServiceFactory(coverage=[wales_areas[NEWPORT], wales_areas[CARDIFF]])

    response = client.get(reverse("gaps:index"), {"view": view})

    shown, entries = _key(response.content.decode())
    assert shown == heading
    regions = {row.code: (row, bin) for row, bin in response.context["rows"]}
    # The classes, then a line for the regions' edges (drawn over the local authorities').
    *entries, edges = entries
    assert edges.startswith("Thick line: the edge of a") and noun.split()[-2] in edges
    for entry, key_entry in zip(entries[1:], response.context["map_key"].entries[1:], strict=True):
        inside = sorted(row.name for row, bin in regions.values() if bin is key_entry.bin)
        assert [a.name for a in key_entry.areas] == inside
        assert (f"{noun}" in entry and all(name in entry for name in inside)) if inside else "none on this map" in entry
    hatched = [la for la in response.context["result"].areas if la.no_provision]
    assert entries[0].endswith(f"{len(hatched)} local authorities") and f"whatever its {noun.split()[-2]}" in entries[0]
    assert "coloured by its" in response.context["map_key"].caption
    assert response.context["map_key"].caption in response.content.decode().replace("&#x27;", "'")


def test_the_local_authority_maps_key_counts_them_and_the_welsh_key_is_in_welsh(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[CARDIFF]])

    shown, entries = _key(client.get(reverse("gaps:index")).content.decode())

    assert shown == "Key: each local authority&#x27;s access against the Wales level"
    assert entries[0].endswith("21 local authorities")
    assert sum(e.endswith("1 local authority") for e in entries[1:]) == 1
    welsh, welsh_entries = _key(client.get("/cy/gaps/", {"view": "health_board"}).content.decode())
    assert welsh.startswith("Allwedd: ") and "health board" not in " ".join(welsh_entries)
    assert "awdurdod lleol" in welsh_entries[0] and "Bwrdd Iechyd" in " ".join(welsh_entries)


def test_an_area_page_reached_from_the_map_goes_back_to_the_map_as_it_was_left(client, wales_areas):
    # A commissioner on siblings by health board, sorted by wait, opened an area and was sent back to
    # all support by local authority: "Back to the map" dropped every choice.
    ServiceFactory(coverage=[wales_areas[CARDIFF]], supports_sibling=True)
    chosen = "layer=sibling&age=5_10&view=health_board&sort=-wait"
    page = client.get(f"{reverse('gaps:index')}?{chosen}").content.decode()
    # Newport has none: the regional view links it under its health board.
    area_links = set(re.findall(rf'href="(/gaps/area/{NEWPORT}/[^"]*)"', page))
    assert area_links == {f"/gaps/area/{NEWPORT}/?{chosen.replace('&', '&amp;')}"}
    page = client.get(f"{reverse('gaps:index')}?layer=sibling").content.decode()
    assert set(re.findall(rf'href="(/gaps/area/{CARDIFF}/[^"]*)"', page)) == {f"/gaps/area/{CARDIFF}/?layer=sibling"}

    area = client.get(f"/gaps/area/{CARDIFF}/?{chosen}&basis=nonsense").content.decode()
    back = re.search(r'<a href="([^"]*)" class="govuk-back-link', area).group(1)
    assert back == f"/gaps/?{chosen.replace('&', '&amp;')}"  # the invalid choice left out
    plain = client.get(reverse("gaps:area", args=[CARDIFF])).content.decode()
    assert re.search(r'<a href="([^"]*)" class="govuk-back-link', plain).group(1) == "/gaps/"


@pytest.mark.parametrize(("prefix", "back_words"), [("", "Back to the headlines"), ("/cy", "Yn ôl i&#x27;r prif bwyntiau")])
def test_an_area_page_reached_from_a_regions_headlines_goes_back_to_them(client, wales_areas, prefix, back_words):
    # A North Wales commissioner on the region's headlines opened Gwynedd, and "Back to the map" led to
    # the map of all Wales, a page they had not seen: the region's headlines were lost.
    gwynedd = "W06000002"
    ServiceFactory(coverage=[wales_areas[gwynedd]])
    page = client.get(f"{prefix}/gaps/headlines/", {"region": "north-wales"}).content.decode()
    links = set(re.findall(rf'href="({prefix}/gaps/area/{gwynedd}/[^"]*)"', page))
    assert links == {f"{prefix}/gaps/area/{gwynedd}/?from=headlines&amp;region=north-wales"}

    area = client.get(unescape(links.pop())).content.decode()
    back = re.search(r'<a href="([^"]*)" class="govuk-back-link sm-no-print">([^<]*)</a>', area)
    assert back.groups() == (f"{prefix}/gaps/headlines/?region=north-wales", back_words)

    # Wales's headlines link back to Wales's; a region that is none is left out, not passed on.
    wales = client.get(f"{prefix}/gaps/headlines/").content.decode()
    assert f'href="{prefix}/gaps/area/{gwynedd}/?from=headlines"' in wales
    for query in ("from=headlines", "from=headlines&region=atlantis"):
        area = client.get(f"{prefix}/gaps/area/{gwynedd}/?{query}").content.decode()
        assert re.search(r'<a href="([^"]*)" class="govuk-back-link', area).group(1) == f"{prefix}/gaps/headlines/"


@pytest.mark.parametrize(("path", "none_said", "level_said"), [
    ("/gaps/?layer=sibling", "there is no Wales level", "1 is the Wales level:"),
    ("/cy/gaps/?layer=sibling", "nid oes lefel Cymru", "1 yw lefel Cymru:"),
])
def test_where_no_service_answers_the_question_the_key_says_there_is_no_wales_level(
        client, wales_areas, path, none_said, level_said):
    # The key said "1 is the Wales level: 0.00 services per 10,000 children, from 0 services": a
    # level of nothing, that every area's "against Wales" figure would divide by.
    ServiceFactory(coverage=[wales_areas[CARDIFF]], supports_sibling=False)
    body = client.get(path).content.decode()
    assert none_said in body and level_said not in body
    assert level_said in client.get(path.replace("sibling", "all")).content.decode()


@pytest.mark.parametrize("path", ["/gaps/", "/cy/gaps/?view=health_board", f"/gaps/area/{CARDIFF}/",
                                  "/gaps/headlines/", "/cy/gaps/headlines/?region=gwent"])
def test_every_gaps_table_box_can_be_reached_by_keyboard_and_is_named(client, wales_areas, path):
    """A table wider than a phone scrolls sideways in its box: the box must take focus (so arrow keys
    scroll it, and "Skip to the table" moves focus, not only the view) and be named for a screen
    reader by its table's caption or heading. The map page's, area page's and headlines' were not."""
    ServiceFactory(name="Cardiff only", coverage=[wales_areas[CARDIFF]], wait_weeks=5)
    body = client.get(path).content.decode()
    boxes = re.findall(r'<div class="sm-table-wrap"[^>]*>', body)
    assert boxes
    for box in boxes:
        assert 'tabindex="0"' in box and 'role="region"' in box, box
        label = re.search(r'aria-labelledby="([^"]+)"', box)
        assert label and f'id="{label[1]}"' in body, box


def _cells(body: str, heading: str) -> list[str]:
    """The text of each cell of the first table row whose heading starts with `heading`, tags left out."""
    def plain(html: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", html).split())

    for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body, re.S):
        th = re.search(r'<th scope="row"[^>]*>(.*?)</th>', row, re.S)
        if th and plain(th[1]).startswith(heading):
            return [plain(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    raise AssertionError(f"no row headed {heading}")


@pytest.mark.parametrize(("lang", "none", "newport", "wales"), [
    ("", "No provision", "Newport", "Wales"),
    ("/cy", "Dim darpariaeth", "Casnewydd", "Cymru"),
])
def test_an_areas_access_where_there_is_no_provision_reads_no_provision_in_every_table(
        client, wales_areas, lang, none, newport, wales):
    # The map page's table gave such an area's access per 10,000 as "0", and its Wales row and the
    # area page as "0.00" (a figure that reads as rounded down), beside "No provision" against Wales.
    ServiceFactory(coverage=[wales_areas[CARDIFF]], supports_sibling=False)

    index = client.get(f"{lang}/gaps/").content.decode()
    assert _cells(index, newport)[1:3] == [none, none]  # access per 10,000, against Wales
    assert _cells(index, "Cardiff" if not lang else "Caerdydd")[1] not in (none, "0", "0.00")
    # No service answers the question anywhere: Wales's row has no figure either.
    siblings = client.get(f"{lang}/gaps/", {"layer": "sibling"}).content.decode()
    assert _cells(siblings, wales)[1:3] == [none, none]

    area = client.get(f"{lang}/gaps/area/{NEWPORT}/")
    body = area.content.decode()
    table = body[body.index('id="area-against-wales"'):]
    table = table[table.index("<tbody"):table.index("</table>")]
    # Each section's row: the age bands' heading row, above their rows, has no figures.
    rows = [row for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S) if "<td" in row]
    sections = [s for s in area.context["sections"] if not s["layer"].band] + [s for s in area.context["sections"] if s["layer"].band]
    for section, cells in zip(sections, rows, strict=True):
        figures = [" ".join(re.sub(r"<[^>]+>", " ", td).split()) for td in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
        assert figures[1] == none and figures[3] == none, section["layer"].key  # here; against Wales
        assert (figures[2] == none) == section["wales"].no_provision, section["layer"].key  # Wales
    assert {section["wales"].no_provision for section in sections} == {True, False}  # both kinds of row seen

    headlines = client.get(f"{lang}/gaps/headlines/").content.decode()
    assert _cells(headlines, newport)[1:3] == [none, none]  # intra-familial, and all support, per 10,000


@pytest.mark.parametrize(("path", "link", "newport"), [
    ("/gaps/?layer=sibling", f"/gaps/area/{NEWPORT}/?layer=sibling", "Newport"),
    ("/cy/gaps/?layer=sibling&view=local_authority", f"/cy/gaps/area/{NEWPORT}/?layer=sibling", "Casnewydd"),
])
def test_the_local_authority_views_warning_links_each_area_with_no_provision_to_its_page(
        client, wales_areas, path, link, newport):
    # The regional views' warning linked the local authorities with none to their pages; the local
    # authority view's named them without links.
    ServiceFactory(coverage=[wales_areas[CARDIFF]], supports_sibling=True)

    body = client.get(path).content.decode()

    warning = re.search(r'<strong class="govuk-warning-text__text">(.*?)</strong>', body, re.S)[1]
    links = re.findall(r'<a class="govuk-link" href="([^"]+)">([^<]+)</a>', warning)
    assert len(links) == 21 and (link, newport) in links
    assert not any(CARDIFF in href for href, _name in links)


@pytest.mark.parametrize(("query", "unit"), [
    ("basis=capacity", "referrals a year per 10,000 children"),
    ("need=prevalence", "services per 10,000 children estimated to experience sexual abuse"),
    ("basis=capacity&need=prevalence&view=health_board",
     "referrals a year per 10,000 children estimated to experience sexual abuse"),
])
def test_an_area_page_reached_from_the_map_gives_its_figures_in_the_maps_units(client, wales_areas, query, unit):
    # A commissioner on the capacity map read Cardiff's access as 16 referrals a year per 10,000
    # children, opened Cardiff and read 0.23 under the same heading: the area page counted 1 per
    # service whatever the map had chosen, and said so only in its notes at the foot.
    ServiceFactory(coverage=[wales_areas[CARDIFF]], capacity_per_year=120)
    ServiceFactory(coverage=[wales_areas[CARDIFF], wales_areas[NEWPORT]])
    on_map = selectors.gaps_layer(layer=Layer(), **{k: v for k, v in parse_qsl(query) if k != "view"}).area(CARDIFF)

    response = client.get(f"{reverse('gaps:area', args=[CARDIFF])}?{query}")

    assert response.status_code == 200
    here = next(s for s in response.context["sections"] if s["layer"].key == "all")["area"]
    assert (here.per_10k, here.normalised) == pytest.approx((on_map.per_10k, on_map.normalised))
    body = response.content.decode()
    assert unit in body[body.index("Children aged 0–17"):body.index("<table")]  # beside the table
    assert unit in dict(response.context["notes"])["Method"]
    # The back link still returns to the map as it was left.
    back = re.search(r'<a href="([^"]*)" class="govuk-back-link', body).group(1)
    assert back == f"/gaps/?{query.replace('&', '&amp;')}"


def test_an_area_page_without_choices_counts_services_per_10000_children(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[CARDIFF]], capacity_per_year=120)
    response = client.get(reverse("gaps:area", args=[CARDIFF]))
    body = response.content.decode()
    assert "services per 10,000 children" in body[body.index("Children aged 0–17"):body.index("<table")]
    here = next(s for s in response.context["sections"] if s["layer"].key == "all")["area"]
    assert here.per_10k == pytest.approx(10_000 / wales_areas[CARDIFF].children_0_17)  # 1, not its capacity of 120


@pytest.mark.parametrize(("query", "column", "arrow"), [
    ("", "Against Wales", "▲"),  # the default: the lowest against Wales first
    ("sort=-wait", "Median", "▼"),  # under "Wait (weeks)"; its link is named in full for a screen reader
    ("sort=name", "Area", "▲"),
])
def test_the_map_tables_sorted_column_shows_which_way_it_is_sorted(client, wales_areas, query, column, arrow):
    # Every heading is bold and a link, and the sorted one was told apart only by aria-sort and a
    # bold weight it already had: a commissioner could not see that the table was in order of
    # "Against Wales", lowest first, nor which way a click had turned it.
    ServiceFactory(coverage=[wales_areas[CARDIFF]], wait_weeks=5)
    body = client.get(f"{reverse('gaps:index')}?{query}").content.decode()
    head = body[body.index('<thead class="govuk-table__head">'):body.index("</thead>")]
    headings = re.findall(r'<th scope="col"[^>]*aria-sort="(\w+)">\s*<a [^>]*>(.*?)</a>', head, re.S)
    shown = {re.sub(r"<[^>]+>", "", label).replace(arrow, "").strip(): (sort, label) for sort, label in headings}
    assert len(shown) == 7
    sort, label = shown[column]
    assert sort == ("ascending" if arrow == "▲" else "descending")
    assert f'<span class="sm-sort-arrow" aria-hidden="true">{arrow}</span>' in label  # seen, not read out twice
    assert [name for name, (_sort, other) in shown.items() if "sm-sort-arrow" in other] == [column]


def test_a_trend_too_small_to_show_is_unsigned_whichever_way_it_went(client, wales_areas):
    # A service covering every local authority but Merthyr Tydfil took it in: every other area's
    # access fell by 0.0003 per 10,000 and read "0.00", but the other way round rose by as much and
    # read "+0.00", a rise the table could not show. The sign follows the figure shown.
    merthyr = "W06000024"
    las = [area for code, area in wales_areas.items() if area.kind == "local_authority"]
    service = ServiceFactory(coverage=las)
    snapshot_take(taken_on=date(2026, 1, 1))
    service.coverage_areas.set([area for area in las if area.code != merthyr])
    ServiceFactory(coverage=[wales_areas[CARDIFF]])  # and a rise that shows, for contrast

    body = client.get(reverse("gaps:trends"), {"layer": "all"}).content.decode()

    rows = dict(re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>'
                           r'(?:\s*<td[^>]*>.*?</td>){4}\s*<td class="govuk-table__cell sm-num">([^<]*)</td>', body, re.S))
    assert rows["Newport"] == "0.00"  # rose by 0.0003
    assert rows["Merthyr Tydfil"].startswith("-")  # lost its only service
    assert rows["Cardiff"].startswith("+") and rows["Cardiff"] != "+0.00"


def test_a_trends_change_is_the_difference_of_the_figures_shown_beside_it(client, wales_areas):
    # One service covering Cardiff, then two: 0.1355 and 0.2709 per 10,000 children, shown as 0.14
    # and 0.27. The change read "+0.14" (0.1355 rounded), which no reader could make of 0.14 and 0.27;
    # the CSV's 0.1355 and 0.2709 likewise said 0.1355.
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    snapshot_take(taken_on=date(2026, 1, 1))
    ServiceFactory(coverage=[wales_areas[CARDIFF]])

    body = client.get(reverse("gaps:trends"), {"layer": "all"}).content.decode()
    cells = re.search(r'<th scope="row" class="govuk-table__header">Cardiff</th>((?:\s*<td[^>]*>[^<]*</td>){5})',
                      body)[1]
    services_then, services_now, then, now, change = re.findall(r"<td[^>]*>([^<]*)</td>", cells)
    assert (then, now, change) == ("0.14", "0.27", "+0.13")

    _notes, rows = _csv_rows(client.get(reverse("gaps:trends_csv"), {"layer": "all"}))
    cardiff = next(row for row in rows if row["area_code"] == CARDIFF)
    assert (cardiff["access_per_10000_then"], cardiff["access_per_10000_now"]) == ("0.1355", "0.2709")
    assert cardiff["change_per_10000"] == "0.1354"


@pytest.mark.parametrize(("path", "words", "jargon"), [
    ("/gaps/", "Access against the Wales level, by local authority.", "Normalised"),
    ("/gaps/?view=health_board", "Access against the Wales level, by health board:", "Normalised"),
    ("/gaps/?view=safeguarding_region", "Access against the Wales level, by regional safeguarding board:", "Normalised"),
    ("/cy/gaps/", "Mynediad o'i gymharu â lefel Cymru, fesul awdurdod lleol.", "normaleiddio"),
    ("/cy/gaps/?view=health_board", "Mynediad o'i gymharu â lefel Cymru, fesul bwrdd iechyd:", "normaleiddio"),
])
def test_the_maps_caption_names_its_figures_as_the_key_and_the_table_do(client, wales_areas, path, words, jargon):
    # Under the map a commissioner read "Normalised access by local authority"; the key beside it
    # says "access against the Wales level", the table's column and the tooltips "Against Wales".
    # Only the method's note, which defines the figure, names its CSV and JSON field, normalised_access.
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    body = client.get(path).content.decode()
    caption = re.search(r'<figcaption class="govuk-body-s" id="map-caption">(.*?)</figcaption>', body, re.S)[1]
    assert caption.replace("&#x27;", "'").startswith(words)
    assert jargon not in body[:body.index('id="about-figures"')]


@pytest.mark.parametrize(("prefix", "named", "old"), [
    ("", "Access against the Wales level (the table's “Against Wales”; normalised_access in the CSV and JSON) "
         "divides each area's access by the Wales level", "Normalised access"),
    ("/cy", "Mae mynediad o'i gymharu â lefel Cymru (“O'i gymharu â Chymru” yn y tabl; normalised_access yn y CSV "
            "a'r JSON) yn rhannu mynediad pob ardal â lefel Cymru", "normaleiddio"),
])
def test_the_method_note_names_the_figure_as_the_map_and_table_do(client, wales_areas, prefix, named, old):
    # The map's key and caption say "access against the Wales level"; the note defining the figure,
    # on the page, atop the CSV and in the API, said "Normalised access", a third name for it.
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    page = client.get(f"{prefix}/gaps/").content.decode().replace("&#x27;", "'")
    header, _rows = _csv_rows(client.get(f"{prefix}/gaps/data.csv"))
    method = next(text for heading, text, *_ in header if heading in ("Method", "Dull"))
    notes = [page[page.index('id="about-figures"'):], method]
    if not prefix:  # the API is in English
        notes.append(client.get("/api/gaps/").json()["notes"]["method"])
    for note in notes:
        assert named in note and old not in note


@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_a_health_boards_code_as_an_area_goes_to_the_maps_health_board_view(client, wales_areas, prefix):
    # Area pages are local authorities': a health board's code said "page not found", a page that
    # suggests a service has closed. The map's regional view has its figures; other choices kept.
    response = client.get(f"{prefix}/gaps/area/W11000024/", {"basis": "capacity"})
    assert response.status_code == 302
    assert response["Location"] == f"{prefix}/gaps/?basis=capacity&view=health_board#gaps-table"
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_wales_code_as_an_area_goes_to_the_map_with_its_choices(client, wales_areas, prefix):
    # The CSV's and the JSON's Wales row has a code as every area's does; as an area it said "page
    # not found" (a page that suggests a service has closed). The map's table ends with Wales's row.
    response = client.get(f"{prefix}/gaps/area/W92000004/", {"layer": "cse", "view": "health_board"})
    assert response.status_code == 302
    assert response["Location"] == f"{prefix}/gaps/?layer=cse&view=health_board#gaps-table"
    assert client.get(response["Location"]).status_code == 200
    assert client.get(f"{prefix}/gaps/area/W92000004/")["Location"] == f"{prefix}/gaps/#gaps-table"


def test_a_safeguarding_boards_code_as_an_area_goes_to_the_maps_safeguarding_board_view(client, wales_areas):
    # The CSVs' code for a safeguarding board is a name ("gwent"), not an ONS code: it said "page not found".
    response = client.get("/gaps/area/gwent/", {"layer": "cse"})
    assert response.status_code == 302
    assert response["Location"] == "/gaps/?layer=cse&view=safeguarding_region#gaps-table"
    assert client.get("/gaps/area/no-such-board/").status_code == 404


def _subnav_links(body: str) -> dict[str, str]:
    nav = body[body.index('class="sm-subnav'):]
    nav = nav[:nav.index("</ul>")]
    return {text: href.replace("&amp;", "&") for href, text in re.findall(r'href="([^"]*)"[^>]*>([^<]+)</a>', nav)}


@pytest.mark.parametrize("page", ["headlines", "unmet", "trends"])
@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_the_gaps_pages_links_keep_the_region_chosen(client, wales_areas, page, prefix):
    # A safeguarding board's analyst chose Gwent on one page; the next page showed all Wales again.
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    body = client.get(f"{prefix}/gaps/{page}/", {"region": "gwent"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    links = list(_subnav_links(body).values())
    assert links == [f"{prefix}/gaps/?view=safeguarding_region", f"{prefix}/gaps/headlines/?region=gwent",
                     f"{prefix}/gaps/unmet/?region=gwent", f"{prefix}/gaps/trends/?region=gwent"]
    for link in links:
        assert client.get(link).status_code == 200
    # Wales (no region) links to the pages as they open.
    assert list(_subnav_links(client.get(f"{prefix}/gaps/{page}/").content.decode()).values()) == [
        f"{prefix}/gaps/", f"{prefix}/gaps/headlines/", f"{prefix}/gaps/unmet/", f"{prefix}/gaps/trends/"]


@pytest.mark.parametrize("path", ["/gaps/", "/gaps/data.csv", "/gaps/headlines/", "/gaps/headlines/data.csv",
                                  "/gaps/area/W06000015/", "/gaps/unmet/", "/gaps/unmet/data.csv", "/gaps/trends/",
                                  "/gaps/trends/data.csv", "/cy/gaps/"])
def test_the_gaps_pages_are_for_reading_a_post_is_the_sites_405(client, wales_areas, path):
    # They answered a form sent to them with the page itself, as if it had taken it.
    response = client.post(path, {"layer": "all"})

    assert response.status_code == 405
    assert "GET" in response["Allow"] and "POST" not in response["Allow"]


@pytest.mark.parametrize(("lang", "all_closed"), [("en", "all closed"), ("cy", "pob un ar gau")])
def test_the_area_page_counts_the_closed_lists_beside_the_median_wait_that_includes_them(
        client, wales_areas, lang, all_closed):
    """The area page gave a median wait, which counts closed lists at their last reported wait, with
    nothing beside it to say how many of those services take no referrals: a commissioner read a
    short median over services that were not taking anyone. The map's and headlines' tables count
    them in a column of their own; so does this one, with its "all closed"."""
    open_list = ServiceFactory(coverage=[wales_areas[CARDIFF]])
    WaitingTimeReportFactory(service=open_list, weeks=10)
    closed_list = ServiceFactory(coverage=[wales_areas[CARDIFF]], abuse_intra_familial=False, abuse_cse=True)
    WaitingTimeReportFactory(service=closed_list, weeks=2, referrals_open=False)
    PausedServiceFactory(coverage=[wales_areas[CARDIFF]], supports_sibling=True)  # no wait reported
    prefix = "/cy" if lang == "cy" else ""
    body = client.get(f"{prefix}/gaps/area/{CARDIFF}/").content.decode()
    table = body[body.index('id="area-against-wales"'):]
    table = unescape(table[:table.index("</table>")])  # "Camfanteisio&#x27;n rhywiol ar blant"
    headings = [_plain(th) for th in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, re.S)]
    with translation.override(lang):
        median, closed = translation.gettext("Median wait (weeks)"), translation.gettext("Closed lists")
        every, cse, siblings = (str(Layer(key).label) for key in ("all", "cse", "sibling"))
    assert headings.index(closed) == headings.index(median) + 1
    # All support: three services, two of them closed (the closed list, the paused service); the
    # median is of the two that reported a wait, the closed list's 2 weeks among them.
    assert _cells(table, every)[4:] == ["6.0", "2"]
    assert _cells(table, cse)[4:] == ["2.0", f"1 {all_closed}"]  # its one service's list is closed
    assert _cells(table, siblings)[4:] == ["–", f"1 {all_closed}"]  # the paused service alone


def test_the_map_answers_which_areas_have_no_support_for_children_in_welsh(client, wales_areas):
    ServiceFactory(name="Gwasanaeth Caerdydd", coverage=[wales_areas[CARDIFF]], welsh_available=True)
    ServiceFactory(name="Newport English only", coverage=[wales_areas[NEWPORT]], welsh_available=False)
    response = client.get(reverse("gaps:index"), {"layer": "welsh"})
    assert response.status_code == 200
    assert not response.context["form"].errors
    no_provision = {a.code for a in response.context["no_provision"]}
    assert NEWPORT in no_provision and CARDIFF not in no_provision and len(no_provision) == 21
    header, rows = _csv_rows(client.get(reverse("gaps:data_csv"), {"layer": "welsh"}))
    assert header[0][1] == "Support for children in Welsh"
    by_code = {r["area_code"]: r for r in rows}
    assert (by_code[CARDIFF]["covering_services"], by_code[CARDIFF]["no_provision"]) == ("1", "no")
    assert (by_code[NEWPORT]["covering_services"], by_code[NEWPORT]["no_provision"]) == ("0", "yes")


def test_a_snapshot_taken_before_the_welsh_layer_shows_no_figure_for_it_not_no_provision(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[CARDIFF]], welsh_available=True)
    snapshot = snapshot_take(taken_on=date(2026, 1, 1))
    # As a snapshot taken before the layer existed: no stored figures for it, its services' answer unknown.
    snapshot.access.filter(layer="welsh").delete()
    snapshot.services.update(welsh_available=None)
    board = next(a for a in wales_areas.values() if a.kind == "health_board" and "Cardiff" in a.name)
    response = client.get(reverse("gaps:trends"), {"layer": "welsh", "region": board.code})
    assert response.status_code == 200
    cardiff = next(r for r in response.context["rows"] if r["code"] == CARDIFF)
    region = next(r for r in response.context["summaries"] if r["code"] == board.code)
    assert cardiff["then"] is None and region["then"] is None and region["then_none"] is None
    assert region["now"] > 0


@pytest.mark.parametrize("lang", ["", "/cy"])
def test_the_csv_names_the_web_page_its_figures_and_method_are_on_so_it_can_be_cited(client, wales_areas, settings,
                                                                                      lang):
    settings.SITE_URL = "https://servicemap.example/"
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    response = client.get(f"{lang}/gaps/data.csv", {"layer": "intra_familial", "age": "under_11", "view": "health_board"})
    header, _rows = _csv_rows(response)
    page = {row[0]: row[1] for row in header if len(row) > 1}[_heading("Web page", lang)]
    path, _sep, query = page.partition("?")
    assert path == f"https://servicemap.example{lang}/gaps/"
    assert dict(parse_qsl(query))["layer"] == "intra_familial"
    assert dict(parse_qsl(query))["age"] == "under_11" and dict(parse_qsl(query))["view"] == "health_board"
    assert client.get(page.removeprefix("https://servicemap.example")).status_code == 200


def _heading(text: str, lang: str) -> str:
    with translation.override("cy" if lang else "en"):
        return translation.gettext(text)


def _translated(text, lang: str) -> str:
    with translation.override("cy" if lang else "en"):
        return str(text)


@pytest.mark.parametrize("lang", ["", "/cy"])
@pytest.mark.parametrize(("page", "table", "hints"), [
    ("/gaps/", 'id="gaps-table"', ["covering", "wales_row"]),
    ("/gaps/headlines/", 'id="headlines-waits"', ["covering", "wales_row"]),
    ("/gaps/trends/", 'id="trends-caption"', ["wales_row"]),
    (f"/gaps/area/{CARDIFF}/", 'id="area-against-wales"', ["covering"]),
])
def test_each_table_says_what_covering_services_and_the_wales_row_are_under_it(client, wales_areas, lang, page, table,
                                                                               hints):
    """Where a commissioner meets "Covering services" and Wales's row (its median wait above most areas'),
    not only in the notes at the foot; with a link to the method note, which the page has."""
    ServiceFactory(coverage=[wales_areas[CARDIFF]], wait_weeks=3)
    snapshot_take(taken_on=date(2025, 7, 1))
    body = unescape(client.get(f"{lang}{page}").content.decode())
    after_table = body.index(table)
    notes_start = body.index('id="about-figures"')
    for key in hints:
        said = body.find(_translated(notes.HINTS[key], lang))
        assert after_table < said < notes_start, key
    assert '<a class="govuk-link" href="#figures-method">' in body[after_table:notes_start]
    assert 'id="figures-method"' in body[notes_start:]


@pytest.mark.parametrize("lang", ["", "/cy"])
def test_the_method_note_says_how_the_wales_row_differs_from_the_areas(client, wales_areas, lang):
    ServiceFactory(coverage=[wales_areas[CARDIFF]], wait_weeks=3)
    header, _rows = _csv_rows(client.get(f"{lang}/gaps/data.csv"))
    method = {row[0]: row[1] for row in header if len(row) > 1}[_heading("Method", lang)]
    assert _translated(notes.WALES_ROW, lang) in method
