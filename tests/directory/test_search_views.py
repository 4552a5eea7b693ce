from __future__ import annotations

import json
import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from directory import postcodes, selectors
from directory.forms import AGE_IN_MONTHS, AGE_INVALID, AGE_RANGE, NO_LOCATION, QUERY_TOO_LONG
from directory.models import WALES_CODE, Area, PostcodeDistrict
from directory.selectors import PAGE_SIZE
from tests.factories import (
    AreaFactory,
    HiddenLocationFactory,
    LocationFactory,
    PostcodeFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    WaitingTimeReportFactory,
)

CARDIFF, SWANSEA = "W06000015", "W06000011"
SEARCH = reverse("directory:search")


@pytest.fixture
def cardiff_postcode(db):
    # A search from a full postcode goes to its sector (test_postcode_privacy.py): the sector's row too.
    PostcodeDistrict.objects.create(prefix="CF10 1", latitude=51.4797, longitude=-3.1781, lad_code=CARDIFF)
    return PostcodeFactory(postcode="CF10 1EP", latitude=51.4816, longitude=-3.1791, lad_code=CARDIFF)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _escaped(message) -> str:
    return str(escape(str(message)))


def test_the_empty_search_page_shows_the_form_and_no_results(client, wales_areas):
    response = client.get(SEARCH)

    assert response.status_code == 200
    assert 'name="postcode"' in response.content.decode()
    assert "services found" not in _text(response)


@pytest.mark.parametrize(("prefix", "all_wales", "near_by"), [("", "all-Wales", "near by"),
                                                            ("/cy", "Cymru gyfan", "gerllaw")])
def test_the_search_pages_introduction_gives_the_groups_in_the_results_order(client, wales_areas, prefix, all_wales,
                                                                             near_by):
    intro = re.search(r'<p class="govuk-body-l">(.*?)</p>', _text(client.get(prefix + SEARCH)))[1]

    assert intro.index(all_wales) < intro.index(near_by)


def test_the_example_link_from_the_issue_finds_local_all_wales_and_near_by_services(
    client, wales_areas, cardiff_postcode
):
    ServiceFactory(name="Cardiff families", coverage=[wales_areas[CARDIFF]], supports_parent_carer=True)
    near = ServiceFactory(name="Swansea group", coverage=[wales_areas[SWANSEA]], supports_parent_carer=True)
    ServiceAtLocationFactory(service=near, location__latitude=51.59, location__longitude=-3.0)
    ServiceFactory(name="All-Wales line", coverage=[wales_areas[WALES_CODE]], supports_parent_carer=True)

    response = client.get(SEARCH + "?postcode=CF10+1&age=9&abuse_form=intra_familial&audience=parent_carer")

    text = _text(response)
    assert response.status_code == 200
    assert "3 services found" in text
    assert text.index("Cardiff families") < text.index("All-Wales line") < text.index("Swansea group")
    assert "Does not take referrals from Cardiff" in text
    assert re.search(r"\d+\.\d km", text)
    assert "All-Wales service" in text
    # What the user typed is kept in the form.
    assert 'value="CF10 1"' in text and 'value="9"' in text
    assert re.search(r'value="intra_familial" checked', text)


def _page(response) -> list[str]:
    """A results page as it reads: each group heading (#group-…) and each result's name, in order."""
    found = re.findall(r'sm-group-heading" id="group-([a-z-]+)"|id="service-[^"]+-name" href="[^"]+"(?: lang="en")?>([^<]+)</a>',
                       response.content.decode())
    return [f"#group-{heading}" if heading else name for heading, name in found]


@pytest.mark.parametrize("sort", ["best", "wait", "distance"])
def test_every_service_that_takes_the_referral_comes_before_any_near_by_one_on_every_page_and_sort(
    client, wales_areas, cardiff_postcode, sort
):
    """Covering services, then all-Wales services and helplines (they take the referral too), then
    those based near by that do not cover the area. The near-by ones have the shortest waits and are
    the nearest, so no sort may lift them; the all-Wales ones run over onto page 2, before them."""
    for i in range(18):
        ServiceFactory(name=f"Local {i:02d}", coverage=[wales_areas[CARDIFF]], wait_weeks=20 + i)
    for i in range(3):
        ServiceFactory(name=f"All-Wales {i}", coverage=[wales_areas[WALES_CODE]], wait_weeks=10 + i)
    ServiceFactory(name="Helpline", kind_helpline=True, wait_weeks=10)  # lists no area: national
    for i in range(5):
        near = ServiceFactory(name=f"Near {i}", coverage=[wales_areas[SWANSEA]], wait_weeks=0)
        ServiceAtLocationFactory(service=near, location__organisation=near.organisation,
                                 location__latitude=51.482 + i / 1000, location__longitude=-3.18)
    url = SEARCH + f"?postcode=CF10+1&sort={sort}"

    first, second = _page(client.get(url)), _page(client.get(url + "&page=2"))

    assert len(first) == PAGE_SIZE + 2 and len(second) == 7 + 2  # 20 results and 2 headings; 7 and 2
    assert first[0] == "#group-local" and sorted(first[1:19]) == [f"Local {i:02d}" for i in range(18)]
    assert first[19] == "#group-all-wales" and second[0] == "#group-all-wales"  # said again atop page 2
    assert sorted(first[20:] + second[1:3]) == ["All-Wales 0", "All-Wales 1", "All-Wales 2", "Helpline"]
    assert second[3] == "#group-nearby" and sorted(second[4:]) == [f"Near {i}" for i in range(5)]
    counts = _text(client.get(url + "&page=2"))
    assert re.search(r'page=1#group-local">18 take referrals from Cardiff</a>.*'
                     r'page=1#group-all-wales">4 all-Wales services and helplines</a>.*'
                     r'page=2#group-nearby">5 near by \(within 40 km\) but not covering it</a>', counts)


