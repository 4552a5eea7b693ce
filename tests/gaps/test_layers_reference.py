"""The vectorised layers give the same figures as a plain reading of the method, on random directories.

`reference_layer` is the 2SFCA and the wait summaries written as directly as possible (loops
over services and areas, as the module computed them before it used numpy); it is the oracle,
not the code under test.
"""

from __future__ import annotations

import random

import pytest

from gaps import analysis, layers
from gaps.layers import AreaRow, Layer, ServiceRow

FORMS = ("intra_familial", "extra_familial", "cse", "harmful_sexual_behaviour", "online")


def reference_layer(layer, services, las, regions, basis, need):
    """(areas, whole, regions, counted ids, services with capacity), each area a tuple of its figures."""
    factor = layers.PREVALENCE if need == layers.NEED_PREVALENCE else 1.0
    demand = {la.code: la.demand * factor for la in las}
    catchment = {s.id: [c for c in s.la_codes if c in demand] for s in services}
    counted = [s for s in services if s.status != "closed" and layer.counts(s)
               and sum(demand[c] for c in catchment[s.id]) > 0]
    supply = {s.id: layers.supply_of(s, basis) for s in counted}
    access = analysis.two_step_fca(demand, supply, {s.id: catchment[s.id] for s in counted})
    normalised = analysis.normalise(access, demand, supply)

    def figures(ids):
        weeks = [s.wait_weeks for s in counted if s.id in ids and s.wait_weeks is not None]
        closed = sum(1 for s in counted if s.id in ids and s.list_closed)
        return frozenset(ids), analysis.median(weeks), (max(weeks) if weeks else None), closed

    reaching = {code: {s.id for s in counted if code in catchment[s.id]} for code in demand}
    areas = [(la.code, demand[la.code], access[la.code], normalised[la.code], *figures(reaching[la.code]))
             for la in las]
    level = analysis.wales_level(demand, supply)
    whole = (sum(demand.values()), level, 1.0 if level else 0.0, *figures({s.id for s in counted}))
    by_region = []
    for region in regions:
        members = [c for c in region.la_codes if c in demand]
        ids = set().union(*(reaching[c] for c in members))
        by_region.append((
            region.code, sum(demand[c] for c in members),
            analysis.demand_weighted_mean(access, demand, members),
            analysis.demand_weighted_mean(normalised, demand, members), *figures(ids),
        ))
    return areas, whole, by_region, [s.id for s in counted], sum(1 for s in counted if s.capacity)


def fast_layer(layer, services, las, regions, basis, need, prepared):
    result = layers.compute_layer(layer, services, las, basis=basis, need=need, prepared=prepared)
    w = result.wales

    def figures(a):
        assert len(a.service_ids) == a.n_services == len(set(a.service_ids))
        return frozenset(a.service_ids), a.median_wait, a.longest_wait, a.closed_lists

    areas = [(a.code, a.demand, a.access, a.normalised, *figures(a)) for a in result.areas]
    by_region = [(r.code, r.demand, r.access, r.normalised, *figures(r)) for r in layers.regional(result, regions)]
    assert sorted(result.services) == sorted(s.id for s in result.services.values())
    return (areas, (w.demand, w.access, w.normalised, *figures(w)), by_region, list(result.services),
            result.services_with_capacity)


