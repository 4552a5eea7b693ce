"""The headlines and trends pages for one region: a safeguarding board's or a health board's local
authorities, the region as a whole, and Wales to compare."""

from __future__ import annotations

import csv
import html
import io
import re
import statistics
from datetime import date

import pytest
from django.urls import reverse

from directory.models import WALES_CODE, Area
from gaps import layers, selectors
from gaps.forms import REGION_UNKNOWN
from gaps.models import SnapshotAccess
from gaps.services import snapshot_take
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

CONWY, GWYNEDD, CARDIFF, POWYS = "W06000003", "W06000002", "W06000015", "W06000023"
NORTH_WALES = "north-wales"
POWYS_HEALTH_BOARD = "W11000024"


def _children() -> dict[str, int]:
    return dict(Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY, children_0_17__gt=0)
                .values_list("code", "children_0_17"))


def _members(region: str) -> list[str]:
    return sorted(Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY, parents__code=region).values_list("code", flat=True))


def _mean(access: dict[str, float], region: str) -> float:
    """Σ P·A / Σ P over the region's local authorities, from the reference numbers of children."""
    children = _children()
    members = _members(region)
    return sum(children[c] * access.get(c, 0.0) for c in members) / sum(children[c] for c in members)


@pytest.fixture
def directory(wales_areas):
    """Conwy only (4 weeks); Conwy and Gwynedd, with parents (10 weeks); all Wales, not intra-familial
    (20 weeks); Cardiff only, outside North Wales (2 weeks)."""
    ServiceFactory(name="Conwy only", coverage=[wales_areas[CONWY]], wait_weeks=4)
    ServiceFactory(name="Conwy and Gwynedd", coverage=[wales_areas[CONWY], wales_areas[GWYNEDD]], wait_weeks=10,
                   supports_parent_carer=True)
    ServiceFactory(name="All Wales", coverage=[wales_areas[WALES_CODE]], wait_weeks=20,
                   abuse_intra_familial=False, abuse_cse=True)
    ServiceFactory(name="Cardiff only", coverage=[wales_areas[CARDIFF]], wait_weeks=2)
    return wales_areas


def test_a_regions_headlines_are_its_local_authorities_and_their_demand_weighted_mean(client, directory):
    children = _children()
    total = sum(children.values())
    conwy_only, conwy_gwynedd, all_wales = 1 / children[CONWY], 1 / (children[CONWY] + children[GWYNEDD]), 1 / total
    every = {code: all_wales for code in children} | {CONWY: conwy_only + conwy_gwynedd + all_wales,
                                                     GWYNEDD: conwy_gwynedd + all_wales}
    intra = {CONWY: conwy_only + conwy_gwynedd, GWYNEDD: conwy_gwynedd}
    parents_level = 1 / total  # one service for parents in Wales

    response = client.get(reverse("gaps:headlines"), {"region": NORTH_WALES})

    assert response.status_code == 200
    assert sorted(r.area.code for r in response.context["ratios"]) == _members(NORTH_WALES)
    assert sorted(a.code for a in response.context["waits"]) == _members(NORTH_WALES)
    region, wales = response.context["ratio_summaries"]
    assert (region.area.code, wales.area.code) == (NORTH_WALES, WALES_CODE)
    assert region.area.per_10k == pytest.approx(_mean(intra, NORTH_WALES) * 10_000)
    assert region.all_per_10k == pytest.approx(_mean(every, NORTH_WALES) * 10_000)
    assert region.ratio == pytest.approx(_mean(intra, NORTH_WALES) / _mean(every, NORTH_WALES))
    assert region.area.n_services == 2  # Conwy only, Conwy and Gwynedd
    family = response.context["family_summaries"][0]
    assert family["parents"].n_services == 1
    assert family["parents"].normalised == pytest.approx(
        _mean({CONWY: conwy_gwynedd, GWYNEDD: conwy_gwynedd}, NORTH_WALES) / parents_level)
    waits = response.context["wait_summaries"][0]
    assert (waits.code, waits.n_services) == (NORTH_WALES, 3)
    assert waits.median_wait == statistics.median([4, 10, 20])
    assert waits.longest_wait == 20
    # Cardiff's service is in Wales's row, not the region's.
    assert response.context["wait_summaries"][1].n_services == 4


