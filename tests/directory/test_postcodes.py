from __future__ import annotations

import pytest

from directory.postcodes import (
    OUTSIDE_GREAT_BRITAIN,
    OUTSIDE_GREAT_BRITAIN_NAMES,
    lookup_postcode,
    outside_great_britain,
    parse_postcode,
)
from tests.factories import PostcodeFactory


@pytest.mark.parametrize(
    ("raw", "kind", "text"),
    [
        ("cf101ep", "unit", "CF10 1EP"),
        ("  CF10   1EP ", "unit", "CF10 1EP"),
        ("CF10", "district", "CF10"),
        ("cf10 1", "sector", "CF10 1"),
        # A sector typed without its space, where no district reads so: CF10 + 1 (there is no CF101).
        ("cf101", "sector", "CF10 1"),
        ("LL577", "sector", "LL57 7"),
        ("CF11", "district", "CF11"),  # district CF11, not CF1 + 1
        # Pasted or typed with punctuation, or a non-breaking or zero-width space.
        ("CF10 1EP.", "unit", "CF10 1EP"),
        ("cf10-1ep", "unit", "CF10 1EP"),
        ("\u200bCF10\u00a01EP", "unit", "CF10 1EP"),
        ("CF10-1", "sector", "CF10 1"),
        ("SW1A 1AA", "unit", "SW1A 1AA"),
    ],
)
def test_it_normalises_any_spacing_and_case(raw, kind, text):
    parsed = parse_postcode(raw)
    assert parsed is not None
    assert (parsed.kind, parsed.text) == (kind, text)


@pytest.mark.parametrize(
    ("raw", "kind", "text"),
    [
        # A letter O or I typed where only a digit can stand: no district ends in either (so "CF1O"
        # is CF10), and the inward code starts with a digit. They were "not found", in a box that
        # showed "CF1O 1", hard to tell from the real thing.
        ("cf1o 1ep", "unit", "CF10 1EP"),
        ("CF10 IEP", "unit", "CF10 1EP"),
        ("CF1O OAB", "unit", "CF10 0AB"),
        ("sa1i 1aa", "unit", "SA11 1AA"),
        ("CF1O 1", "sector", "CF10 1"),
        ("cf1o", "district", "CF10"),
        ("W1A OAX", "unit", "W1A 0AX"),
        # Areas that start with the letters are left alone.
        ("OX1 1AA", "unit", "OX1 1AA"),
        ("IG11 7AA", "unit", "IG11 7AA"),
        ("OL1", "district", "OL1"),
    ],
)
def test_a_letter_typed_for_a_digit_where_only_a_digit_can_be_is_read_as_one(raw, kind, text):
    parsed = parse_postcode(raw)
    assert parsed is not None
    assert (parsed.kind, parsed.text) == (kind, text)


@pytest.mark.parametrize("raw", ["", "XX", "12345", "CF10 1E", "CF10 1EPP", "<script>", "CF10 1EP" * 20])
def test_it_rejects_what_cannot_be_a_postcode(raw):
    assert parse_postcode(raw) is None


@pytest.mark.parametrize(("raw", "area"), [
    ("BT1 1AA", "BT"), ("bt93", "BT"), ("BT48 6", "BT"),  # Northern Ireland: a unit, a district, a sector
    ("IM1 1AA", "IM"), ("JE2 3", "JE"), ("GY1", "GY"), ("GY9 3", "GY"),  # Isle of Man; Jersey; Guernsey (Alderney)
])
def test_a_postcode_from_outside_great_britain_says_where_it_is(raw, area):
    assert outside_great_britain(parse_postcode(raw)) is OUTSIDE_GREAT_BRITAIN[area]


def test_the_apis_name_every_place_the_search_page_does():
    # The ORUK API's refusal names the place in English (directory/oruk/selectors.py).
    assert OUTSIDE_GREAT_BRITAIN_NAMES.keys() == OUTSIDE_GREAT_BRITAIN.keys()


@pytest.mark.parametrize("raw", ["CF10 1EP", "B1 1AA", "G1", "GU1 1", "IG1 1AA", "IP1", "E1", "SW1A 1AA", "TR21"])
def test_a_postcode_in_great_britain_says_nothing_of_being_outside_it(raw):
    # Birmingham, Glasgow, Guildford, Ilford, Ipswich: areas that share a letter with one outside it.
    assert outside_great_britain(parse_postcode(raw)) is None


@pytest.mark.django_db
def test_it_finds_a_unit_postcode_and_its_local_authority():
    PostcodeFactory(postcode="CF10 1EP", lad_code="W06000015")
    point = lookup_postcode(parse_postcode("cf101ep"))
    assert point is not None and point.lad_code == "W06000015"


@pytest.mark.django_db
def test_an_unknown_unit_postcode_is_not_found():
    assert lookup_postcode(parse_postcode("CF10 9ZZ")) is None


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "code", "holds"), [
    ("HR3 5", "W06000023", True), ("HR3", "W06000023", True), ("HR3 5ZZ", "W06000023", True),  # a unit not held: its sector
    ("HR3 6", "W06000023", False), ("HR3", "W06000099", False), ("HR30", "W06000099", True), ("HR3 5", "W06000015", False),
    ("HR3 5", "E06000019", False),  # only Welsh authorities are asked of the unit postcodes
])
def test_whether_a_welsh_authority_holds_part_of_a_part_postcode_is_read_through_the_postcodes_index(
    typed, code, holds,
):
    """As `code in welsh_authorities_within(...)`, in one look-up an index serves: on SQLite a LIKE
    (which ignores case) read every unit postcode, ~10 ms for Wales's 92k."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from directory.postcodes import holds_welsh_authority, welsh_authorities_within

    PostcodeFactory(postcode="HR3 5AA", latitude=52.07, longitude=-3.12, lad_code="W06000023")
    PostcodeFactory(postcode="HR3 5AB", latitude=52.07, longitude=-3.12, lad_code="E06000019")
    PostcodeFactory(postcode="HR30 1AA", latitude=52.07, longitude=-3.12, lad_code="W06000099")  # not in HR3
    parsed = parse_postcode(typed)

    with CaptureQueriesContext(connection) as asked:
        assert holds_welsh_authority(parsed, code) is holds
    assert holds is (code in welsh_authorities_within(parsed))
    assert len(asked.captured_queries) <= 1
    if connection.vendor == "sqlite":
        for query in asked.captured_queries:
            with connection.cursor() as cursor:
                plan = cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}").fetchall()
            assert all("USING INDEX" in str(step) or "USE TEMP B-TREE" in str(step) for step in plan), plan
