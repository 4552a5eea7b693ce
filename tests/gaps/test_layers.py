"""Layers: which services count for which question, over plain rows (no database)."""

from __future__ import annotations

import pytest

from gaps import layers
from gaps.layers import AreaRow, Layer, ServiceRow

LAS = [
    AreaRow("A", "Area A", "Ardal A", "local_authority", 2_000, ("A",)),
    AreaRow("B", "Area B", "Ardal B", "local_authority", 3_000, ("B",)),
    AreaRow("C", "Area C", "Ardal C", "local_authority", 5_000, ("C",)),
    AreaRow("D", "Area D", "Ardal D", "local_authority", 1_000, ("D",)),
]


def row(id_: int, las: set[str], **kw) -> ServiceRow:
    fields = dict(
        name=f"Service {id_}", status="active", abuse_forms=frozenset({"intra_familial"}), supports_child=True,
        supports_parent_carer=False, supports_sibling=False, disclosure_required=False, pre_trial_therapy=False,
        age_min=0.0, age_max=18.0, capacity=None,
    )
    fields.update(kw)
    return ServiceRow(id=id_, la_codes=frozenset(las), **fields)


def test_the_worked_example_through_a_layer_with_capacity_as_supply():
    services = [row(1, {"A", "B"}, capacity=2), row(2, {"B", "C"}, capacity=1)]
    result = layers.compute_layer(Layer("all"), services, LAS, basis=layers.BASIS_CAPACITY)
    per_10k = {a.code: round(a.per_10k, 6) for a in result.areas}
    assert per_10k == {"A": 4.0, "B": 5.25, "C": 1.25, "D": 0.0}
    assert [a.code for a in result.no_provision] == ["D"]
    assert result.wales.per_10k == pytest.approx(3 / 11_000 * 10_000)
    assert result.services_with_capacity == 2


def test_each_service_counts_as_one_on_the_services_basis():
    services = [row(1, {"A", "B"}, capacity=200), row(2, {"B", "C"})]
    result = layers.compute_layer(Layer("all"), services, LAS)
    assert result.area("A").access == pytest.approx(1 / 5_000)
    assert result.area("C").access == pytest.approx(1 / 8_000)


def test_closed_services_are_not_supply_but_paused_ones_are_with_their_list_closed():
    services = [row(1, {"A"}, status="closed"), row(2, {"B"}, status="paused", wait_weeks=30)]
    result = layers.compute_layer(Layer("all"), services, LAS)
    assert result.area("A").no_provision
    b = result.area("B")
    assert b.n_services == 1
    assert b.closed_lists == 1
    assert b.all_lists_closed
    assert b.median_wait == 30


def test_a_reported_closed_list_counts_as_closed_and_waits_sit_beside_access():
    services = [row(1, {"A"}, wait_weeks=4, referrals_open=False), row(2, {"A"}, wait_weeks=10), row(3, {"A"})]
    area = layers.compute_layer(Layer("all"), services, LAS).area("A")
    assert area.access == pytest.approx(3 / 2_000)  # waits do not change access
    assert (area.median_wait, area.longest_wait, area.closed_lists, area.all_lists_closed) == (7, 10, 1, False)


def test_form_layers_count_only_services_that_work_with_that_form():
    services = [row(1, {"A"}, abuse_forms=frozenset({"cse"})), row(2, {"B"})]
    result = layers.compute_layer(Layer("intra_familial"), services, LAS)
    assert result.area("A").no_provision
    assert not result.area("B").no_provision
    assert layers.compute_layer(Layer("cse"), services, LAS).area("A").n_services == 1


def test_family_layers_count_support_for_parents_and_siblings():
    services = [
        row(1, {"A"}, supports_parent_carer=True),
        row(2, {"B"}, supports_child=False, supports_sibling=True),
    ]
    parents = layers.compute_layer(Layer("parent_carer"), services, LAS)
    siblings = layers.compute_layer(Layer("sibling"), services, LAS)
    assert [a.code for a in parents.areas if not a.no_provision] == ["A"]
    assert [a.code for a in siblings.areas if not a.no_provision] == ["B"]
    # A siblings-only service is not support for the child.
    assert layers.compute_layer(Layer("all"), services, LAS).area("B").no_provision