@pytest.mark.parametrize(("prefix", "none_local"), [
    ("", "No local service takes referrals from Cardiff"),
    ("/cy", "Nid oes gwasanaeth lleol yn derbyn atgyfeiriadau o ardal Caerdydd"),
])
def test_with_nothing_covering_the_area_the_all_wales_services_come_first_and_the_count_says_none_is_local(
    client, wales_areas, cardiff_postcode, prefix, none_local
):
    """Not "0 take referrals from Cardiff" above all-Wales services that do, then near-by ones first."""
    near = ServiceFactory(name="Near", coverage=[wales_areas[SWANSEA]])
    ServiceAtLocationFactory(service=near, location__organisation=near.organisation,
                             location__latitude=51.49, location__longitude=-3.18)
    ServiceFactory(name="Wales", coverage=[wales_areas[WALES_CODE]])

    response = client.get(prefix + SEARCH + "?postcode=CF10+1")

    counts = re.search(r'<ul class="govuk-list sm-group-counts">(.*?)</ul>', response.content.decode(), re.S)[1]
    assert re.findall(r"<li>(.*?)</li>", counts)[0] == none_local  # first, and no link: there is no such group
    assert _page(response) == ["#group-all-wales", "Wales", "#group-nearby", "Near"]


BAD_INPUT = [
    ("age=-3&la=" + CARDIFF, 400, AGE_RANGE),
    ("age=abc&la=" + CARDIFF, 400, AGE_INVALID),
    ("age=200&la=" + CARDIFF, 400, AGE_RANGE),
    ("age=25.5&la=" + CARDIFF, 400, AGE_RANGE),
    ("age=NaN&la=" + CARDIFF, 400, AGE_INVALID),
    ("age=6+months&la=" + CARDIFF, 400, AGE_IN_MONTHS),
    ("abuse_form=ritual&la=" + CARDIFF, 400, "“ritual” is not one of the options"),
    ("audience=cousin&la=" + CARDIFF, 400, "“cousin” is not one of the options"),
    ("sort=random&la=" + CARDIFF, 400, "“random” is not one of the options"),
    ("referrer=judge&la=" + CARDIFF, 400, "“judge” is not one of the options"),
    ("max_wait=-1&la=" + CARDIFF, 400, "between 0 and 520 weeks"),
    ("max_wait=soon&la=" + CARDIFF, 400, "whole number of weeks"),
    ("la=W06999999", 400, "Choose a local authority from the list"),
    ("postcode=XX", 400, postcodes.NOT_A_POSTCODE),
    ("postcode=XX99+99", 400, postcodes.MALFORMED),
    ("postcode=<script>alert(1)</script>", 400, postcodes.MALFORMED),
    ("postcode=CF10+9", 400, postcodes.UNKNOWN),
    ("postcode=BT1+1", 400, postcodes.OUTSIDE_GREAT_BRITAIN["BT"]),
    ("postcode=im1", 400, postcodes.OUTSIDE_GREAT_BRITAIN["IM"]),
    ("postcode=JE2+3", 400, postcodes.OUTSIDE_GREAT_BRITAIN["JE"]),
    ("postcode=GY9+3", 400, postcodes.OUTSIDE_GREAT_BRITAIN["GY"]),
    ("age=9", 400, NO_LOCATION),
    ("postcode=CF10+1&page=999999", 200, "There is only 1 page of results"),
    ("postcode=CF10+1&page=abc", 200, "showing the first page"),
    ("postcode=CF10+1&page=0", 200, "showing the first page"),
    ("postcode=CF10+1&view=nonsense", 200, "1 service found"),
    ("postcode=" + "A" * 10_000, 400, QUERY_TOO_LONG),
    ("&".join(f"abuse_form=x{i}" for i in range(900)), 400, QUERY_TOO_LONG),
    ("x=" + "%00" * 3000, 400, QUERY_TOO_LONG),
]


@pytest.fixture
def cardiff_only(db):
    """Just Cardiff (the matrix below needs no boards or regions): cheaper than all of Wales."""
    return AreaFactory(code=CARDIFF, name="Cardiff", latitude=51.4816, longitude=-3.1791)


@pytest.mark.parametrize(("query", "status", "message"), BAD_INPUT)
def test_bad_input_gets_a_clear_message_and_never_a_500(client, cardiff_only, cardiff_postcode, query, status, message):
    ServiceFactory(coverage=[cardiff_only])

    response = client.get(f"{SEARCH}?{query}")

    assert response.status_code == status
    assert _escaped(message) in response.content.decode()


def test_errors_are_summarised_with_links_to_their_fields(client, wales_areas):
    response = client.get(SEARCH + "?age=abc&abuse_form=ritual")

    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert '<a href="#id_age">' in html
    assert '<a href="#id_abuse_form_0">' in html
    assert '<a href="#id_postcode">' in html
    assert 'id="id_age-error"' in html
    assert "<title>Error:" in html
    assert 'value="abc"' in html  # what was typed stays in the box


