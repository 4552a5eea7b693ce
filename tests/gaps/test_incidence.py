"""The index helpers under the vectorised gaps layers (the figures themselves are held to a plain
reading of the method in test_layers_reference.py)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gaps import incidence


@given(st.lists(st.integers(min_value=-(2**62), max_value=2**62), max_size=300))
def test_sorted_unique_is_numpys_unique(values):
    array = np.array(values, dtype=np.int64)
    got = incidence.sorted_unique(array)
    assert got.dtype == np.int64
    assert got.tolist() == np.unique(array).tolist() == sorted(set(values))


def test_pairs_by_service_keeps_each_known_pair_once_in_service_then_area_order():
    service, area = incidence.pairs_by_service([{"b", "a", "x"}, set(), ["a", "a"]], ["a", "b"])
    assert list(zip(service.tolist(), area.tolist(), strict=True)) == [(0, 0), (0, 1), (2, 0)]