def test_disclosure_and_pre_trial_layers():
    services = [row(1, {"A"}, disclosure_required=True), row(2, {"B"}, pre_trial_therapy=True)]
    no_disclosure = layers.compute_layer(Layer("no_disclosure"), services, LAS)
    pre_trial = layers.compute_layer(Layer("pre_trial"), services, LAS)
    assert no_disclosure.area("A").no_provision and not no_disclosure.area("B").no_provision
    assert pre_trial.area("A").no_provision and not pre_trial.area("B").no_provision


@pytest.mark.parametrize(
    ("age_min", "age_max", "band", "counts"),
    [
        (4, 18, "under_5", True),
        (5, 18, "under_5", False),
        (0, 4.5, "5_10", False),
        (11, 17, "16_17", True),
        (0, 10, "11_15", False),
        (10, 12, "under_11", True),
    ],
)
def test_a_service_counts_for_an_age_band_it_overlaps(age_min, age_max, band, counts):
    service = row(1, {"A"}, age_min=float(age_min), age_max=float(age_max))
    assert Layer("all", band).counts(service) is counts


def test_combinations_narrow_a_question_by_age():
    services = [row(1, {"A"}, age_min=11.0), row(2, {"B"}, abuse_forms=frozenset({"cse"}), age_min=0.0)]
    result = layers.compute_layer(Layer("intra_familial", "under_11"), services, LAS)
    assert all(a.no_provision for a in result.areas)
    assert Layer.from_key("intra_familial:under_11") == Layer("intra_familial", "under_11")
    assert Layer("intra_familial", "under_11").key == "intra_familial:under_11"


def test_unknown_layers_and_bands_are_refused():
    with pytest.raises(ValueError):
        Layer("everything")
    with pytest.raises(ValueError):
        Layer("all", "teenagers")


def test_every_layer_lists_each_question_alone_and_by_each_band():
    every = layers.every_layer()
    assert len(every) == len(layers.QUESTION_CODES) * (1 + len(layers.AGE_BAND_CODES))
    assert Layer("intra_familial", "under_11") in every


def test_regions_are_demand_weighted_and_count_distinct_services():
    services = [row(1, {"A", "B"}, wait_weeks=2), row(2, {"B"}, wait_weeks=12)]
    result = layers.compute_layer(Layer("all"), services, LAS)
    region = AreaRow("R", "Region", "Rhanbarth", "health_board", 0, ("A", "B"))
    (r,) = layers.regional(result, [region])
    a, b = result.area("A"), result.area("B")
    assert r.demand == 5_000
    assert r.access == pytest.approx((2_000 * a.access + 3_000 * b.access) / 5_000)
    assert r.n_services == 2
    assert r.median_wait == 7


def test_the_headline_ratio_lists_areas_without_intra_familial_support_first():
    services = [
        row(1, {"A", "B", "C"}),
        row(2, {"D"}, abuse_forms=frozenset({"cse"})),
        row(3, {"C"}, abuse_forms=frozenset({"cse"})),
    ]
    intra = layers.compute_layer(Layer("intra_familial"), services, LAS)
    every = layers.compute_layer(Layer("all"), services, LAS)
    rows = layers.intra_familial_ratio(intra, every)
    assert [r.area.code for r in rows][:1] == ["D"]
    by_code = {r.area.code: r.ratio for r in rows}
    assert by_code["D"] == 0
    assert by_code["A"] == pytest.approx(1.0)
    assert 0 < by_code["C"] < 1


def test_prevalence_scaling_changes_units_not_the_ranking():
    services = [row(1, {"A", "B"}), row(2, {"B", "C"})]
    children = layers.compute_layer(Layer("all"), services, LAS)
    prevalence = layers.compute_layer(Layer("all"), services, LAS, need=layers.NEED_PREVALENCE)
    assert prevalence.area("A").access == pytest.approx(children.area("A").access * 10)
    assert [a.normalised for a in prevalence.areas] == pytest.approx([a.normalised for a in children.areas])


def test_the_welsh_layer_counts_only_childrens_services_that_offer_support_in_welsh():
    services = [
        row(1, {"A"}, welsh_available=True),
        row(2, {"B"}),  # English only
        row(3, {"C"}, welsh_available=True, supports_child=False, supports_parent_carer=True),  # parents only
    ]
    welsh = layers.compute_layer(Layer("welsh"), services, LAS)
    assert [a.code for a in welsh.no_provision] == ["B", "C", "D"]
    assert welsh.area("A").n_services == 1
    assert str(Layer("welsh").label) == "Support for children in Welsh"
