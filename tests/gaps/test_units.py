"""Every place a figure is shown names its unit, and the unit follows the supply basis and need chosen."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

CARDIFF = "W06000015"
ABUSED = "services per 10,000 children estimated to experience sexual abuse"


def _method_row(response) -> str:
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return next(value for key, value, *_rest in (r for r in rows if len(r) >= 2) if key == "Method")


@pytest.mark.parametrize(("params", "unit"), [
    ({}, "services per 10,000 children"),
    ({"need": "prevalence"}, ABUSED),
    ({"basis": "capacity"}, "referrals a year per 10,000 children"),
    ({"basis": "capacity", "need": "prevalence"},
     "referrals a year per 10,000 children estimated to experience sexual abuse"),
])
def test_the_page_csv_json_and_map_name_the_unit_of_the_need_and_supply_chosen(client, wales_areas, params, unit):
    ServiceFactory(coverage=[wales_areas[CARDIFF]], capacity_per_year=40)
    response = client.get(reverse("gaps:index"), params)
    body = " ".join(response.content.decode().split())
    wales = response.context["result"].wales
    assert f"1 is the Wales level: {wales.per_10k:.2f} {unit}, from 1 services." in body
    assert f"figures are {unit}" in body.replace("Figures are", "figures are")
    assert f"Access ({unit})" in body  # the map's tooltip
    assert f"figures are {unit}" in _method_row(client.get(reverse("gaps:data_csv"), params)).replace("Figures", "figures")
    data = client.get("/api/gaps/", params).json()
    assert data["unit"] == unit
    assert f"figures are {unit}" in data["notes"]["method"].replace("Figures", "figures")


def test_prevalence_figures_are_never_called_per_10000_children(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[CARDIFF]])
    body = " ".join(client.get(reverse("gaps:index"), {"need": "prevalence"}).content.decode().split())
    assert "per 10,000 children," not in body and "per 10,000 children (" not in body
    assert "Access per 10,000 children" not in body