def test_a_region_of_one_local_authority_has_that_local_authoritys_figures(client, directory, wales_areas):
    ServiceFactory(name="Powys", coverage=[wales_areas[POWYS]], wait_weeks=6)
    response = client.get(reverse("gaps:headlines"), {"region": POWYS_HEALTH_BOARD})
    [powys] = response.context["waits"]
    board = response.context["wait_summaries"][0]
    assert board.code == POWYS_HEALTH_BOARD
    assert (board.per_10k, board.n_services, board.median_wait) == (powys.per_10k, powys.n_services, powys.median_wait)
    assert "covers 1 local authority: Powys." in response.content.decode()


def test_the_headlines_page_names_the_region_in_its_title_heading_and_notes(client, directory):
    body = client.get(reverse("gaps:headlines"), {"region": NORTH_WALES}).content.decode()
    assert re.search(r"<title>[^<]*North Wales Safeguarding Board", body)
    assert '<span class="govuk-caption-xl">North Wales Safeguarding Board</span>' in body
    assert "North Wales Safeguarding Board covers 6 local authorities: Conwy, Denbighshire" in body
    assert '<option value="north-wales" selected>' in body
    welsh = client.get("/cy" + reverse("gaps:headlines"), {"region": NORTH_WALES}).content.decode()
    assert '<span class="govuk-caption-xl">Bwrdd Diogelu Gogledd Cymru</span>' in welsh


def test_the_region_list_is_a_labelled_get_choice_grouped_by_kind(client, directory):
    body = client.get(reverse("gaps:headlines")).content.decode()
    form = body[body.index('<form method="get" action="/gaps/headlines/"'):]
    form = form[:form.index("</form>")]
    assert '<label class="govuk-label" for="id_region">Figures for</label>' in form
    assert '<option value="" selected>Wales</option>' in form
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', form, re.S)
    assert [label for label, _options in groups] == ["Regional safeguarding boards", "Health boards"]
    assert len(re.findall("<option", groups[0][1])) == 6
    assert len(re.findall("<option", groups[1][1])) == 7


# A region holding a control character goes to the same page without it (tests/gaps/test_views.py).
@pytest.mark.parametrize("value", ["nowhere", WALES_CODE, CARDIFF, "north-wales'--"])
def test_a_region_not_in_the_list_says_so_and_shows_wales(client, directory, value):
    response = client.get(reverse("gaps:headlines"), {"region": value})
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert str(REGION_UNKNOWN) in body
    assert response.context["region"] is None
    assert len(response.context["ratios"]) == 22
    trends = client.get(reverse("gaps:trends"), {"region": value})
    assert trends.status_code == 200 and trends.context["region"] is None


def test_service_counts_are_not_suppressed_in_a_region_as_in_wales(client, directory):
    """§5 suppresses counts of children; these pages show none. Counts of services, however small,
    show as they are, in a region's rows as in Wales's (a "<5" would hide provision, not a child)."""
    response = client.get(reverse("gaps:headlines"), {"region": NORTH_WALES})
    region = response.context["ratio_summaries"][0]
    assert region.area.n_services == 2
    body = response.content.decode()
    footer = body[body.index("<tfoot>"):body.index("</tfoot>")]
    assert re.search(r'<th scope="row" class="govuk-table__header">North Wales Safeguarding Board</th>\s*'
                     r'<td class="govuk-table__cell sm-num">2</td>', footer)
    assert "&lt;5" not in body


def test_a_snapshot_recomputed_gives_the_figures_it_stored(directory):
    snapshot = snapshot_take(taken_on=date(2026, 1, 1))
    for layer in (layers.Layer(), layers.Layer("intra_familial"), layers.Layer("parent_carer", "under_5")):
        result = selectors.snapshot_layer(snapshot=snapshot, layer=layer)
        stored = {row.area_code: row for row in SnapshotAccess.objects.filter(snapshot=snapshot, layer=layer.key)}
        for area in result.areas:
            row = stored[area.code]
            assert (area.access, area.n_services, area.median_wait) == (row.access, row.n_services, row.median_wait)


