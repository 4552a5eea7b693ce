from __future__ import annotations

import pytest

from directory.models import WALES_CODE, Area
from directory.reference_data import load_areas

pytestmark = pytest.mark.django_db


def test_it_loads_22_local_authorities_with_welsh_names_and_children():
    load_areas()
    las = Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY)
    assert las.count() == 22
    cardiff = las.get(code="W06000015")
    assert cardiff.name_cy == "Caerdydd"
    assert sum(a.children_0_17 for a in las) == 617_613


def test_each_local_authority_has_one_health_board_one_safeguarding_board_and_wales():
    load_areas()
    for la in Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY).prefetch_related("parents"):
        kinds = sorted(p.kind for p in la.parents.all())
        assert kinds == ["health_board", "nation", "safeguarding_region"], la.code
    assert Area.objects.filter(kind=Area.Kind.HEALTH_BOARD).count() == 7
    assert Area.objects.filter(kind=Area.Kind.SAFEGUARDING_REGION).count() == 6
    assert Area.objects.get(code=WALES_CODE).children_0_17 == 617_613


def test_loading_twice_changes_nothing():
    load_areas()
    before = list(Area.objects.values_list("code", "name", "children_0_17").order_by("code"))
    load_areas()
    after = list(Area.objects.values_list("code", "name", "children_0_17").order_by("code"))
    assert before == after
