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


def _snapshot() -> tuple[list, list]:
    areas = list(Area.objects.order_by("code").values_list(
        "code", "kind", "name", "name_cy", "children_0_17", "children_source", "children_year", "latitude", "longitude"))
    links = sorted(Area.parents.through.objects.values_list("from_area__code", "to_area__code"))
    return areas, links


def test_health_boards_and_regions_count_the_children_of_their_local_authorities():
    load_areas()
    for group in Area.objects.filter(kind__in=[Area.Kind.HEALTH_BOARD, Area.Kind.SAFEGUARDING_REGION]):
        members = Area.objects.filter(parents=group, kind=Area.Kind.LOCAL_AUTHORITY)
        assert members.exists(), group.code
        assert group.children_0_17 == sum(m.children_0_17 for m in members), group.code
        assert list(group.parents.values_list("code", flat=True)) == [WALES_CODE]


def test_loading_again_puts_back_what_was_edited_and_no_more():
    load_areas()
    shipped = _snapshot()
    cardiff = Area.objects.get(code="W06000015")
    Area.objects.filter(pk=cardiff.pk).update(name="Edited", children_0_17=1, latitude=None)
    cardiff.parents.clear()
    cardiff.parents.add(Area.objects.get(code="W06000023"))  # a parent it should not have
    Area.objects.filter(code=WALES_CODE).delete()  # and one area gone altogether

    load_areas()

    assert _snapshot() == shipped


def test_loading_again_unchanged_leaves_the_directory_version_alone_and_a_change_bumps_it():
    from directory import version

    load_areas()
    unchanged = version.current()
    load_areas()
    assert version.current() == unchanged

    Area.objects.filter(code="W06000015").update(name_cy="")
    load_areas()
    assert version.current() != unchanged


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of data/ that the test may break."""
    import shutil

    from directory import reference_data

    copy = tmp_path / "data"
    shutil.copytree(reference_data.DATA_DIR, copy)
    monkeypatch.setattr(reference_data, "DATA_DIR", copy)
    reference_data._gb_local_authority_names.cache_clear()
    reference_data._gb_local_authority_names_cy.cache_clear()
    yield copy
    reference_data._gb_local_authority_names.cache_clear()
    reference_data._gb_local_authority_names_cy.cache_clear()


@pytest.mark.parametrize(("file", "broken", "says"), [
    ("wales_local_authorities.csv", "missing", "data/wales_local_authorities.csv is missing"),
    ("wales_local_authorities.csv", "cut short", "data/ is incomplete"),
    ("gb_postcode_districts.csv.gz", "missing", "data/gb_postcode_districts.csv.gz is missing"),
])
def test_missing_or_cut_short_reference_data_is_a_message_and_loads_nothing(data_copy, file, broken, says):
    """A traceback before (FileNotFoundError, or KeyError: 'W06000003'); and the areas stayed
    loaded when a postcode file then failed."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    path = data_copy / file
    if broken == "missing":
        path.unlink()
    else:
        path.write_text("".join(path.read_text().splitlines(keepends=True)[:3]))

    with pytest.raises(CommandError, match=says):
        call_command("load_reference_data", stdout=StringIO())

    assert not Area.objects.exists()


@pytest.mark.parametrize(("code", "name"), [
    ("E06000019", "Herefordshire"),  # ONS: "Herefordshire, County of"
    ("E06000023", "Bristol"),  # "Bristol, City of"
    ("E06000010", "Kingston upon Hull"),  # "Kingston upon Hull, City of"
    ("E06000058", "Bournemouth, Christchurch and Poole"),  # a comma that is part of the name stays
    ("E06000049", "Cheshire East"),
])
def test_an_authority_outside_wales_is_named_as_people_say_it(code, name):
    """The search page puts the name in sentences ("For a child in …", "… is outside Wales"), where
    ONS's sorting form ("Herefordshire, County of") read as broken English."""
    from directory import reference_data

    assert reference_data.gb_local_authority_name(code) == name


@pytest.mark.parametrize(("code", "english", "welsh"), [
    ("E06000023", "Bristol", "Bryste"),
    ("E06000050", "Cheshire West and Chester", "Gorllewin Swydd Gaer a Chaer"),
    ("E06000019", "Herefordshire", "Swydd Henffordd"),
    ("E06000051", "Shropshire", "Swydd Amwythig"),
    ("E07000081", "Gloucester", "Caerloyw"),
    ("E06000020", "Telford and Wrekin", "Telford and Wrekin"),  # no Welsh name in common use
])
def test_an_authority_outside_wales_has_its_welsh_name_in_welsh(code, english, welsh):
    """As a Welsh authority's name (Caerdydd) on a Welsh page: "Bryste", not "Bristol"."""
    from django.utils import translation

    from directory import reference_data

    with translation.override("cy"):
        assert reference_data.gb_local_authority_name(code) == welsh
    with translation.override("en"):
        assert reference_data.gb_local_authority_name(code) == english


def test_every_welsh_name_outside_wales_is_for_an_authority_the_gb_list_knows():
    """A code mistyped in gb_local_authority_names_cy.csv would never be shown."""
    from directory import reference_data

    welsh = reference_data._gb_local_authority_names_cy()
    assert welsh and set(welsh) <= set(reference_data._gb_local_authority_names())
    assert all(name.strip() == name and name for name in welsh.values())


@pytest.mark.parametrize(("english", "welsh"), [
    ("Radnorshire", "Sir Faesyfed"),
    ("breconshire", "Sir Frycheiniog"),  # compared as the others are: letter case and spaces aside
    ("Brecknockshire", "Sir Frycheiniog"),
    ("Cardiganshire", "Sir Aberteifi"),
    ("Caernarvonshire", "Sir Gaernarfon"),
    ("Merionethshire", "Sir Feirionnydd"),
    ("Montgomeryshire", "Sir Drefaldwyn"),
    ("Glamorgan", "Sir Forgannwg"),
    ("Anglesey", "Ynys Môn"),
    ("Pembrokeshire", "Sir Benfro"),  # a present authority's name: from wales_local_authorities.csv
    ("Mid Glamorgan", "Morgannwg Ganol"),  # a preserved county
    ("Vale of Neath", "Vale of Neath"),  # anything else as written
])
def test_an_address_county_before_1974_is_named_in_welsh_on_a_welsh_page(english, welsh):
    """data/wales_historic_counties.csv, each Welsh form sourced in data/README.md."""
    from django.utils import translation

    from directory import reference_data

    with translation.override("cy"):
        assert reference_data.local_authority_name_in_language(english) == welsh
    with translation.override("en"):
        assert reference_data.local_authority_name_in_language(english) == english