def random_directory(seed: int) -> tuple[list[ServiceRow], list[AreaRow], list[AreaRow]]:
    rng = random.Random(seed)
    n_areas = rng.randint(1, 30)
    codes = [f"A{i:02d}" for i in range(n_areas)]
    las = [AreaRow(c, f"Area {c}", f"Ardal {c}", "local_authority", rng.choice([0, 1, 7, rng.randint(1, 90_000)]),
                   (c,)) for c in codes]
    outside = ["X01", "X02"]  # coverage the analysis does not count (another country, say)
    services = []
    for i in range(rng.randint(0, 120)):
        age_min = rng.choice([0.0, 4.0, 4.5, 5.0, 11.0, 13.0, 16.0])
        services.append(ServiceRow(
            id=rng.randint(1, 10**6) * 1000 + i, name=f"S{i}",
            status=rng.choice(["active"] * 6 + ["paused", "closed"]),
            abuse_forms=frozenset(rng.sample(FORMS, rng.randint(0, 5))), supports_child=rng.random() < 0.85,
            supports_parent_carer=rng.random() < 0.3, supports_sibling=rng.random() < 0.2,
            disclosure_required=rng.random() < 0.3, pre_trial_therapy=rng.random() < 0.3,
            age_min=age_min, age_max=rng.choice([age_min, age_min + 3, 17.0, 18.0, 25.0]),
            capacity=rng.choice([None, 0, 1, 40, 120]),
            la_codes=frozenset(rng.sample(codes + outside, rng.randint(0, min(n_areas, rng.choice([1, 2, 5, 30]))))),
            wait_weeks=rng.choice([None, 0, 1, 2, 8, 8, 20, 52]), referrals_open=rng.choice([None, True, True, False]),
        ))
    regions = [AreaRow(f"R{j}", f"Region {j}", f"Rhanbarth {j}", rng.choice(["health_board", "safeguarding_region"]),
                       0, tuple(rng.sample(codes + outside, rng.randint(0, min(8, n_areas)))))
               for j in range(rng.randint(0, 6))]
    return services, las, regions


@pytest.mark.parametrize("seed", range(15))
def test_every_layer_gives_the_reference_figures_on_a_random_directory(seed):
    services, las, regions = random_directory(seed)
    for need in (layers.NEED_CHILDREN, layers.NEED_PREVALENCE):
        prepared = layers.prepare(services, las, need)
        for basis in (layers.BASIS_SERVICES, layers.BASIS_CAPACITY):
            for layer in layers.every_layer():
                expected = reference_layer(layer, services, las, regions, basis, need)
                got = fast_layer(layer, services, las, regions, basis, need, prepared)
                if need == layers.NEED_CHILDREN:
                    # Whole numbers of children: the same additions in the same order, so the
                    # same figures to the last digit.
                    assert got == expected
                else:
                    # Tenths of children: a service's catchment total may add its areas in
                    # another order (as the same code did from one process to the next).
                    got, expected = _flat(got), _flat(expected)
                    assert len(got) == len(expected)
                    for g, e in zip(got, expected, strict=True):
                        assert g == (pytest.approx(e, rel=1e-12) if isinstance(e, float) else e)


def _flat(value) -> list:
    """Nested tuples, lists and sets (sorted) as one list of values."""
    if isinstance(value, tuple | list):
        return [item for part in value for item in _flat(part)]
    if isinstance(value, frozenset):
        return ["set of", len(value), *sorted(value)]
    return [value]


def test_a_prepared_directory_for_other_rows_is_not_used():
    services, las, _regions = random_directory(3)
    other, _las, _ = random_directory(4)
    prepared = layers.prepare(other, las)
    result = layers.compute_layer(Layer("all"), services, las, prepared=prepared)
    assert set(result.services) <= {s.id for s in services}
    assert result == layers.compute_layer(Layer("all"), services, las)


def test_area_service_ids_compare_and_iterate_as_sets():
    services = [
        ServiceRow(id=i, name=f"S{i}", status="active", abuse_forms=frozenset(), supports_child=True,
                   supports_parent_carer=False, supports_sibling=False, disclosure_required=False,
                   pre_trial_therapy=False, age_min=0.0, age_max=18.0, capacity=None, la_codes=frozenset(codes))
        for i, codes in ((7, {"A"}), (8, {"A", "B"}), (9, {"B"}))
    ]
    las = [AreaRow(c, c, c, "local_authority", 100, (c,)) for c in "AB"]
    result = layers.compute_layer(Layer("all"), services, las)
    a = result.area("A")
    assert a.service_ids == frozenset({7, 8}) == a.service_ids
    assert {7, 8} == a.service_ids
    assert sorted(a.service_ids) == [7, 8] and 7 in a.service_ids and 9 not in a.service_ids
    assert result.wales.service_ids == {7, 8, 9}
    assert dict(result.services) == {7: services[0], 8: services[1], 9: services[2]}