def _error_parts(html: str) -> dict:
    return {
        "summary": re.findall(r'<li><a href="#([^"]+)">([^<]*)</a></li>', html),
        "postcode": re.findall(r'<p id="id_postcode-error" class="govuk-error-message">'
                               r'<span class="govuk-visually-hidden">[^<]*</span> ([^<]*)</p>', html),
        "postcode_described": re.search(r'<input[^>]* id="id_postcode"[^>]*aria-describedby="([^"]*)"', html)[1],
        "la_described": re.search(r'<select [^>]*id="id_la"[^>]*?(?: aria-describedby="([^"]*)")?>', html)[1],
    }


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize(("postcode", "area"), [("BT1 1AA", "BT"), ("IM2", "IM"), ("JE2 3", "JE"), ("GY1 1", "GY")])
def test_a_postcode_from_outside_great_britain_says_where_it_is_on_the_postcode_box(
    client, wales_areas, language, postcode, area,
):
    # It was "We could not find that postcode. Check it": a right postcode, which no search can start
    # from (the postcode tables are Great Britain's). The message says why, and links to the box.
    prefix = "/cy" if language == "cy" else ""
    response = client.get(prefix + SEARCH + "?" + urlencode({"postcode": postcode}), follow=True)  # a full one is cut

    assert response.status_code == 400
    with translation.override(language):
        message = str(postcodes.OUTSIDE_GREAT_BRITAIN[area])
    parts = _error_parts(unescape(response.content.decode()))
    assert parts["summary"] == [("id_postcode", message)]
    assert parts["postcode"] == [message] and "id_postcode-error" in parts["postcode_described"].split()
    assert parts["la_described"] is None  # the list is not what this message sends them to
    assert ("yng Ngogledd Iwerddon" in message) == (language == "cy" and area == "BT")  # in Welsh


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_postcode_not_found_links_to_the_list_it_offers_which_says_why(client, wales_areas, language):
    # The summary's link lands on the local authority list (the message offers it instead): a screen
    # reader landing there heard only "Or choose their local authority", not why it was there.
    prefix = "/cy" if language == "cy" else ""
    response = client.get(prefix + SEARCH + "?postcode=CF10+9ZZ", follow=True)  # cut to its sector

    assert response.status_code == 400
    with translation.override(language):
        message = str(postcodes.UNKNOWN)
    parts = _error_parts(unescape(response.content.decode()))
    assert parts["summary"] == [("id_la", message)]
    assert parts["postcode"] == [message]  # shown at the postcode box, where the mistake may be
    assert parts["la_described"] == "id_postcode-error"  # and read out at the list


def test_a_postcode_from_outside_great_britain_with_an_authority_chosen_still_searches(client, wales_areas):
    # The chosen authority decides whose referrals count, as for any postcode not found.
    ServiceFactory(name="Cardiff service", coverage=[wales_areas[CARDIFF]])

    response = client.get(SEARCH + "?postcode=BT1+1&la=" + CARDIFF)

    assert response.status_code == 200 and "Cardiff service" in _text(response)


@pytest.mark.parametrize("typed", ["CF10    1EP", " cf10 1ep. ", "CF10-1EP", "cf101ep"])
def test_a_postcode_with_stray_spaces_or_punctuation_is_found(client, wales_areas, cardiff_postcode, typed):
    ServiceFactory(name="Cardiff service", coverage=[wales_areas[CARDIFF]])

    response = client.get(SEARCH + "?" + urlencode({"postcode": typed}), follow=True)

    assert response.redirect_chain == [(SEARCH + "?postcode=CF10+1&cut=1", 302)]  # cut, as typed in any way
    assert "Cardiff service" in _text(response) and "We searched from CF10 1" in _text(response)


# A place's name typed in the postcode box, as a social worker who does not have the postcode does:
# every one was "That does not look like a UK postcode", with nothing said of the list of local
# authorities beside it.
@pytest.mark.parametrize(("prefix", "typed", "code", "name"), [
    ("", "Cardiff", CARDIFF, "Cardiff"),
    ("", " swansea ", SWANSEA, "Swansea"),
    ("/cy", "Caerdydd", CARDIFF, "Caerdydd"),
    ("", "Ynys Mon", "W06000001", "Isle of Anglesey"),  # the accent left out, as on most keyboards
    ("/cy", "rhondda cynon taf", "W06000016", "Rhondda Cynon Taf"),
    # The longest name, Welsh, 24 characters: past the box's old 20 it was "does not look like a UK postcode".
    ("/cy", "Castell-nedd Port Talbot", "W06000012", "Castell-nedd Port Talbot"),
    ("", "Cardiff", "", "Cardiff"),  # ... and with an empty list sent (the form without script)
])
def test_a_local_authoritys_name_typed_for_the_postcode_searches_that_authority(
    client, wales_areas, prefix, typed, code, name
):
    ServiceFactory(name="Local service", coverage=[wales_areas[code or CARDIFF]])
    query = {"postcode": typed} | ({"la": ""} if not code else {})

    response = client.get(prefix + SEARCH + "?" + urlencode(query))

    assert response.status_code == 200
    assert f"<strong>{name}</strong>" in _text(response) and "Local service" in _text(response)


@pytest.mark.parametrize(("prefix", "typed"), [("", "Bangor"), ("/cy", "Aberystwyth"), ("", "Cardiff Bay")])
def test_a_place_name_that_is_not_a_local_authority_says_to_enter_a_postcode_or_choose_from_the_list(
    client, wales_areas, prefix, typed
):
    response = client.get(prefix + SEARCH + "?" + urlencode({"postcode": typed}))

    assert response.status_code == 400
    with translation.override("cy" if prefix else "en"):
        message = str(postcodes.NOT_A_POSTCODE)
    parts = _error_parts(unescape(response.content.decode()))
    assert parts["summary"] == [("id_postcode", message)] and parts["postcode"] == [message]


def test_a_local_authoritys_name_beside_another_authority_chosen_is_not_guessed_between(client, wales_areas):
    response = client.get(SEARCH + "?" + urlencode({"postcode": "Cardiff", "la": SWANSEA}))

    assert response.status_code == 400
    assert _escaped(postcodes.NOT_A_POSTCODE) in response.content.decode()


def test_a_district_postcode_works(client, wales_areas, db):
    PostcodeDistrict.objects.create(prefix="CF10", latitude=51.47, longitude=-3.17, lad_code=CARDIFF)
    ServiceFactory(name="Cardiff service", coverage=[wales_areas[CARDIFF]])

    response = client.get(SEARCH + "?postcode=cf10")

    assert response.status_code == 200
    assert "Cardiff service" in _text(response)


