"""The commissioner pages and downloads."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from django.urls import reverse

from directory.models import WALES_CODE
from gaps.services import record_unmet_search, snapshot_take
from tests.factories import ClosedServiceFactory, PausedServiceFactory, ServiceFactory

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


@pytest.mark.parametrize("view", ["local_authority", "health_board"])
def test_the_gaps_page_answers_before_the_reference_data_is_loaded(client, view):
    """With no areas (load_reference_data not yet run, or a restore not finished) the map's
    tooltip asked folium for fields no area had, and the page was a 500."""
    response = client.get(reverse("gaps:index"), {"view": view})
    assert response.status_code == 200
    assert response.context["no_provision"] == []


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


def test_the_area_page_names_services_in_the_page_language_whoever_asked_first(client, wales_areas):
    # The analysis rows are cached per directory version for every language alike.
    ServiceFactory(name="Family support", name_cy="Cymorth i deuluoedd", coverage=[wales_areas[CARDIFF]])
    english = client.get(reverse("gaps:area", args=[CARDIFF])).content.decode()
    welsh = client.get("/cy" + reverse("gaps:area", args=[CARDIFF])).content.decode()
    assert "Family support" in english and "Cymorth i deuluoedd" not in english
    assert "Cymorth i deuluoedd" in welsh


def test_an_unknown_area_is_404(client, wales_areas):
    assert client.get(reverse("gaps:area", args=["W06999999"])).status_code == 404
    assert client.get(reverse("gaps:area", args=["W11000029"])).status_code == 404  # a board, not an LA


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


def test_the_unmet_page_picks_months(client, wales_areas):
    _unmet(6, month=date(2025, 1, 1))
    _unmet(8, month=date(2026, 2, 1))
    default = client.get(reverse("gaps:unmet")).context
    assert default["months"] == [date(2026, 2, 1)]  # the latest 12 months
    both = client.get(reverse("gaps:unmet"), {"start": "2025-01", "end": "2026-02"}).context
    assert both["months"] == [date(2025, 1, 1), date(2026, 2, 1)]
    assert both["report"].breakdowns[0].table.total.text == "14"
    bad = client.get(reverse("gaps:unmet"), {"start": "yesterday"})
    assert bad.status_code == 200


def test_the_unmet_page_has_an_empty_state(client, wales_areas):
    response = client.get(reverse("gaps:unmet"))
    assert response.status_code == 200
    assert "No searches without a covering service have been counted" in response.content.decode()


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
    assert f"{named}: Select a valid choice." in text


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


def test_the_unmet_csv_refuses_a_month_it_does_not_hold_and_the_page_links_the_months_shown(client, wales_areas):
    _unmet(6, month=date(2026, 2, 1))
    response = client.get(reverse("gaps:unmet_csv"), {"start": "9999-99"})
    assert response.status_code == 400
    assert "From: Select a valid choice." in response.content.decode()
    page = client.get(reverse("gaps:unmet"), {"start": "9999-99"})
    assert "start=2026-02&amp;end=2026-02" in page.content.decode()
    assert client.get(reverse("gaps:unmet_csv"), {"start": "2026-02", "end": "2026-02"}).status_code == 200


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
    assert "Snapshots taken on 1 June 2026 and 1 September 2026." in period
    assert "Directory as it stood" not in period


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
    assert 'href="#id_sort"' not in summary and "Sort by: Select a valid choice" in summary
    assert 'href="#id_basis"' in summary and 'id="id_basis"' in body
    details = body[body.index('<details class="govuk-details"'):]
    assert details.startswith('<details class="govuk-details" open>')


def test_the_unmet_csv_has_the_pages_rate_column_and_explains_c(client, wales_areas):
    _unmet(12)
    text = client.get(reverse("gaps:unmet_csv")).content.decode()
    header, _blank, table = text.partition("\r\n\r\n")
    assert ["[c]", "Hidden cells show [c]."] in list(csv.reader(io.StringIO(header)))
    rows = list(csv.DictReader(io.StringIO(table)))
    page = client.get(reverse("gaps:unmet")).context["report"].breakdowns[0]
    cardiff = next(r for r in rows if r["breakdown"] == "lad_code" and r["code"] == CARDIFF)
    assert cardiff["per_10000_children"] == next(r for r in page.rows if r.code == CARDIFF).rate.text != ""
