"""A child's full postcode is kept out of search addresses (directory/postcode_privacy.py): a search
asked with one is redirected to the same search from its sector, with the unit's local authority
where the sector alone would not give it."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.urls import reverse

from directory import postcode_privacy, postcodes, search_cache, version
from directory.forms import UNKNOWN_LA
from directory.models import PostcodeDistrict
from gaps.models import UnmetSearchCount
from tests.factories import PostcodeFactory, ServiceFactory

CARDIFF, SWANSEA, POWYS, CARMARTHENSHIRE = "W06000015", "W06000011", "W06000023", "W06000010"
HEREFORDSHIRE = "E06000019"
SEARCH = reverse("directory:search")


@pytest.fixture
def postcode_tables(wales_areas):
    """Units and sectors as the real tables hold them (data/), a few of each."""
    sector = PostcodeDistrict.objects.create
    sector(prefix="CF10 1", latitude=51.4797, longitude=-3.1781, lad_code=CARDIFF)  # all Cardiff
    PostcodeFactory(postcode="CF10 1EP", latitude=51.4816, longitude=-3.1791, lad_code=CARDIFF)
    # HR3 5 (Hay-on-Wye): 79% of its postcodes in Powys, the rest in Herefordshire (not held: English).
    sector(prefix="HR3 5", latitude=52.07, longitude=-3.13, lad_code=POWYS, lad_share=0.79)
    PostcodeFactory(postcode="HR3 5AA", latitude=52.075, longitude=-3.125, lad_code=POWYS)
    # HR3 6: 94% Herefordshire, a few Powys units.
    sector(prefix="HR3 6", latitude=52.1, longitude=-3.05, lad_code=HEREFORDSHIRE, lad_share=0.941)
    PostcodeFactory(postcode="HR3 6AT", latitude=52.09, longitude=-3.1, lad_code=POWYS)
    # SA4 4: all but a few units in Swansea (not split by the page's measure), one held in Carmarthenshire.
    sector(prefix="SA4 4", latitude=51.66, longitude=-4.06, lad_code=SWANSEA, lad_share=0.97)
    PostcodeFactory(postcode="SA4 4AA", latitude=51.66, longitude=-4.07, lad_code=SWANSEA)
    PostcodeFactory(postcode="SA4 4ZZ", latitude=51.68, longitude=-4.1, lad_code=CARMARTHENSHIRE)
    return wales_areas


def _unit(text: str) -> postcodes.ParsedPostcode:
    parsed = postcodes.parse_postcode(text)
    assert parsed is not None and parsed.kind == "unit"
    return parsed


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- cutting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "sector"), [
    ("CF10 1EP", "CF10 1"), ("cf101ep", "CF10 1"), (" cf10-1ep. ", "CF10 1"), ("SW1A 1AA", "SW1A 1"),
    ("M1 1AE", "M1 1"), ("B33 8TH", "B33 8"),
])
def test_a_unit_postcodes_sector_is_its_outward_code_and_the_first_digit_after(typed, sector):
    assert postcode_privacy.unit_sector(_unit(typed)).text == sector


@pytest.mark.parametrize("query", [
    "", "age=9", "postcode=CF10", "postcode=CF10+1", "postcode=cf101", "postcode=XX", "postcode=", "la=W06000015",
    "postcode=CF10+1EPX",
])
def test_a_search_with_no_full_postcode_is_left_as_it_is(db, query):
    assert postcode_privacy.cut_query(QueryDict(query)) is None


def test_a_full_postcode_is_cut_to_its_sector_and_everything_else_is_kept_in_order(postcode_tables):
    query = QueryDict("abuse_form=cse&postcode=cf10+1ep&age=9&abuse_form=online&view=map&sort=wait&page=2")

    assert postcode_privacy.cut_query(query) == (
        "abuse_form=cse&abuse_form=online&postcode=CF10+1&age=9&view=map&sort=wait&page=2&cut=1")


def test_a_unit_in_a_split_sector_keeps_its_local_authority(postcode_tables):
    assert postcode_privacy.cut_query(QueryDict("postcode=HR3+5AA&age=9")) == f"postcode=HR3+5&age=9&la={POWYS}&cut=1"


def test_a_welsh_unit_in_a_sector_mostly_in_england_keeps_its_welsh_authority(postcode_tables):
    assert postcode_privacy.exact_authority(_unit("HR3 6AT")) == POWYS


def test_a_unit_in_the_small_part_of_a_sector_in_another_authority_keeps_it(postcode_tables):
    assert postcode_privacy.exact_authority(_unit("SA4 4ZZ")) == CARMARTHENSHIRE
    assert postcode_privacy.exact_authority(_unit("SA4 4AA")) == ""  # the sector says Swansea already
    assert postcode_privacy.exact_authority(_unit("CF10 1EP")) == ""


def test_a_unit_we_do_not_hold_is_cut_without_an_authority(postcode_tables):
    # An English unit in the Welsh border's sector: what a search from it used was the sector anyway.
    assert postcode_privacy.cut_query(QueryDict("postcode=HR3+5ZZ")) == "postcode=HR3+5&cut=1"
    # One whose sector is unknown too: still cut (the page then says it cannot find it).
    assert postcode_privacy.cut_query(QueryDict("postcode=ZZ99+9ZZ")) == "postcode=ZZ99+9&cut=1"


def test_a_chosen_local_authority_stands_and_an_empty_one_is_filled_in_place(postcode_tables):
    assert postcode_privacy.cut_query(QueryDict(f"postcode=HR3+5AA&la={CARDIFF}")) == (
        f"postcode=HR3+5&la={CARDIFF}&cut=1")
    # As the form sends without script: every field, the empty ones too.
    assert postcode_privacy.cut_query(QueryDict("postcode=HR3+5AA&la=&age=9")) == (
        f"postcode=HR3+5&la={POWYS}&age=9&cut=1")


def test_every_full_postcode_in_the_address_is_cut(postcode_tables):
    # The form reads the last one; none is left in the address.
    assert postcode_privacy.cut_query(QueryDict("postcode=CF10+1EP&postcode=HR3+5AA")) == (
        f"postcode=CF10+1&postcode=HR3+5&la={POWYS}&cut=1")


def test_an_authority_the_search_does_not_offer_is_not_added(postcode_tables):
    PostcodeFactory(postcode="BS1 4DJ", lad_code="E06000023", latitude=51.4545, longitude=-2.5879)  # no sector row

    assert postcode_privacy.cut_query(QueryDict("postcode=BS1+4DJ")) == "postcode=BS1+4&cut=1"


def test_the_scripts_table_gives_the_same_authority_as_the_redirect(postcode_tables):
    generation = version.current_with_generation()[1]
    table = postcode_privacy.units_needing_authority(generation)

    assert table == {"HR3 5": {POWYS: "AA"}, "HR3 6": {POWYS: "AT"}, "SA4 4": {CARMARTHENSHIRE: "ZZ"}}
    for unit in ("CF10 1EP", "HR3 5AA", "HR3 6AT", "SA4 4AA", "SA4 4ZZ"):
        parsed = _unit(unit)
        letters = table.get(parsed.text[:-2], {})
        from_table = next((code for code, runs in letters.items() if parsed.text[-2:] in re.findall("..", runs)), "")
        assert from_table == postcode_privacy.exact_authority(parsed), unit


# --- the search page -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "head"])
def test_a_search_with_a_full_postcode_is_redirected_to_its_sector(client, postcode_tables, method):
    query = "postcode=CF10+1EP&age=9&abuse_form=intra_familial&abuse_form=cse&sort=distance&view=map&page=2"

    response = getattr(client, method)(f"{SEARCH}?{query}")

    assert response.status_code == 302
    assert response["Location"] == (
        f"{SEARCH}?postcode=CF10+1&age=9&abuse_form=intra_familial&abuse_form=cse&sort=distance&view=map&page=2&cut=1")


def test_a_welsh_search_stays_welsh(client, postcode_tables):
    response = client.get("/cy/search/?postcode=HR3+5AA&age=9")

    assert response.status_code == 302
    assert response["Location"] == f"/cy/search/?postcode=HR3+5&age=9&la={POWYS}&cut=1"


def test_the_page_says_it_searched_from_the_sector_and_nowhere_keeps_the_full_postcode(client, postcode_tables):
    ServiceFactory(name="Cardiff service", coverage=[postcode_tables[CARDIFF]])

    response = client.get(SEARCH + "?" + urlencode({"postcode": "cf10 1ep", "age": "9"}), follow=True)

    text = _text(response)
    assert response.status_code == 200
    assert "For a child in <strong>Cardiff</strong>." in text
    assert ("We searched from CF10 1, the first part of the postcode, so the child's full postcode is not kept in "
            "the page address. Distances are from the centre of CF10 1, in a straight line.") in text
    assert 'id="id_postcode" name="postcode" type="text" value="CF10 1"' in text
    assert "The first part is enough, like CF10 1. A full postcode is cut to its first part" in text
    # Sort and map links, the shortlist button's way back, the language switch: all from the sector.
    assert "1EP" not in text.upper()
    assert 'href="?postcode=CF10+1&amp;age=9&amp;cut=1&amp;sort=wait"' in text
    assert 'name="next" value="/search/?postcode=CF10+1&amp;age=9&amp;cut=1"' in text


def test_the_page_says_so_in_welsh(client, postcode_tables):
    ServiceFactory(name="Cardiff service", coverage=[postcode_tables[CARDIFF]])

    text = _text(client.get("/cy/search/?postcode=CF10+1EP&age=9", follow=True))

    assert ("Fe wnaethom chwilio o CF10 1, rhan gyntaf y cod post, felly nid yw cod post llawn y plentyn yn cael ei "
            "gadw yng nghyfeiriad y dudalen.") in text
    assert "Mae&#x27;r rhan gyntaf yn ddigon, er enghraifft CF10 1. Caiff cod post llawn ei dorri" in text


def test_a_split_sectors_search_is_for_the_units_authority_with_nothing_to_correct(client, postcode_tables):
    ServiceFactory(name="Powys service", coverage=[postcode_tables[POWYS]])

    for unit in ("HR3 5AA", "HR3 6AT"):
        text = _text(client.get(SEARCH + "?" + urlencode({"postcode": unit, "age": "9"}), follow=True))

        assert "For a child in <strong>Powys</strong>." in text, unit
        assert "Powys service" in text
        assert "sm-place-note" not in text, unit  # no "part of HR3 5 is in …", no "HR3 6 is in Herefordshire, not Powys"
        assert "outside Wales" not in text
        assert f'value="{POWYS}" selected' in text  # the list shows what the search is for


def test_a_unit_in_the_small_part_of_a_sector_is_searched_for_its_own_authority(client, postcode_tables):
    ServiceFactory(name="Carmarthenshire service", coverage=[postcode_tables[CARMARTHENSHIRE]])
    ServiceFactory(name="Swansea service", coverage=[postcode_tables[SWANSEA]])

    text = _text(client.get(SEARCH + "?postcode=SA4+4ZZ", follow=True))

    assert "For a child in <strong>Carmarthenshire</strong>." in text
    assert "SA4 4 is in Swansea, not" not in text and "sm-place-note" not in text
    assert "Carmarthenshire service" in text and "Swansea service" not in text  # Swansea's, not near by


def test_a_chosen_authority_beside_a_full_postcode_stands_and_the_postcode_elsewhere_is_still_said(
    client, postcode_tables
):
    ServiceFactory(name="Swansea service", coverage=[postcode_tables[SWANSEA]])

    text = _text(client.get(SEARCH + f"?postcode=CF10+1EP&la={SWANSEA}", follow=True))

    assert "For a child in <strong>Swansea</strong>." in text
    assert "CF10 1 is in Cardiff, not Swansea." in text


def test_a_full_postcode_we_cannot_place_is_cut_and_still_said_not_found(client, postcode_tables):
    response = client.get(SEARCH + "?postcode=ZZ99+9ZZ&age=9", follow=True)

    assert response.redirect_chain == [(f"{SEARCH}?postcode=ZZ99+9&age=9&cut=1", 302)]
    assert response.status_code == 400
    assert str(postcodes.UNKNOWN) in response.content.decode().replace("&#x27;", "'")
    assert "9ZZ" not in response.content.decode()


def test_the_flag_says_nothing_beside_a_district_or_a_sector_we_do_not_cut(client, postcode_tables):
    PostcodeDistrict.objects.create(prefix="CF10", latitude=51.47, longitude=-3.17, lad_code=CARDIFF)

    for query in ("postcode=CF10&cut=1", "postcode=CF10+1&cut=yes", "postcode=CF10+1"):
        text = _text(client.get(f"{SEARCH}?{query}"))
        assert "We searched from" not in text, query


def test_a_bad_authority_beside_a_full_postcode_is_kept_for_the_form_to_refuse(client, postcode_tables):
    response = client.get(SEARCH + "?postcode=CF10+1EP&la=W06999999", follow=True)

    assert response.redirect_chain == [(f"{SEARCH}?postcode=CF10+1&la=W06999999&cut=1", 302)]
    assert response.status_code == 400 and str(UNKNOWN_LA) in response.content.decode()


def test_the_full_postcode_reaches_neither_the_cache_nor_the_unmet_count(client, postcode_tables):
    # Nothing covers Cardiff: the search is counted as unmet, once, for the page shown.
    full = SEARCH + "?postcode=CF10+1EP&age=9"
    generation = version.current_with_generation()[1]
    for _ in range(3):
        client.get(full)

    unit_key = search_cache.cache_key(client.get(full).wsgi_request, generation)
    assert search_cache.cache.get(unit_key) is None  # not even the mark of a first ask
    client.get(full, follow=True)
    assert sum(row.count for row in UnmetSearchCount.objects.all()) == 1
    assert [row.lad_code for row in UnmetSearchCount.objects.all()] == [CARDIFF]


def test_the_scripts_table_is_served_to_anyone_and_kept_a_day(client, postcode_tables):
    response = client.get(reverse("directory:postcode_units"))

    assert response.status_code == 200
    assert response.json() == {"sectors": {"HR3 5": {POWYS: "AA"}, "HR3 6": {POWYS: "AT"},
                                           "SA4 4": {CARMARTHENSHIRE: "ZZ"}}}
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    assert not response.cookies