def test_it_says_which_criteria_emptied_the_list(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[CARDIFF]], age_min=12, welsh_available=True)
    ServiceFactory(coverage=[wales_areas[CARDIFF]], welsh_available=False)

    response = client.get(SEARCH + f"?la={CARDIFF}&age=9&welsh=1")

    text = _text(response)
    assert response.status_code == 200
    assert "No service meets all your criteria" in text
    assert "outside the service&#x27;s age range</strong>: 1 service" in text
    assert "No support in Welsh</strong>: 1 service" in text


@pytest.mark.parametrize(("prefix", "advice"), [
    ("", "A service left out by one criterion alone may still be able to help: ask it. Or ask your "
         "safeguarding board what support there is."),
    ("/cy", "Efallai y gall gwasanaeth a adawyd allan gan un maen prawf yn unig helpu o hyd: gofynnwch iddo. "
            "Neu holwch eich bwrdd diogelu pa gymorth sydd ar gael."),
])
def test_a_list_emptied_by_the_criteria_says_what_to_do_next(client, wales_areas, prefix, advice):
    """It listed the criteria that left each service out and stopped there, with no next step: the
    list emptied by there being no service at all said whom to ask."""
    ServiceFactory(coverage=[wales_areas[CARDIFF]], age_min=12)

    html = unescape(client.get(f"{prefix}{SEARCH}?la={CARDIFF}&age=9").content.decode())

    empty = re.search(r'<div class="govuk-inset-text sm-empty">(.*?)</div>', html, re.S)[1]
    assert f'<p class="govuk-body">{advice}</p>' in empty


def test_a_wait_older_than_six_weeks_may_be_out_of_date_and_an_old_listing_is_flagged(client, wales_areas):
    service = ServiceFactory(name="Old news", coverage=[wales_areas[CARDIFF]], last_confirmed_at=None)
    WaitingTimeReportFactory(service=service, weeks=6, as_of=date.today() - timedelta(days=50))

    text = _text(client.get(SEARCH + f"?la={CARDIFF}"))

    assert "6 weeks, as of" in text
    assert "reported 50 days ago" in text
    assert "may be out of date" in text
    assert "Never confirmed by the service" in text


def test_results_are_paginated_and_the_last_page_is_shown_for_a_page_too_far(client, wales_areas):
    for i in range(PAGE_SIZE + 3):
        ServiceFactory(name=f"Service {i:02d}", coverage=[wales_areas[CARDIFF]])

    first = _text(client.get(SEARCH + f"?la={CARDIFF}&sort=distance"))
    last = client.get(SEARCH + f"?la={CARDIFF}&sort=distance&page=999999")

    assert first.count('class="sm-result"') == PAGE_SIZE
    assert last.status_code == 200
    assert _text(last).count('class="sm-result"') == 3
    assert "There are only 2 pages of results; showing the last one." in _text(last)
    assert "page=2" in first
    # The map shows every result, not a page: a page number left in its link has nothing to say.
    as_map = _text(client.get(SEARCH + f"?la={CARDIFF}&sort=distance&page=999999&view=map"))
    assert "23 services found" in as_map and "There are only" not in as_map


@pytest.mark.parametrize(("prefix", "titles"), [
    ("", ["23 services found for a child in Cardiff (page 1 of 2)",
          "23 services found for a child in Cardiff (page 2 of 2)",
          "23 services found for a child in Cardiff, on a map"]),
    ("/cy", ["Cafwyd 23 gwasanaeth ar gyfer plentyn yn ardal Caerdydd (tudalen 1 o 2)",
             "Cafwyd 23 gwasanaeth ar gyfer plentyn yn ardal Caerdydd (tudalen 2 o 2)",
             "Cafwyd 23 gwasanaeth ar gyfer plentyn yn ardal Caerdydd, ar fap"]),
])
def test_the_page_title_gives_the_number_found_and_the_page_of_pages(client, wales_areas, prefix, titles):
    """The title is what a screen reader says first as the results open: it said "Support for a child
    in Cardiff" for any number found, page 1 as page 2 (and the h1 is the search page's own); and the map
    of the same results, reached by the "Map" link, as the list, so nothing said that the page had changed."""
    for i in range(PAGE_SIZE + 3):
        ServiceFactory(name=f"Service {i:02d}", coverage=[wales_areas[CARDIFF]])
    query = f"{prefix}{SEARCH}?la={CARDIFF}&sort=distance"

    said = [re.search(r"<title>(.*?) – servicemap</title>", client.get(query + extra).content.decode())[1]
            for extra in ("", "&page=2", "&view=map")]

    assert said == titles
    none = client.get(f"{prefix}{SEARCH}?la={CARDIFF}&age=25").content.decode()
    assert re.search(r"<title>(.*?) – servicemap</title>", none)[1] == (
        "Cafwyd 0 gwasanaeth ar gyfer plentyn yn ardal Caerdydd" if prefix else "0 services found for a child in Cardiff"
    )


def test_many_pages_link_the_first_last_and_neighbouring_pages_with_ellipses(client, wales_areas, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)  # 7 pages from 13 services
    for i in range(13):
        ServiceFactory(name=f"Service {i:02d}", coverage=[wales_areas[CARDIFF]])

    html = client.get(SEARCH + f"?la={CARDIFF}&sort=distance&page=4").content.decode()
    pages = re.findall(r'aria-label="Page (\d+)"', html)

    assert pages == ["1", "2", "3", "4", "5", "6", "7"]
    html = client.get(SEARCH + f"?la={CARDIFF}&sort=distance&page=1").content.decode()
    assert re.findall(r'aria-label="Page (\d+)"', html) == ["1", "2", "7"]
    assert html.count("govuk-pagination__item--ellipses") == 1
    assert 'aria-current="page">1<' in html


