"""The search's distance is geopy's great-circle distance, computed without its Point objects."""

from __future__ import annotations

import pytest
from geopy.distance import great_circle
from hypothesis import given
from hypothesis import strategies as st

from directory.selectors import great_circle_km

latitudes = st.floats(min_value=49.0, max_value=61.0)  # the UK and a margin
longitudes = st.floats(min_value=-9.0, max_value=3.0)


@given(latitudes, longitudes, latitudes, longitudes)
def test_the_same_distance_as_geopy(lat1, lng1, lat2, lng2):
    expected = great_circle((lat1, lng1), (lat2, lng2)).km
    assert great_circle_km((lat1, lng1), (lat2, lng2)) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_cardiff_to_wrexham():
    assert great_circle_km((51.4816, -3.1791), (53.0466, -2.9925)) == pytest.approx(174.5, abs=0.5)