def test_a_regions_trend_compares_its_mean_then_and_now(client, wales_areas):
    children = _children()
    total = sum(children.values())
    ServiceFactory(coverage=[wales_areas[CONWY]], wait_weeks=4)
    ServiceFactory(coverage=[wales_areas[WALES_CODE]], wait_weeks=20)
    snapshot_take(taken_on=date(2026, 1, 1))
    ServiceFactory(coverage=[wales_areas[GWYNEDD]], wait_weeks=8)
    then = {code: 1 / total for code in children} | {CONWY: 1 / children[CONWY] + 1 / total}
    now = then | {GWYNEDD: 1 / children[GWYNEDD] + 1 / total}

    response = client.get(reverse("gaps:trends"), {"region": NORTH_WALES})

    assert sorted(r["code"] for r in response.context["rows"]) == _members(NORTH_WALES)
    region, wales = response.context["summaries"]
    assert (region["code"], wales["code"]) == (NORTH_WALES, WALES_CODE)
    assert region["then"] == pytest.approx(_mean(then, NORTH_WALES) * 10_000)
    assert region["now"] == pytest.approx(_mean(now, NORTH_WALES) * 10_000)
    assert (region["then_services"], region["now_services"]) == (2, 3)
    assert (region["then_wait"], region["now_wait"]) == (statistics.median([4, 20]), statistics.median([4, 8, 20]))
    body = response.content.decode()
    assert "North Wales Safeguarding Board. All CSA support for children: 1 January 2026 against now" in body

    snapshot_take(taken_on=date(2026, 4, 1))
    between = client.get(reverse("gaps:trends"), {"region": NORTH_WALES, "then": "2026-01-01", "now": "2026-04-01"})
    region = between.context["summaries"][0]
    assert region["now"] == pytest.approx(_mean(now, NORTH_WALES) * 10_000)
    assert (region["then_services"], region["now_services"]) == (2, 3)


def test_a_regions_trend_reads_a_fixed_number_of_queries(client, wales_areas, django_assert_max_num_queries):
    for code in (CONWY, GWYNEDD, CARDIFF):
        ServiceFactory.create_batch(4, coverage=[wales_areas[code]], wait_weeks=3)
    snapshot_take(taken_on=date(2026, 1, 1))
    snapshot_take(taken_on=date(2026, 4, 1))
    with django_assert_max_num_queries(20):
        response = client.get(reverse("gaps:trends"), {"region": NORTH_WALES, "then": "2026-01-01", "now": "2026-04-01"})
    assert response.context["summaries"][0]["now_services"] == 8


def _csv(response) -> tuple[dict[str, str], list[dict[str, str]]]:
    text = response.content.decode("utf-8-sig")
    header, _blank, table = text.partition("\r\n\r\n")
    return dict(row[:2] for row in csv.reader(io.StringIO(header))), list(csv.DictReader(io.StringIO(table)))


def test_the_trends_csv_is_the_regions_table_and_names_the_region(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[CONWY]], wait_weeks=4)
    snapshot_take(taken_on=date(2026, 1, 1))
    ServiceFactory(coverage=[wales_areas[GWYNEDD]], wait_weeks=8)
    page = client.get(reverse("gaps:trends"), {"region": NORTH_WALES})
    link = re.search(r'href="(/gaps/trends/data\.csv\?[^"]+)"', page.content.decode()).group(1).replace("&amp;", "&")
    assert "region=north-wales" in link and "then=2026-01-01" in link

    response = client.get(link)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="servicemap-trends-all-north-wales-2026-01-01-now.csv"'
    notes, rows = _csv(response)
    assert notes["Figures for"] == "North Wales Safeguarding Board"
    assert notes["Area"].startswith("North Wales Safeguarding Board covers 6 local authorities")
    assert {"Source", "Period", "Method", "Limits"} <= notes.keys()
    assert [r["area_code"] for r in rows] == [r["code"] for r in page.context["rows"]] + [NORTH_WALES, WALES_CODE]
    region = next(r for r in rows if r["area_code"] == NORTH_WALES)
    shown = page.context["summaries"][0]
    assert (region["area_kind"], region["services_then"], region["services_now"]) == ("safeguarding_region", "1", "2")
    assert float(region["access_per_10000_then"]) == pytest.approx(shown["then"], abs=5e-5)
    assert float(region["access_per_10000_now"]) == pytest.approx(shown["now"], abs=5e-5)
    assert region["median_wait_weeks_now"] == "6.0"
    welsh_notes, _rows = _csv(client.get("/cy" + link))
    assert welsh_notes["Ffigurau ar gyfer"] == "Bwrdd Diogelu Gogledd Cymru"