def test_the_map_view_draws_published_locations_only_and_outlines_the_area(client, wales_areas):
    service = ServiceFactory(name="Mapped", coverage=[wales_areas[CARDIFF]])
    ServiceAtLocationFactory(service=service, location=LocationFactory(
        organisation=service.organisation, latitude=51.481123, longitude=-3.171123))
    ServiceAtLocationFactory(service=service, location=HiddenLocationFactory(
        organisation=service.organisation, latitude=51.499987, longitude=-3.199987))

    response = client.get(SEARCH + f"?la={CARDIFF}&view=map")

    html = response.content.decode()
    assert response.status_code == 200
    assert "51.481123" in html
    assert "51.499987" not in html and "3.199987" not in html
    assert '"lad_code": "W06000015"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "unpkg" not in html and "cdn." not in html


@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_the_map_key_lists_the_groups_in_the_lists_order_each_beside_its_markers_shape(
    client, wales_areas, cardiff_postcode, prefix
):
    """The key beside the map names the groups in the list's order (covering, all-Wales, near by),
    each swatch the shape of that group's markers (the same class), whose spoken names say the same
    group in the same words; the markers come in that order too (their tab order)."""
    for name, area in (("Near", wales_areas[SWANSEA]), ("Wales", wales_areas[WALES_CODE]),
                       ("Local", wales_areas[CARDIFF])):
        service = ServiceFactory(name=name, coverage=[area])
        ServiceAtLocationFactory(service=service, location__organisation=service.organisation,
                                 location__latitude=51.49, location__longitude=-3.18)

    html = client.get(prefix + SEARCH + "?postcode=CF10+1&view=map").content.decode()

    key = re.findall(r'<li><span class="sm-key sm-key--([a-z-]+)" aria-hidden="true"></span> ([^<\n]+)</li>', html)
    assert [group for group, _label in key] == ["local", "all-wales", "nearby"]
    icons = [json.loads(found) for found in re.findall(r'"html": ("(?:[^"\\]|\\.)*")', html)]
    # On a Welsh page each name (these have no Welsh one) is marked as English.
    markers = [re.fullmatch(r'<span class="sm-pin sm-pin--([a-z-]+)"></span>'
                            r'<span class="govuk-visually-hidden">((?:<span lang="en">)?(\w+)(?:</span>)?, .*)</span>',
                            icon).groups() for icon in icons]
    assert all(spoken.startswith(f'<span lang="en">{name}</span>') == (prefix == "/cy") for _g, spoken, name in markers)
    said = dict(key)
    assert [(name, group) for group, _spoken, name in markers] == [("Local", "local"), ("Wales", "all-wales"),
                                                                   ("Near", "nearby")]
    assert all(f", {unescape(said[group])}, " in spoken for group, spoken, _name in markers), (markers, key)



@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_the_map_view_says_what_its_map_shows_and_its_key_before_the_map_and_lists_its_places_after_it(
    client, wales_areas, cardiff_postcode, prefix
):
    """The note and the key were one paragraph after the map's list of places ("… Cardiff is
    outlined. takes referrals from the area all-Wales near by, not covering it", the swatches
    empty spans), 40 places down on a Cardiff search. The note is its own paragraph and the key a
    list named "Key", each swatch hidden and its words the item's text; both come before the skip
    link and the map, and the list of places straight after the map."""
    for name, area in (("Near", wales_areas[SWANSEA]), ("Local", wales_areas[CARDIFF])):
        service = ServiceFactory(name=name, coverage=[area])
        ServiceAtLocationFactory(service=service, location__organisation=service.organisation,
                                 location__latitude=51.49, location__longitude=-3.18)

    html = client.get(prefix + SEARCH + "?postcode=CF10+1&view=map").content.decode()

    with translation.override(prefix.strip("/") or "en"):
        note = translation.ngettext("The map shows the one service found. %(area)s is outlined.",
                                    "The map shows all %(counter)s services found. %(area)s is outlined.", 2) % {
            "counter": 2, "area": {"": "Cardiff", "/cy": "Caerdydd"}[prefix]}
        # The key names the two groups the map draws, not "all-Wales": no service for all of Wales is on it.
        words = [translation.gettext(text) for text in ("takes referrals from the area", "near by, not covering it")]
        key = translation.gettext("Key")
    note_at = html.index(f'<div class="sm-map-note">\n    <p class="govuk-body-s govuk-!-margin-bottom-1">'
                         f"{note}</p>\n")  # the catalogue's words, not escaped
    key_at = html.index(f'id="map-key">{key}</p>\n    <ul class="govuk-list govuk-body-s sm-map-key" '
                        'aria-labelledby="map-key">')
    items = re.findall(r'<li><span class="sm-key sm-key--[a-z-]+" aria-hidden="true"></span> ([^<]+)</li>',
                       html[key_at:html.index("</ul>", key_at)])
    assert [unescape(item) for item in items] == words
    assert note_at < key_at < html.index('href="#map-places"') < html.index('class="sm-map"') < html.index(
        'id="map-places"')
    assert "sm-map-note" not in html[html.index('class="sm-map"'):]  # nothing of it after the map


@pytest.mark.parametrize("count", [2, 30])
def test_the_search_page_query_count_is_flat(client, wales_areas, cardiff_postcode, django_assert_max_num_queries, count):
    for i in range(count):
        service = ServiceFactory(coverage=[wales_areas[CARDIFF]], wait_weeks=i % 5)
        ServiceAtLocationFactory(service=service, location__latitude=51.48, location__longitude=-3.18)
    client.get(SEARCH)  # the session and its cookie exist before we count

    # The same thirteen however many results (the search, the session, the new cards stored: a
    # savepoint around one insert; and once per directory version in each process, whether sample
    # data is loaded).
    with django_assert_max_num_queries(13):
        response = client.get(SEARCH + "?postcode=CF10+1&age=9&abuse_form=intra_familial")

    assert response.status_code == 200


