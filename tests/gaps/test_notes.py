"""The gaps notes' statement of supply: on the capacity basis it says figures mix units only where
they do (some services state a capacity, others count as 1), in English and Welsh. Plain rows, no
database."""

from __future__ import annotations

import pytest
from django.utils import translation

from gaps import layers, notes
from gaps.layers import AreaRow, Layer, ServiceRow

LAS = [
    AreaRow("A", "Area A", "Ardal A", "local_authority", 2_000, ("A",)),
    AreaRow("B", "Area B", "Ardal B", "local_authority", 3_000, ("B",)),
]


def row(id_: int, capacity: int | None) -> ServiceRow:
    return ServiceRow(
        id=id_, name=f"Service {id_}", status="active", abuse_forms=frozenset({"intra_familial"}), supports_child=True,
        supports_parent_carer=False, supports_sibling=False, disclosure_required=False, pre_trial_therapy=False,
        age_min=0.0, age_max=18.0, capacity=capacity, la_codes=frozenset({"A", "B"}),
    )


def statement(capacities: list[int | None], language: str = "en") -> str:
    services = [row(i, capacity) for i, capacity in enumerate(capacities, start=1)]
    result = layers.compute_layer(Layer("all"), services, LAS, basis=layers.BASIS_CAPACITY)
    with translation.override(language):
        return notes.supply_statement(result)


def test_where_every_service_states_a_capacity_the_figures_are_not_said_to_mix_units():
    text = statement([200, 50, 30])
    assert text == ("Supply is each service's stated capacity (new referrals a year): all 3 services counted state "
                    "one. Figures are referrals a year per 10,000 children.")
    assert statement([200]).startswith(
        "Supply is each service's stated capacity (new referrals a year): the 1 service counted states one."
    )


def test_where_no_service_states_a_capacity_each_counts_as_one_and_the_figures_are_services():
    assert statement([None, None]) == (
        "Supply would be each service's stated capacity (new referrals a year), but none of the 2 services counted "
        "states one, so each counts as 1: the figures are services per 10,000 of need."
    )


def test_where_some_services_state_a_capacity_and_others_do_not_the_figures_mix_units():
    assert statement([200, None, 30]) == (
        "Supply is each service's stated capacity (new referrals a year) for 2 of 3 services; the 1 that state none "
        "count as 1, so figures mix units where both occur. Figures are referrals a year per 10,000 children."
    )


def test_with_no_service_counted_it_says_so():
    assert statement([]) == (
        "Supply is each service's stated capacity (new referrals a year); no service is counted here."
    )


@pytest.mark.parametrize(
    ("capacities", "welsh"),
    [
        ([200, 50], "mae pob un o'r 2 gwasanaeth a gyfrifwyd yn nodi un."),
        ([None, None, None], "nid yw'r un o'r 3 gwasanaeth a gyfrifwyd yn nodi un, felly mae pob un yn cyfrif fel 1"),
        ([200, None], "ar gyfer 1 o 2 gwasanaeth; mae'r 1 nad ydynt yn nodi dim yn cyfrif fel 1"),
    ],
)
def test_the_welsh_statement_follows_the_same_cases(capacities, welsh):
    text = statement(capacities, "cy")
    assert welsh in text
    mixed = None in capacities and any(capacities)
    assert ("cymysgu unedau" in text) is mixed
