"""The gaps pages in Welsh: dates, the order of areas and the downloads in the page's language."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import time_machine

from gaps.services import record_unmet_search, snapshot_take
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

CARDIFF = "W06000015"


@time_machine.travel(date(2026, 10, 1), tick=False)  # after the quarter counted
def test_welsh_pages_name_the_months_in_welsh_in_one_date_style(client, wales_areas):
    record_unmet_search(month=date(2026, 6, 1), lad_code=CARDIFF, abuse_forms=["intra_familial"], age=8,
                        excluded_by="none", reason="no_service")
    body = client.get("/cy/gaps/unmet/").content.decode()
    assert "Mehefin 2026" in body and "June" not in body
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    snapshot_take(taken_on=date(2026, 6, 1))
    snapshot_take(taken_on=date(2026, 9, 1))
    welsh = client.get("/cy/gaps/trends/", {"then": "2026-06-01", "now": "2026-09-01"})
    text = welsh.content.decode()
    assert ">1 Mehefin 2026</option>" in text and "1 Medi 2026" in text
    assert "June" not in text and "September" not in text
    english = client.get("/gaps/trends/", {"then": "2026-06-01", "now": "2026-09-01"}).content.decode()
    assert ">1 June 2026</option>" in english and "01 June" not in english


def test_welsh_pages_sort_areas_by_their_welsh_names(client, wales_areas):
    rows = client.get("/cy/gaps/", {"sort": "name"}).context["rows"]
    shown = [row.name_cy or row.name for row, _bin in rows]
    assert shown == sorted(shown, key=str.casefold)
    none = [a.name_cy or a.name for a in client.get("/cy/gaps/").context["no_provision"]]
    assert none == sorted(none, key=str.casefold)


def test_the_welsh_csv_heads_its_rows_in_welsh(client, wales_areas):
    text = client.get("/cy/gaps/data.csv").content.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text)))[0] == "Haen"


def test_the_welsh_csv_names_the_local_authorities_with_no_provision_in_welsh(client, wales_areas):
    # The list on a region's (and Wales's) row was in English in the Welsh file ("Merthyr Tydfil"
    # beside "Merthyr Tudful" in the name columns), though ordered by the Welsh names.
    ServiceFactory(coverage=[wales_areas[CARDIFF]])

    def listed(prefix: str) -> list[str]:
        text = client.get(f"{prefix}/gaps/data.csv", {"view": "safeguarding_region"}).content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text.split("\r\n\r\n", 1)[1])))
        return next(row for row in rows if row["area_kind"] == "nation")["local_authorities_with_no_provision"].split("; ")

    welsh, english = listed("/cy"), listed("")
    assert "Merthyr Tudful (W06000024)" in welsh and "Ynys Môn (W06000001)" in welsh
    assert "Merthyr Tydfil (W06000024)" not in welsh
    assert welsh == sorted(welsh, key=str.casefold)
    assert "Merthyr Tydfil (W06000024)" in english and "Isle of Anglesey (W06000001)" in english
    assert "Caerdydd (W06000015)" not in welsh  # the one area with provision


def test_the_welsh_headlines_list_the_areas_with_no_intra_familial_provision_by_their_welsh_names(client, wales_areas):
    # Every area with none has a share of 0, and equal shares were ordered by the English name:
    # Bridgend, Cardiff, Swansea read "Pen-y-bont ar Ogwr, Caerdydd, Abertawe" on the Welsh page.
    from directory.models import Area

    authorities = [a for a in wales_areas.values() if a.kind == Area.Kind.LOCAL_AUTHORITY]
    ServiceFactory(coverage=authorities, abuse_intra_familial=False, abuse_cse=True)

    def order(prefix: str) -> list[str]:
        ratios = client.get(f"{prefix}/gaps/headlines/").context["ratios"]
        assert all(r.ratio == 0 for r in ratios) and len(ratios) == 22
        return [(r.area.name_cy if prefix else r.area.name) or r.area.name for r in ratios]

    welsh, english = order("/cy"), order("")
    assert welsh == sorted(welsh, key=str.casefold)
    assert welsh.index("Abertawe") < welsh.index("Caerdydd") < welsh.index("Pen-y-bont ar Ogwr")
    assert english == sorted(english, key=str.casefold)


@pytest.mark.parametrize("path", ["/cy/gaps/headlines/", "/cy/gaps/unmet/", "/gaps/headlines/"])
def test_the_figures_for_list_orders_each_kind_of_region_by_the_names_it_shows(client, wales_areas, path):
    # Welsh pages listed the boards in the order of their English names.
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    groups = client.get(path).context["form"].region_groups
    assert len(groups) == 3 and all(options for _label, options in groups)
    for _label, options in groups[1:]:
        names = [name for _code, name in options]
        assert names == sorted(names, key=str.casefold), names