def test_a_search_is_not_stored_anywhere(client, wales_areas, cardiff_postcode):
    client.get(SEARCH + "?" + urlencode({"postcode": "CF10 1EP", "age": "9"}), follow=True)

    assert dict(client.session) == {}


def test_a_chosen_local_authority_decides_coverage_and_the_postcode_gives_distances(
    client, wales_areas, cardiff_postcode
):
    ServiceFactory(name="Swansea service", coverage=[wales_areas[SWANSEA]])
    ServiceFactory(name="Cardiff service", coverage=[wales_areas[CARDIFF]])

    text = _text(client.get(SEARCH + f"?postcode=CF10+1&la={SWANSEA}"))

    assert "For a child in <strong>Swansea</strong>" in text
    assert "Distances from CF10 1," in text
    assert "Swansea service" in text and "Cardiff service" not in text


def test_a_chosen_local_authority_that_is_not_the_postcodes_is_said_with_a_way_to_search_the_postcodes(
    client, wales_areas, cardiff_postcode
):
    ServiceFactory(name="Swansea service", coverage=[wales_areas[SWANSEA]])
    ServiceFactory(name="Cardiff service", coverage=[wales_areas[CARDIFF]])

    text = _text(client.get(SEARCH + f"?postcode=CF10+1&la={SWANSEA}&age=9&page=1"))

    assert "CF10 1 is in Cardiff, not Swansea. These results are for a child in Swansea" in text
    assert 'href="?postcode=CF10+1&amp;age=9">Search for a child in Cardiff instead</a>' in text
    again = _text(client.get(SEARCH + "?postcode=CF10+1&age=9"))
    assert "Cardiff service" in again and "is in Cardiff, not" not in again
    same = _text(client.get(SEARCH + f"?postcode=CF10+1&la={CARDIFF}"))
    assert "sm-place-note" not in same  # the postcode is in the authority chosen: nothing to say


def test_in_welsh_the_postcodes_other_authority_is_named_as_an_area_not_after_a_bare_yn(
    client, wales_areas, cardiff_postcode
):
    """A place name after "yn" mutates ("yng Nghaerdydd"), so "Mae CF10 1 yn Caerdydd" was wrong Welsh.
    The note says "yn ardal Caerdydd", as every other place on the page does."""
    ServiceFactory(name="Swansea service", coverage=[wales_areas[SWANSEA]])

    text = unescape(_text(client.get("/cy" + SEARCH + f"?postcode=CF10+1&la={SWANSEA}")))

    said = "Mae CF10 1 yn ardal Caerdydd, nid ardal Abertawe. Mae'r canlyniadau hyn ar gyfer plentyn yn ardal Abertawe"
    assert said in text


def test_an_unknown_postcode_can_be_searched_with_a_chosen_local_authority_and_is_said_not_found(
    client, wales_areas
):
    ServiceFactory(name="Cardiff service", coverage=[wales_areas[CARDIFF]])

    response = client.get(SEARCH + f"?postcode=zz99+9&la={CARDIFF}")

    text = _text(response)
    assert response.status_code == 200
    assert "Cardiff service" in text
    assert "We could not find the postcode ZZ99 9: distances are from the centre of the local authority." in text
    assert "add a postcode for distances from home" not in text  # one was added
    assert 'value="zz99 9"' in text  # kept as typed, to correct


def test_a_part_postcode_spanning_local_authorities_says_so(client, wales_areas, db):
    PostcodeDistrict.objects.create(prefix="SA4", latitude=51.67, longitude=-4.05, lad_code=SWANSEA, lad_share=0.921)
    PostcodeDistrict.objects.create(prefix="CF10", latitude=51.47, longitude=-3.17, lad_code=CARDIFF, lad_share=1.0)

    split = _text(client.get(SEARCH + "?postcode=SA4"))
    whole = _text(client.get(SEARCH + "?postcode=CF10"))

    assert "For a child in <strong>Swansea</strong>" in split
    assert "Part of SA4 is in another local authority. These results are for Swansea, which has 92% of its" in split
    assert "sm-place-note" not in whole


def test_a_border_postcode_mostly_in_england_names_its_welsh_part_and_offers_to_search_it(client, wales_areas):
    powys, herefordshire = "W06000023", "E06000019"
    PostcodeDistrict.objects.create(prefix="HR3", latitude=52.09, longitude=-3.09, lad_code=herefordshire,
                                    lad_share=0.524)
    for unit in ("HR3 5AA", "HR3 5AB"):  # Hay-on-Wye
        PostcodeFactory(postcode=unit, latitude=52.07, longitude=-3.13, lad_code=powys)
    for unit in ("HR30 1AA", "HR30 1AB", "HR30 1AD"):  # not in HR3 (no such district: a prefix to avoid)
        PostcodeFactory(postcode=unit, latitude=52.0, longitude=-2.9, lad_code=SWANSEA)
    ServiceFactory(name="Powys service", coverage=[wales_areas[powys]])

    text = _text(client.get(SEARCH + "?postcode=HR3&age=9"))

    # Named as people say it, not as ONS lists it ("Herefordshire, County of", which read
    # "These results are for Herefordshire, County of, which has 52%" and "..., County of is outside Wales").
    assert "For a child in <strong>Herefordshire</strong>." in text
    assert "Part of HR3 is in Powys. These results are for Herefordshire, which has 52% of its" in text
    assert 'href="?postcode=HR3&amp;age=9&amp;la=W06000023">Search for a child in Powys instead</a>' in text
    assert "Herefordshire is outside Wales." in text
    assert "County of" not in text
    assert "This postcode is outside Wales" not in text  # half of HR3 is in Wales
    assert "is in Swansea" not in text

    powys_search = _text(client.get(SEARCH + "?postcode=HR3&age=9&la=W06000023"))

    assert "For a child in <strong>Powys</strong>" in powys_search
    assert "sm-place-note" not in powys_search  # HR3 is partly in Powys: nothing to correct
    assert "1 takes referrals from Powys" in powys_search and "Powys service" in powys_search


