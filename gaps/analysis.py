"""Access to support against need: the two-step floating catchment area method (2SFCA).

Coverage variant of Luo & Wang (2003), *Environment and Planning B* 30:865–884: a service's
catchment is the set of areas it takes referrals from, not a travel-time buffer.

1. for each service j:  R_j = S_j / Σ_{k in catchment(j)} P_k
2. for each area i:     A_i = Σ_{j whose catchment contains i} R_j

Pure: plain mappings (or numpy arrays) in, plain dicts (or arrays) out. No ORM, no settings, no request. See
/work/shared/brief/gaps-method.md (and the worked example in tests/gaps/test_analysis.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

import numpy as np

PER = 10_000  # access is shown "per 10,000 children"


# The computation works on (service, area) pairs: for each service in turn, the index of every area
# in its catchment (each once). Sums over pairs with `np.bincount` add in pair order, so each area's
# access adds its services' ratios in service order, exactly as a loop over services would.


def catchment_demand(demand: np.ndarray, pair_service: np.ndarray, pair_area: np.ndarray, n_services: int) -> np.ndarray:
    """Σ_{k in catchment(j)} P_k for every service j: it depends only on coverage and demand, not on
    supply, so one computation serves every layer."""
    return np.bincount(pair_service, weights=demand[pair_area], minlength=n_services)


def supply_ratios(supply: np.ndarray, catchments: np.ndarray) -> np.ndarray:
    """Step 1: R_j = S_j / Σ P_k. A service whose catchment holds no demand reaches nobody counted
    here: its ratio is 0 (it adds nothing, and is not divided by zero)."""
    ratios = np.zeros(len(supply))
    np.divide(supply, catchments, out=ratios, where=catchments > 0)
    return ratios


def access_by_area(ratios: np.ndarray, pair_service: np.ndarray, pair_area: np.ndarray, n_areas: int) -> np.ndarray:
    """Step 2: A_i = Σ R_j over the services whose catchment contains i; 0.0 where none does."""
    return np.bincount(pair_area, weights=ratios[pair_service], minlength=n_areas)


def _pairs(
    demand: Mapping[str, float], services: Iterable[str], coverage: Mapping[str, Collection[str]]
) -> tuple[np.ndarray, np.ndarray]:
    index = {code: i for i, code in enumerate(demand)}
    pair_service: list[int] = []
    pair_area: list[int] = []
    for j, service in enumerate(services):
        inside = sorted({index[code] for code in coverage.get(service, ()) if code in index})
        pair_service += [j] * len(inside)
        pair_area += inside
    return np.array(pair_service, dtype=np.intp), np.array(pair_area, dtype=np.intp)


def two_step_fca(
    demand: Mapping[str, float],
    supply: Mapping[str, float],
    coverage: Mapping[str, Collection[str]],
) -> dict[str, float]:
    """Access for every area in `demand`: 0.0 where no service reaches it, never NaN.

    `demand` maps area code → demand (e.g. children 0–17); `supply` maps service id → capacity;
    `coverage` maps service id → the area codes it takes referrals from. Coverage codes that are
    not in `demand` are ignored. A service whose catchment holds no demand reaches nobody
    counted here: its supply is left out (so supply is conserved only over services that do).
    """
    pair_service, pair_area = _pairs(demand, supply, coverage)
    demand_array = np.array(list(demand.values()), dtype=float)
    catchments = catchment_demand(demand_array, pair_service, pair_area, len(supply))
    ratios = supply_ratios(np.array(list(supply.values()), dtype=float), catchments)
    access = access_by_area(ratios, pair_service, pair_area, len(demand))
    return dict(zip(demand, access.tolist(), strict=True))


def reached_supply(
    demand: Mapping[str, float],
    supply: Mapping[str, float],
    coverage: Mapping[str, Collection[str]],
) -> dict[str, float]:
    """The services whose catchment holds some demand, with their supply: the ones that count."""
    pair_service, pair_area = _pairs(demand, supply, coverage)
    demand_array = np.array(list(demand.values()), dtype=float)
    reached = catchment_demand(demand_array, pair_service, pair_area, len(supply)) > 0
    return {service: capacity for (service, capacity), counts in zip(supply.items(), reached, strict=True) if counts}


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
