"""The 2SFCA computation, on plain data (no database)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaps import analysis

DEMAND = {"A": 2_000, "B": 3_000, "C": 5_000}
SUPPLY = {"S1": 2, "S2": 1}
COVERAGE = {"S1": {"A", "B"}, "S2": {"B", "C"}}


def test_worked_example_from_the_method_gives_the_published_access():
    access = analysis.two_step_fca(DEMAND, SUPPLY, COVERAGE)
    assert access["A"] == pytest.approx(0.0004)
    assert access["B"] == pytest.approx(0.000525)
    assert access["C"] == pytest.approx(0.000125)
    assert {k: v * analysis.PER for k, v in access.items()} == pytest.approx({"A": 4.0, "B": 5.25, "C": 1.25})


def test_worked_example_conserves_supply():
    access = analysis.two_step_fca(DEMAND, SUPPLY, COVERAGE)
    assert sum(DEMAND[k] * access[k] for k in DEMAND) == pytest.approx(3)


def test_worked_example_normalised_shows_c_as_the_gap():
    access = analysis.two_step_fca(DEMAND, SUPPLY, COVERAGE)
    normalised = analysis.normalise(access, DEMAND, SUPPLY)
    assert normalised == pytest.approx({"A": 4 / 3, "B": 7 / 4, "C": 5 / 12})
    assert min(normalised, key=normalised.get) == "C"


def test_an_area_no_service_covers_has_access_zero_and_leaves_the_others_unchanged():
    demand = {**DEMAND, "D": 1_000}
    access = analysis.two_step_fca(demand, SUPPLY, COVERAGE)
    assert access["D"] == 0.0
    assert access["A"] == pytest.approx(0.0004)
    assert access["B"] == pytest.approx(0.000525)
    assert access["C"] == pytest.approx(0.000125)


def test_a_service_whose_coverage_has_no_demand_adds_nothing_and_breaks_nothing():
    demand = {**DEMAND, "E": 0}
    supply = {**SUPPLY, "S3": 5, "S4": 7}
    coverage = {**COVERAGE, "S3": {"E"}, "S4": {"outside-wales"}}
    access = analysis.two_step_fca(demand, supply, coverage)
    assert access == pytest.approx({"A": 0.0004, "B": 0.000525, "C": 0.000125, "E": 0.0})
    assert analysis.reached_supply(demand, supply, coverage) == SUPPLY


def test_no_supply_at_all_gives_zero_everywhere_never_nan():
    access = analysis.two_step_fca(DEMAND, {}, {})
    normalised = analysis.normalise(access, DEMAND, {})
    assert access == {"A": 0.0, "B": 0.0, "C": 0.0}
    assert normalised == {"A": 0.0, "B": 0.0, "C": 0.0}


def test_a_service_listing_an_area_twice_is_counted_once():
    access = analysis.two_step_fca({"A": 100}, {"S": 1}, {"S": ["A", "A"]})
    assert access["A"] == pytest.approx(0.01)


def test_regions_are_demand_weighted_means_of_their_areas():
    access = analysis.two_step_fca(DEMAND, SUPPLY, COVERAGE)
    region = analysis.demand_weighted_mean(access, DEMAND, ["A", "B", "C"])
    # Over all areas the demand-weighted mean is total supply over total demand.
    assert region == pytest.approx(3 / 10_000)
    assert analysis.demand_weighted_mean(access, DEMAND, ["A", "C"]) == pytest.approx(
        (2_000 * 0.0004 + 5_000 * 0.000125) / 7_000
    )
    assert analysis.demand_weighted_mean(access, DEMAND, []) == 0.0


def test_median_of_no_values_is_none():
    assert analysis.median([]) is None
    assert analysis.median([4, 1, 10]) == 4
    assert analysis.median([4, 1, 10, 2]) == 3


areas = st.lists(st.text("ABCDEFGHIJKL", min_size=1, max_size=2), min_size=1, max_size=12, unique=True)


@st.composite
def problems(draw):
    codes = draw(areas)
    demand = {c: draw(st.integers(min_value=1, max_value=200_000)) for c in codes}
    n = draw(st.integers(min_value=0, max_value=15))
    supply = {f"s{j}": draw(st.floats(min_value=0.1, max_value=1_000, allow_nan=False)) for j in range(n)}
    coverage = {s: draw(st.sets(st.sampled_from(codes), min_size=1)) for s in supply}
    return demand, supply, coverage


@settings(max_examples=200, deadline=None)
@given(problems())
def test_supply_is_conserved_when_every_service_has_demand_in_its_catchment(problem):
    demand, supply, coverage = problem
    access = analysis.two_step_fca(demand, supply, coverage)
    assert set(access) == set(demand)
    assert all(not math.isnan(v) and v >= 0 for v in access.values())
    assert sum(demand[k] * access[k] for k in demand) == pytest.approx(sum(supply.values()), rel=1e-9)
    normalised = analysis.normalise(access, demand, supply)
    if supply:
        # The demand-weighted mean of normalised access is exactly the all-areas level, 1.0.
        assert analysis.demand_weighted_mean(normalised, demand, demand) == pytest.approx(1.0)
