"""The population the figures are published against is named as the data loaded holds it.

The reference loader writes each area's `children_source`; the gaps notes and the area page name
the source in translatable text of their own. When the population data is refreshed (data/README.md:
mid-year estimates before publishing), all three must change together, or every figure would claim
the old source: these fail until they do."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.utils import translation

from directory.models import Area
from directory.reference_data import CENSUS_SOURCE, load_areas
from gaps import notes


def test_the_notes_name_the_source_the_loader_writes():
    with translation.override("en"):
        assert str(notes.CENSUS) == CENSUS_SOURCE


@pytest.mark.django_db
def test_every_local_authority_loaded_holds_that_source_and_the_area_page_names_its_year():
    load_areas()
    sources = set(Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY).values_list("children_source", flat=True))
    assert sources == {CENSUS_SOURCE}
    year = re.search(r"Census (\d{4})", CENSUS_SOURCE)[1]
    area_page = (settings.BASE_DIR / "templates" / "gaps" / "area.html").read_text()
    assert re.findall(r"\(Census (\d{4})\)", area_page) == [year]