def test_the_trends_csv_refuses_a_region_not_in_the_list_and_says_why(client, wales_areas):
    snapshot_take(taken_on=date(2026, 1, 1))
    response = client.get(reverse("gaps:trends_csv"), {"region": "nowhere"})
    assert response.status_code == 400
    assert f"Figures for: {REGION_UNKNOWN}" in response.content.decode()


def test_the_trends_csv_with_no_snapshot_says_there_is_nothing_to_compare(client, wales_areas):
    response = client.get(reverse("gaps:trends_csv"))
    assert response.status_code == 404
    assert "No snapshots have been taken yet" in response.content.decode()


def test_the_headlines_csv_is_the_regions_figures_and_names_the_region(client, directory):
    children = _children()
    conwy_only, conwy_gwynedd, all_wales = 1 / children[CONWY], 1 / (children[CONWY] + children[GWYNEDD]), 1 / sum(
        children.values())
    every = {code: all_wales for code in children} | {CONWY: conwy_only + conwy_gwynedd + all_wales,
                                                     GWYNEDD: conwy_gwynedd + all_wales}
    intra = {CONWY: conwy_only + conwy_gwynedd, GWYNEDD: conwy_gwynedd}
    page = client.get(reverse("gaps:headlines"), {"region": NORTH_WALES}).content.decode()
    link = re.search(r'href="(/gaps/headlines/data\.csv[^"]*)"', page).group(1)
    assert link == "/gaps/headlines/data.csv?region=north-wales"

    response = client.get(link)

    as_of = selectors.directory_as_of().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="servicemap-headlines-north-wales-{as_of}.csv"'
    notes, rows = _csv(response)
    assert notes["Figures for"] == "North Wales Safeguarding Board"
    assert {"Area", "Source", "Period", "Method", "Limits"} <= notes.keys()
    assert [r["area_code"] for r in rows][:-2] == [
        c for c in sorted(_members(NORTH_WALES), key=lambda c: Area.objects.get(code=c).name)]
    region = rows[-2]
    assert (region["area_code"], region["area_kind"], rows[-1]["area_code"]) == (NORTH_WALES, "safeguarding_region",
                                                                              WALES_CODE)
    assert float(region["all_support_per_10000"]) == pytest.approx(_mean(every, NORTH_WALES) * 10_000, abs=5e-5)
    assert float(region["intra_familial_per_10000"]) == pytest.approx(_mean(intra, NORTH_WALES) * 10_000, abs=5e-5)
    assert (region["intra_familial_services"], region["parent_carer_services"], region["covering_services"]) == (
        "2", "1", "3")
    assert (region["median_wait_weeks"], region["longest_wait_weeks"]) == ("10.0", "20")
    conwy = next(r for r in rows if r["area_code"] == CONWY)
    assert float(conwy["intra_familial_over_all"]) == pytest.approx(intra[CONWY] / every[CONWY], abs=5e-5)
    assert client.get(reverse("gaps:headlines_csv"), {"region": "nowhere"}).status_code == 400
    wales_rows = _csv(client.get(reverse("gaps:headlines_csv")))[1]
    assert len(wales_rows) == 23 and wales_rows[-1]["area_code"] == WALES_CODE


