"""The gaps pages on the fictional sample directory: its deliberate gaps must show as gaps.

The sample is loaded once for the module (tests/conftest.py, `sample_directory`).
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from directory.models import WALES_CODE
from directory.sample_directory import NO_INTRA_FAMILIAL, NO_PARENT_SUPPORT

pytestmark = pytest.mark.django_db


def _csv_rows(response) -> tuple[list[list[str]], list[dict[str, str]]]:
    text = response.content.decode("utf-8-sig")
    header, _blank, table = text.partition("\r\n\r\n")
    return list(csv.reader(io.StringIO(header))), list(csv.DictReader(io.StringIO(table)))


def test_the_map_page_shows_the_deliberate_intra_familial_gaps_of_the_sample(client, sample_directory):
    response = client.get(reverse("gaps:index"), {"layer": "intra_familial"})
    assert response.status_code == 200
    body = response.content.decode()
    no_provision = {a.code for a in response.context["no_provision"]}
    assert no_provision == NO_INTRA_FAMILIAL
    assert "No provision in 3 areas: Blaenau Gwent, Merthyr Tydfil, Monmouthshire." in " ".join(
        re.sub(r"<[^>]+>", "", body).split())
    assert "Sample data" in body
    for heading in ("Source", "Period", "Method", "Limits"):
        assert f">{heading}</dt>" in body


def test_the_family_layers_show_the_deliberate_parent_support_gaps(client, sample_directory):
    response = client.get(reverse("gaps:index"), {"layer": "parent_carer"})
    assert {a.code for a in response.context["no_provision"]} == NO_PARENT_SUPPORT


def test_the_map_is_offline_with_a_legend_and_a_table(client, sample_directory):
    body = client.get(reverse("gaps:index"), {"layer": "intra_familial"}).content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in body
    assert "cdn.jsdelivr" not in body and "openstreetmap" not in body.lower()
    assert "user-scalable=no" not in body
    assert 'id="sm-no-provision"' in body  # the hatch the map and legend use
    assert "url(#sm-no-provision)" in body
    assert 'class="sm-legend' in body
    assert body.count('<tr class="govuk-table__row">') >= 23  # header + 22 areas (+ Wales)


def test_the_table_sorts_by_a_column_either_way(client, sample_directory):
    ascending = client.get(reverse("gaps:index"), {"layer": "all", "sort": "name"}).context["rows"]
    descending = client.get(reverse("gaps:index"), {"layer": "all", "sort": "-name"}).context["rows"]
    names = [row.name for row, _bin in ascending]
    assert names == sorted(names)
    assert [row.name for row, _bin in descending] == names[::-1]
    by_access = client.get(reverse("gaps:index"), {"layer": "intra_familial"}).context["rows"]
    assert by_access[0][0].no_provision  # default: lowest normalised access first


def test_regional_views_are_demand_weighted_means(client, sample_directory):
    response = client.get(reverse("gaps:index"), {"layer": "all", "view": "health_board"})
    rows = [row for row, _bin in response.context["rows"]]
    assert len(rows) == 7
    las = {a.code: a for a in response.context["result"].areas}
    cardiff_vale = next(r for r in rows if r.code == "W11000029")
    expected = (las["W06000015"].demand * las["W06000015"].access + las["W06000014"].demand * las["W06000014"].access)
    assert cardiff_vale.access == pytest.approx(expected / (las["W06000015"].demand + las["W06000014"].demand))
    assert len(client.get(reverse("gaps:index"), {"view": "safeguarding_region"}).context["rows"]) == 6


@pytest.mark.parametrize(
    "params",
    [{"layer": "everything"}, {"age": "teens"}, {"view": "country"}, {"basis": "money"}, {"need": "x"},
     {"sort": "drop table"}],
)
def test_bad_choices_show_an_error_and_the_defaults_never_a_500(client, sample_directory, params):
    response = client.get(reverse("gaps:index"), params)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert response.context["result"].layer.key in {"all", "cse"}


def test_the_csv_states_source_period_method_and_limits_then_the_table(client, sample_directory):
    response = client.get(reverse("gaps:data_csv"), {"layer": "intra_familial"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, rows = _csv_rows(response)
    # Then what each column holds (tests/gaps/test_csv_downloads.py).
    assert [r[0] for r in header][:7] == ["Layer", "Source", "Period", "Method", "Limits", "Web page", "Columns"]
    assert "Census 2021" in header[1][1]
    assert len(rows) == 23
    by_code = {r["area_code"]: r for r in rows}
    assert {c for c, r in by_code.items() if r["no_provision"] == "yes"} == NO_INTRA_FAMILIAL
    assert by_code[WALES_CODE]["normalised_access"] == "1.0000"


def test_the_csv_follows_the_regional_view(client, sample_directory):
    _header, rows = _csv_rows(client.get(reverse("gaps:data_csv"), {"view": "safeguarding_region"}))
    assert len(rows) == 7  # 6 boards and Wales


def test_the_headlines_page_lists_the_sample_gaps(client, sample_directory):
    response = client.get(reverse("gaps:headlines"))
    assert response.status_code == 200
    assert {a.code for a in response.context["intra_none"]} == NO_INTRA_FAMILIAL
    assert {a.code for a in response.context["parents_none"]} == NO_PARENT_SUPPORT
    ratios = response.context["ratios"]
    assert {r.area.code for r in ratios[:3]} == NO_INTRA_FAMILIAL
    assert all(0 <= r.ratio <= 1 for r in ratios if r.ratio is not None)



@pytest.mark.parametrize("view", ["health_board", "safeguarding_region"])
def test_regional_views_still_name_the_local_authorities_with_no_provision(client, sample_directory, view):
    response = client.get(reverse("gaps:index"), {"layer": "intra_familial", "view": view})
    body = " ".join(response.content.decode().split())
    assert {a.code for a in response.context["no_provision"]} == NO_INTRA_FAMILIAL
    assert "Every area has at least one service" not in body
    assert "No provision in 3 local authorities" in body
    for name in ("Blaenau Gwent", "Merthyr Tydfil", "Monmouthshire"):
        assert f">{name}</a>" in body
    named = {la.code for _region, members in response.context["no_provision_by_region"] for la in members}
    assert named == NO_INTRA_FAMILIAL


def test_a_regional_csv_names_the_local_authorities_with_none_on_their_regions_row(client, sample_directory):
    """As the page lists them under their region: a region's figures would hide them."""
    from directory.models import Area

    names = dict(Area.objects.filter(code__in=NO_INTRA_FAMILIAL).values_list("code", "name"))
    _header, rows = _csv_rows(client.get(reverse("gaps:data_csv"), {"layer": "intra_familial",
                                                                    "view": "safeguarding_region"}))
    listed = {row["area_code"]: row["local_authorities_with_no_provision"] for row in rows}
    named = [part for text in listed.values() for part in text.split("; ") if part]
    wales = listed.pop(WALES_CODE)
    assert sorted(wales.split("; ")) == sorted(f"{names[code]} ({code})" for code in NO_INTRA_FAMILIAL)
    assert sorted(named) == sorted(wales.split("; ") * 2)  # each once on its region's row, and on Wales's
    assert sum(bool(text) for text in listed.values()) >= 1