def test_a_postcode_outside_wales_names_its_authority_and_advises_for_it(client, wales_areas):
    PostcodeDistrict.objects.create(prefix="SW1A 1", lad_code="E09000033", latitude=51.501, longitude=-0.1416)

    text = _text(client.get(SEARCH + "?postcode=SW1A+1&age=9"))

    assert "For a child in <strong>Westminster</strong>" in text and "E09000033" not in text
    assert "This postcode is outside Wales" in text
    assert "Look in the directory of the council where the child lives" in text
    assert "Try a local authority next door" not in text


def test_on_welsh_pages_an_authority_outside_wales_has_its_welsh_name(client, wales_areas):
    """"Ar gyfer plentyn yn ardal Bristol" before: the Welsh pages named a Welsh authority in Welsh
    (Caerdydd) but one over the border in English, where Welsh has a standard name (Bryste)."""
    PostcodeDistrict.objects.create(prefix="BS1 4", lad_code="E06000023", latitude=51.4545, longitude=-2.5879)
    newport = ServiceFactory(name="Newport service", coverage=[wales_areas[CARDIFF]])
    ServiceAtLocationFactory(service=newport, location__latitude=51.58, location__longitude=-2.99)

    welsh = _text(client.get("/cy" + SEARCH + "?postcode=BS1+4&age=9"))
    english = _text(client.get(SEARCH + "?postcode=BS1+4&age=9"))

    assert "Ar gyfer plentyn yn ardal <strong>Bryste</strong>." in welsh
    assert "Gerllaw, ond ddim yn derbyn atgyfeiriadau o ardal Bryste" in welsh
    assert "Bristol" not in welsh
    assert "For a child in <strong>Bristol</strong>." in english and "Bryste" not in english


def _group_counts(response) -> list[str]:
    counts = re.search(r'<ul class="govuk-list sm-group-counts">(.*?)</ul>', response.content.decode(), re.S)[1]
    return [re.sub(r"<[^>]+>", "", item) for item in re.findall(r"<li>(.*?)</li>", counts)]


@pytest.mark.parametrize(("prefix", "expected"), [
    ("", ["No local service takes referrals from Westminster", "1 near by (within 40 km) but not covering it"]),
    ("/cy", ["Nid oes gwasanaeth lleol yn derbyn atgyfeiriadau o ardal Westminster",
             "1 gerllaw (o fewn 40 km) ond nid yn ei chwmpasu"]),
])
def test_outside_wales_the_counts_do_not_say_none_of_the_all_wales_services_they_never_list(
    client, wales_areas, prefix, expected,
):
    """An all-Wales service does not take a referral from England, so it is never in the second group
    there: "0 all-Wales services and helplines" read as if Wales-wide help had been looked for and
    was missing (or full)."""
    PostcodeDistrict.objects.create(prefix="SW1A 1", lad_code="E09000033", latitude=51.501, longitude=-0.1416)
    ServiceFactory(name="All-Wales service", coverage=[wales_areas[WALES_CODE]])
    near = ServiceFactory(name="Near", coverage=[wales_areas[CARDIFF]])
    ServiceAtLocationFactory(service=near, location__organisation=near.organisation,
                             location__latitude=51.51, location__longitude=-0.15)

    response = client.get(prefix + SEARCH + "?postcode=SW1A+1&view=map")

    assert _group_counts(response) == expected
    assert "All-Wales service" not in response.content.decode()


@pytest.mark.parametrize(("prefix", "count", "heading"), [
    ("", "1 national service or helpline", "National services and helplines"),
    ("/cy", "1 gwasanaeth neu linell gymorth genedlaethol", "Gwasanaethau a llinellau cymorth cenedlaethol"),
])
def test_outside_wales_a_helpline_listing_no_area_is_counted_and_headed_as_national_not_all_wales(
    client, wales_areas, prefix, count, heading,
):
    PostcodeDistrict.objects.create(prefix="SW1A 1", lad_code="E09000033", latitude=51.501, longitude=-0.1416)
    ServiceFactory(name="All-Wales service", coverage=[wales_areas[WALES_CODE]])
    ServiceFactory(name="Helpline", kind_helpline=True)  # lists no area: national

    response = client.get(prefix + SEARCH + "?postcode=SW1A+1")

    assert _group_counts(response)[1] == count
    assert _page(response) == ["#group-all-wales", "Helpline"]
    assert re.search(r'id="group-all-wales">\s*' + heading + r"\s*</h2>", response.content.decode())


@pytest.mark.parametrize(("prefix", "considered"), [
    ("", "1 service takes referrals from Westminster, is near by or works nationally. Left out by your criteria:"),
    ("/cy", "Mae 1 gwasanaeth yn derbyn atgyfeiriadau o ardal Westminster, gerllaw neu'n gweithio'n "
            "genedlaethol. Wedi'i adael allan gan eich meini prawf:"),
])
def test_outside_wales_the_left_out_count_does_not_say_it_weighed_all_wales_services(
    client, wales_areas, prefix, considered,
):
    """Outside Wales no all-Wales service is weighed, so "or cover all of Wales" was untrue there."""
    PostcodeDistrict.objects.create(prefix="SW1A 1", lad_code="E09000033", latitude=51.501, longitude=-0.1416)
    ServiceFactory(name="All-Wales service", coverage=[wales_areas[WALES_CODE]])
    ServiceFactory(name="Helpline for teenagers", kind_helpline=True, age_min=13)

    text = unescape(re.sub(r"\s+", " ", _text(client.get(prefix + SEARCH + "?postcode=SW1A+1&age=9"))))

    assert considered in text
    assert "cover all of Wales" not in text and "cwmpasu Cymru gyfan" not in text