def test_trends_notes_count_the_services_of_the_dates_compared_not_todays(client, wales_areas):
    """Comparing two snapshots, the method note said "(N services counted)" with today's N: a
    figure from neither date."""
    ServiceFactory(coverage=[wales_areas[CONWY]], wait_weeks=4)
    snapshot_take(taken_on=date(2026, 1, 1))
    ServiceFactory.create_batch(2, coverage=[wales_areas[GWYNEDD]], wait_weeks=8)
    snapshot_take(taken_on=date(2026, 4, 1))
    ServiceFactory.create_batch(4, coverage=[wales_areas[CARDIFF]], wait_weeks=2)  # 7 today

    response = client.get(reverse("gaps:trends"), {"then": "2026-01-01", "now": "2026-04-01"})

    method = dict(response.context["notes"])["Method"]
    assert "(3 services counted)" in method and "The snapshot dated 1 January 2026 counted 1 service." in method
    assert "7 services" not in method
    against_now = dict(client.get(reverse("gaps:trends"), {"then": "2026-01-01"}).context["notes"])["Method"]
    assert "(7 services counted)" in against_now and "dated 1 January 2026 counted 1 service" in against_now


def test_headline_tables_link_each_local_authority_to_its_page_and_not_the_rows_under_them(client, directory):
    page = client.get(reverse("gaps:headlines"), {"region": NORTH_WALES}).content.decode()

    tables = re.findall(r"<tbody[^>]*>(.*?)</tbody>\s*<tfoot>(.*?)</tfoot>", page, re.S)
    assert len(tables) == 4  # intra-familial against all, family support, support in Welsh, waits
    for body, foot in tables:
        linked = re.findall(r'href="/gaps/area/(W\d+)/\?from=headlines&amp;region=north-wales"', body)
        assert sorted(set(linked)) == _members(NORTH_WALES)
        assert "href=" not in foot and "North Wales Safeguarding Board" in foot and "Wales" in foot


def _page_cells(page: str) -> dict[str, list[str]]:
    """Each row of the trends table (local authorities and the rows under them): its area's name → its cells."""
    rows = re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>(.*?)</tr>', page, re.S)
    return {html.unescape(name): re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S) for name, cells in rows}


@pytest.mark.parametrize("query", [{"region": NORTH_WALES}, {}])
def test_the_trends_csv_says_no_provision_wherever_the_page_does(client, wales_areas, query):
    """The page shows "No provision" for an area no service reached on a date; the CSV's access of
    0.0000 could not say so (a region's mean rounds to it too), nor "–" where a date has no figure."""
    ServiceFactory(coverage=[wales_areas[CARDIFF]], wait_weeks=4)
    snapshot = snapshot_take(taken_on=date(2026, 1, 1))
    ServiceFactory(coverage=[wales_areas[CONWY]], wait_weeks=8)  # North Wales had none on 1 January
    SnapshotAccess.objects.filter(snapshot=snapshot, area_code=GWYNEDD).delete()  # no figure then

    page = client.get(reverse("gaps:trends"), query).content.decode()
    notes, rows = _csv(client.get(reverse("gaps:trends_csv"), query))

    cells = _page_cells(page)
    by_code = {r["area_code"]: r for r in rows}
    expected = {CONWY: ("yes", "no"), GWYNEDD: ("", "yes"), WALES_CODE: ("no", "no")}
    expected |= {NORTH_WALES: ("yes", "no")} if query else {CARDIFF: ("no", "no"), POWYS: ("yes", "yes")}
    for code, (then, now) in expected.items():
        assert (by_code[code]["no_provision_then"], by_code[code]["no_provision_now"]) == (then, now), code
    for row in rows:
        shown = cells[row["area_name"]][2:4]  # access per 10,000 then and now
        for text, said in zip(shown, (row["no_provision_then"], row["no_provision_now"]), strict=True):
            assert ("No provision" in text, text == "–") == (said == "yes", said == ""), (row["area_name"], text)
    assert len(rows) == len(cells)
    assert {"Layer", "Figures for", "Compared", "Source", "Period", "Method", "Limits"} <= notes.keys()
