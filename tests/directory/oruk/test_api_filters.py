"""Standard and extension filters of /services (and /service_at_locations), alone and together."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from directory.models import PostcodeDistrict, Service
from directory.oruk import taxonomy as published
from tests.directory.oruk.conftest import CARDIFF, CARDIFF_AND_VALE_UHB, SWANSEA, WALES
from tests.factories import PostcodeFactory, ServiceFactory

CARDIFF_T, SWANSEA_A, HELPLINE, PAUSED, CLOSED = (
    "Cardiff therapy", "Swansea advocacy", "All-Wales helpline", "HSB service", "Closed parents group"
)
EVERYONE = {CARDIFF_T, SWANSEA_A, HELPLINE, PAUSED, CLOSED}


def _term(key: str, code: str) -> str:
    return str(next(t for t in published.taxonomy_by_key(key).terms if t.code == code).public_id)


@pytest.fixture
def postcodes(db):
    PostcodeFactory(postcode="CF10 1EP", lad_code=CARDIFF)
    PostcodeFactory(postcode="SA1 1DP", latitude=51.62, longitude=-3.94, lad_code=SWANSEA)


def _names(api, **params) -> set[str]:
    response = api("services", per_page=100, **params)
    assert response.status_code == 200, response.json()
    return {item["name"] for item in response.json()["contents"]}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, EVERYONE),
        ({"postcode": "cf101ep"}, {CARDIFF_T, HELPLINE, PAUSED}),  # Cardiff, its health board, Wales
        ({"postcode": "SA1 1DP"}, {SWANSEA_A, HELPLINE}),
        ({"coverage": CARDIFF}, {CARDIFF_T, HELPLINE, PAUSED}),
        ({"coverage": CARDIFF_AND_VALE_UHB}, {PAUSED, HELPLINE}),
        ({"coverage": WALES}, {HELPLINE}),
        ({"age": "5"}, {CARDIFF_T, HELPLINE, PAUSED, CLOSED}),
        ({"age": "12.5"}, {CARDIFF_T, SWANSEA_A, HELPLINE, PAUSED, CLOSED}),
        ({"age": "13"}, {SWANSEA_A, HELPLINE, PAUSED, CLOSED}),
        ({"age": "21"}, {HELPLINE}),
        ({"abuse_form": "cse"}, {SWANSEA_A}),
        ({"abuse_form": "intra_familial"}, {CARDIFF_T, HELPLINE, PAUSED, CLOSED}),
        ({"abuse_form": "intra_familial,online"}, {CARDIFF_T}),
        ({"abuse_form": ["intra_familial", "harmful_sexual_behaviour"]}, {PAUSED}),
        ({"abuse_form": ["intra_familial,online", "intra_familial"]}, {CARDIFF_T}),  # both ways at once
        ({"audience": "sibling"}, {HELPLINE}),
        ({"audience": "parent_carer"}, {CARDIFF_T, CLOSED}),
        ({"disclosure_required": "false"}, EVERYONE - {SWANSEA_A}),
        ({"disclosure_required": "true"}, {SWANSEA_A}),
        ({"welsh": "true"}, {CARDIFF_T}),
        ({"max_wait_weeks": "10"}, {CARDIFF_T, CLOSED}),  # no report yet (helpline): left out
        ({"max_wait_weeks": "0"}, {CLOSED}),
        ({"search": "advocacy"}, {SWANSEA_A}),
        ({"search": "cardiff children"}, {CARDIFF_T}),  # the organisation's name
        ({"modified_after": "2000-01-01"}, EVERYONE),
        ({"postcode": "CF10 1EP", "abuse_form": "intra_familial", "age": "5", "disclosure_required": "false"},
         {CARDIFF_T, HELPLINE, PAUSED}),
        ({"postcode": "CF10 1EP", "abuse_form": "intra_familial", "age": "5", "disclosure_required": "false",
          "welsh": "true"}, {CARDIFF_T}),
        ({"coverage": WALES, "abuse_form": "cse"}, set()),
    ],
)
def test_filters_narrow_the_list_and_combine_with_and(feed, postcodes, api, params, expected):
    assert _names(api, **params) == expected


def test_taxonomy_filters_use_our_terms_and_imported_ones(feed, api):
    assert _names(api, taxonomy_term_id=_term("abuse_forms", "cse")) == {SWANSEA_A}
    assert _names(api, taxonomy_term_id=_term("referral_criteria", "disclosure_not_required")) == EVERYONE - {
        SWANSEA_A
    }
    assert _names(api, taxonomy_term_id=_term("referral_criteria", "proceedings_must_be_finished")) == {SWANSEA_A}
    assert _names(api, taxonomy_term_id=str(feed.imported_term.public_id)) == {CARDIFF_T}
    assert _names(api, taxonomy_term_id=str(feed.imported_term.parent.public_id)) == set()
    assert _names(api, taxonomy_id=str(published.taxonomy_by_key("audiences").public_id)) == EVERYONE
    assert _names(api, taxonomy_id=str(feed.imported_taxonomy.public_id)) == {CARDIFF_T}
    assert _names(api, taxonomy_term_id="00000000-0000-4000-8000-000000000000") == set()
    assert _names(api, taxonomy_term_id=_term("abuse_forms", "cse"), abuse_form="intra_familial") == set()


def test_organization_id_filter(feed, api):
    assert _names(api, organization_id=str(feed.cardiff_therapy.organisation.public_id)) == {CARDIFF_T}
    assert _names(api, organization_id="00000000-0000-4000-8000-000000000000") == set()


def test_modified_after_sees_edits_and_new_waits(feed, api):
    long_ago = timezone.now() - timedelta(days=30)
    Service.objects.update(updated_at=long_ago)
    feed.wales_helpline.waiting_times.all().delete()
    Service.objects.filter(pk=feed.swansea_advocacy.pk).update(updated_at=timezone.now())
    feed.wales_helpline.waiting_times.create(weeks=1, as_of=date.today())
    since = (timezone.now() - timedelta(days=1)).isoformat()
    # Other services' reports were recorded when the fixture ran (now), so compare with their waits removed.
    for service in (feed.cardiff_therapy, feed.paused_hsb, feed.closed_group):
        service.waiting_times.update(recorded_at=long_ago)
    assert _names(api, modified_after=since) == {SWANSEA_A, HELPLINE}
    # An offset sent without URL-encoding arrives with a space for its "+": still understood.
    assert _names(api, modified_after="2000-01-01T00:00:00 01:00") == EVERYONE


def test_service_at_locations_take_the_same_filters(feed, postcodes, api):
    body = api("service_at_locations", postcode="CF10 1EP").json()
    assert body["total_items"] == 2
    assert api("service_at_locations", abuse_form="cse").json()["total_items"] == 0


def test_paging_walks_every_service_once(feed, api):
    seen = []
    for page in (1, 2, 3):
        body = api("services", per_page=2, page=page).json()
        assert (body["page_number"], body["total_pages"], body["total_items"]) == (page, 3, 5)
        assert body["first_page"] is (page == 1) and body["last_page"] is (page == 3)
        seen += [item["id"] for item in body["contents"]]
    assert len(seen) == len(set(seen)) == 5
    past_the_end = api("services", per_page=2, page=4).json()
    assert past_the_end["empty"] is True and past_the_end["contents"] == []


def test_taxonomy_lists_page_across_ours_and_imported(feed, api):
    ours = len(published.published_taxonomies())
    everything = [item["id"] for item in api("taxonomies", per_page=100).json()["contents"]]
    paged = []
    for page in range(1, ours + 2):
        paged += [item["id"] for item in api("taxonomies", per_page=1, page=page).json()["contents"]]
    assert paged == everything and len(everything) == ours + 1
    terms = api("taxonomy_terms", taxonomy_id=str(feed.imported_taxonomy.public_id)).json()
    assert {t["name"] for t in terms["contents"]} == {"Counselling", "Support"}
    children = api("taxonomy_terms", parent_id=str(feed.imported_term.parent.public_id)).json()
    assert [t["name"] for t in children["contents"]] == ["Counselling"]
    top = api("taxonomy_terms", top_only="true", search="counselling").json()
    assert [t["name"] for t in top["contents"]] == ["Therapeutic support / counselling"]  # ours; not the child
    abuse = api("taxonomy_terms", taxonomy_id=str(published.taxonomy_by_key("abuse_forms").public_id)).json()
    assert abuse["total_items"] == 5


POWYS, HEREFORDSHIRE, TORFAEN, MONMOUTHSHIRE = "W06000023", "E06000019", "W06000020", "W06000021"


@pytest.mark.parametrize(
    ("district", "main", "share", "units", "covering", "elsewhere"),
    [
        # HR3: half Herefordshire, half Powys. Only the main (English) authority was asked: no service at all.
        ("HR3", HEREFORDSHIRE, 0.52, {"HR3 5AA": POWYS, "HR3 6AA": HEREFORDSHIRE}, POWYS, MONMOUTHSHIRE),
        # NP4: mostly Torfaen, partly Monmouthshire: the Monmouthshire services were left out.
        ("NP4", TORFAEN, 0.93, {"NP4 1AA": TORFAEN, "NP4 7AA": MONMOUTHSHIRE}, MONMOUTHSHIRE, POWYS),
    ],
)
def test_a_part_postcode_split_between_authorities_finds_the_services_of_each(
    wales_areas, api, district, main, share, units, covering, elsewhere
):
    PostcodeDistrict.objects.create(prefix=district, latitude=52.0, longitude=-3.0, lad_code=main, lad_share=share)
    for unit, lad in units.items():
        PostcodeFactory(postcode=unit, lad_code=lad)
    ServiceFactory(name="Covers the other part", coverage=[wales_areas[covering]])
    ServiceFactory(name="Covers neither", coverage=[wales_areas[elsewhere]])

    assert _names(api, postcode=district) >= {"Covers the other part"}
    assert "Covers neither" not in _names(api, postcode=district)
    # A full postcode is in one authority: only its own.
    other_unit = next(u for u, lad in units.items() if lad != covering)
    assert "Covers the other part" not in _names(api, postcode=other_unit)


@pytest.mark.parametrize(("postcode", "place"), [
    ("BT1 1AA", "Northern Ireland"), ("bt7", "Northern Ireland"), ("IM2 4", "the Isle of Man"),
    ("JE2 3AB", "Jersey"), ("GY1 1AA", "Guernsey"),
])
def test_a_postcode_outside_great_britain_is_refused_saying_where_it_is(feed, api, postcode, place):
    # "We could not find the postcode 'BT1 1AA'" had the client check a right postcode. No search can start
    # from it (the tables are Great Britain's): a 400, as any postcode the API cannot place, saying why.
    response = api("services", postcode=postcode)

    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == "postcode"
    assert body["detail"].startswith(f"The postcode '{postcode.upper()}' is in {place}, which this directory does not "
                                     "cover: it lists services in Wales")
    assert "coverage=W06000015 (Cardiff)" in body["detail"]  # what to ask instead
    assert api("service_at_locations", postcode=postcode).json()["detail"] == body["detail"]


def test_an_english_postcode_is_placed_and_answered_with_the_services_covering_it(feed, api):
    # Unlike Northern Ireland's, England's postcodes are in the tables: placed in their local authority,
    # which no Welsh service covers, they are a 200 with none (the search page shows its warning).
    PostcodeDistrict.objects.create(prefix="BS1 4", latitude=51.45, longitude=-2.59, lad_code="E06000023")

    assert _names(api, postcode="BS1 4AA") == set()
    assert api("services", postcode="ZZ99 9ZZ").json()["detail"] == "We could not find the postcode 'ZZ99 9ZZ'"