def test_in_welsh_two_services_left_out_take_the_soft_mutation_after_the_number(client, wales_areas):
    """After 2 ("dau") a Welsh noun softens: "2 wasanaeth", not "2 gwasanaeth"."""
    for name in ("Teenage service", "Another teenage service"):
        ServiceFactory(name=name, coverage=[wales_areas[SWANSEA]], age_min=13)

    text = unescape(_text(client.get("/cy" + SEARCH + f"?la={SWANSEA}&age=9")))

    assert "Mae oedran y plentyn y tu allan i ystod oedran y gwasanaeth</strong>: 2 wasanaeth" in text


def test_the_empty_form_takes_the_local_authority_options_from_the_cache(client, wales_areas, monkeypatch):
    from django.core.cache import cache

    from directory import local_authority_options

    cache.clear()
    built = []
    real = local_authority_options._options
    monkeypatch.setattr(local_authority_options, "_options", lambda field: built.append(1) or real(field))

    first = client.get(SEARCH)
    again = client.get(SEARCH)
    too_long = client.get(SEARCH, {"postcode": "A" * 10_000})

    assert (first.status_code, again.status_code, too_long.status_code) == (200, 200, 400)
    assert 'value="W06000015"' in too_long.content.decode()
    assert len(built) == 1  # the options are built once for the directory version and language


def test_an_english_authority_is_outside_wales_though_it_belongs_to_a_nation(client, wales_areas):
    # England is a nation too (the directory will hold English areas): only Wales makes "in Wales".
    england = AreaFactory(code="E92000001", name="England", kind=Area.Kind.NATION)
    bristol = AreaFactory(code="E06000023", name="Bristol, City of")
    bristol.parents.add(england)
    PostcodeDistrict.objects.create(prefix="BS1 4", lad_code="E06000023", latitude=51.4545, longitude=-2.5879)
    ServiceFactory(name="Cardiff service", coverage=[wales_areas[CARDIFF]])

    english = _text(client.get(SEARCH + "?postcode=BS1+4"))
    welsh = _text(client.get(SEARCH + f"?la={CARDIFF}"))

    assert "This postcode is outside Wales" in english
    assert "This postcode is outside Wales" not in welsh


def test_the_sample_data_banner_on_results_follows_changes_to_the_directory(client, wales_areas, cardiff_postcode):
    # The search page keeps the answer per directory version in each process (no round trip to
    # the shared cache): a change to an organisation must still show or hide the banner at once.
    service = ServiceFactory(name="Cardiff service", coverage=[wales_areas[CARDIFF]])
    url = SEARCH + "?postcode=CF10+1&age=9"

    def banner() -> bool:
        response = client.get(url)
        assert "Cardiff service" in response.content.decode()
        return "sm-sample-banner" in response.content.decode()

    assert not banner()
    organisation = service.organisation
    organisation.is_sample = True
    organisation.save()
    assert banner()
    organisation.is_sample = False
    organisation.save()
    assert not banner()


def test_a_search_with_a_chosen_local_authority_reads_the_directory_version_once(client, wales_areas, cardiff_postcode):
    """The search reads the version first (its cache key, the index); the form's local authority
    look-up takes that reading, not a second query (SQLite reads it on every ask; PostgreSQL only
    after a notice that it changed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from directory.models import DirectoryVersion

    ServiceFactory(name="Swansea service", coverage=[wales_areas[SWANSEA]])
    client.get(SEARCH + f"?la={SWANSEA}")  # the process's copies (index, authorities) read

    with CaptureQueriesContext(connection) as asked:
        text = _text(client.get(SEARCH + f"?postcode=CF10+1&la={SWANSEA}&age=9"))

    assert "Swansea service" in text and "CF10 1 is in Cardiff, not Swansea" in text
    assert sum(DirectoryVersion._meta.db_table in q["sql"] for q in asked.captured_queries) <= 1


WREXHAM = "W06000006"


@pytest.mark.parametrize(("prefix", "missing", "pointer"), [
    ("", "None of the services found that take referrals from Wrexham supports siblings.",
     "See the all-Wales services and helplines that do"),
    ("/cy", "Nid oes yr un o'r gwasanaethau a gafwyd sy'n derbyn atgyfeiriadau o ardal Wrecsam yn cefnogi brodyr a "
            "chwiorydd.", "Gweld y gwasanaethau a'r llinellau cymorth Cymru gyfan sy'n gwneud hynny"),
])
def test_the_results_say_when_no_local_service_found_supports_a_person_chosen_and_where_to_look(
    client, wales_areas, prefix, missing, pointer
):
    ServiceFactory(name="Wrexham child and parents", coverage=[wales_areas[WREXHAM]], supports_child=True,
                   supports_parent_carer=True)
    ServiceFactory(name="All-Wales siblings", coverage=[wales_areas[WALES_CODE]], supports_child=False,
                   supports_sibling=True)
    family = prefix + SEARCH + f"?la={WREXHAM}&age=9&audience=child&audience=parent_carer&audience=sibling"

    page = unescape(_text(client.get(family)))

    assert missing in page
    assert re.search(r'href="\?[^"]*#group-all-wales">' + re.escape(pointer) + "</a>", page)
    # Only for the people ticked, and only those whom no local service found supports.
    for query in (f"?la={WREXHAM}&age=9&audience=child&audience=parent_carer", f"?la={WREXHAM}&age=9"):
        other = unescape(_text(client.get(prefix + SEARCH + query)))
        assert "sm-audience-gaps" not in other and missing not in other
