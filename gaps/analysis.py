"""Access to support against need: the two-step floating catchment area method (2SFCA).

Coverage variant of Luo & Wang (2003), *Environment and Planning B* 30:865–884: a service's
catchment is the set of areas it takes referrals from, not a travel-time buffer.

1. for each service j:  R_j = S_j / Σ_{k in catchment(j)} P_k
2. for each area i:     A_i = Σ_{j whose catchment contains i} R_j

Pure: plain mappings in, plain dicts out. No ORM, no settings, no request. See
/work/shared/brief/gaps-method.md (and the worked example in tests/gaps/test_analysis.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

PER = 10_000  # access is shown "per 10,000 children"


Catchments = dict[str, tuple[tuple[str, ...], float]]


def catchments(demand: Mapping[str, float], coverage: Mapping[str, Collection[str]]) -> Catchments:
    """Service id → (the covered areas that are in `demand`, their total demand).

    It depends only on coverage and demand, not on supply, so one computation serves every layer.
    """
    out = {}
    for service, codes in coverage.items():
        inside = tuple(code for code in set(codes) if code in demand)
        out[service] = (inside, sum(demand[code] for code in inside))
    return out


def two_step_fca(
    demand: Mapping[str, float],
    supply: Mapping[str, float],
    coverage: Mapping[str, Collection[str]],
    *,
    prepared: Catchments | None = None,
) -> dict[str, float]:
    """Access for every area in `demand`: 0.0 where no service reaches it, never NaN.

    `demand` maps area code → demand (e.g. children 0–17); `supply` maps service id → capacity;
    `coverage` maps service id → the area codes it takes referrals from. Coverage codes that are
    not in `demand` are ignored. A service whose catchment holds no demand reaches nobody
    counted here: its supply is left out (so supply is conserved only over services that do).
    `prepared` is `catchments(demand, coverage)` when the caller already has it.
    """
    prepared = prepared if prepared is not None else catchments(demand, coverage)
    access = dict.fromkeys(demand, 0.0)
    for service, capacity in supply.items():
        catchment, catchment_demand = prepared.get(service, ((), 0.0))
        if catchment_demand <= 0:
            continue
        ratio = capacity / catchment_demand  # step 1: R_j = S_j / Σ P_k
        for code in catchment:
            access[code] += ratio  # step 2: A_i = Σ R_j
    return access


def reached_supply(
    demand: Mapping[str, float],
    supply: Mapping[str, float],
    coverage: Mapping[str, Collection[str]],
    *,
    prepared: Catchments | None = None,
) -> dict[str, float]:
    """The services whose catchment holds some demand, with their supply: the ones that count."""
    prepared = prepared if prepared is not None else catchments(demand, coverage)
    return {service: capacity for service, capacity in supply.items() if prepared.get(service, ((), 0))[1] > 0}


def wales_level(demand: Mapping[str, float], supply: Mapping[str, float]) -> float:
    """Σ supply / Σ demand: the access every area would have if supply were spread evenly."""
    total_demand = sum(demand.values())
    if total_demand <= 0:
        return 0.0
    return sum(supply.values()) / total_demand


def normalise(
    access: Mapping[str, float],
    demand: Mapping[str, float],
    supply: Mapping[str, float],
) -> dict[str, float]:
    """Access ÷ (Σ supply / Σ demand): 1.0 is the all-areas level, below 1 is worse than average.

    Where there is no supply at all every area is 0.0 ("no provision"), never NaN.
    """
    level = wales_level(demand, supply)
    if level <= 0:
        return dict.fromkeys(access, 0.0)
    return {code: value / level for code, value in access.items()}


def demand_weighted_mean(values: Mapping[str, float], demand: Mapping[str, float], codes: Iterable[str]) -> float:
    """Σ P_i·v_i / Σ P_i over `codes`: how a region's figure is made from its local authorities."""
    codes = [code for code in codes if code in values]
    total = sum(demand.get(code, 0) for code in codes)
    if total <= 0:
        return 0.0
    return sum(demand.get(code, 0) * values[code] for code in codes) / total


def median(values: Iterable[float]) -> float | None:
    """The median, or None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2
