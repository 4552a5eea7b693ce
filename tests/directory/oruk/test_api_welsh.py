"""The Open Referral feed in Welsh: `Accept-Language: cy` or `lang=cy` (servicemap/vary_language.py).

Names and descriptions in Welsh where the provider gave them, in English where not (as
modeltranslation reads them); ids, codes and enumerations the same in both; the answer cached,
tagged and validated per language, so no cache ever gives an English client the Welsh answer.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from directory.models import Area
from directory.oruk import page_query
from directory.oruk import taxonomy as published
from tests.directory.oruk.hsds_schemas import schema_errors
from tests.factories import (
    LocationFactory,
    OrganisationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    WaitingTimeReportFactory,
)

WELSH = {"HTTP_ACCEPT_LANGUAGE": "cy-GB,cy;q=0.9,en;q=0.8"}


@pytest.fixture
def bilingual(feed):
    """The feed with one service and its organisation named and described in Welsh too."""
    organisation = OrganisationFactory(
        name="Young people's trust",
        name_cy="Ymddiriedolaeth pobl ifanc",
        description="A charity for young people.",
        description_cy="",
    )
    return ServiceFactory(
        organisation=organisation,
        name="Zebra helpline",
        name_cy="Llinell gymorth Sebra",
        description="Free and confidential.",
        description_cy="Am ddim ac yn gyfrinachol.",
        coverage=feed.cardiff_therapy.coverage_areas.all(),
    )


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [item["name"] for item in response.json()["contents"]]


def test_a_welsh_client_gets_welsh_names_and_descriptions_and_english_where_there_is_no_welsh(bilingual, client):
    english = client.get(f"/api/oruk/services/{bilingual.public_id}").json()
    welsh = client.get(f"/api/oruk/services/{bilingual.public_id}", **WELSH).json()

    assert (english["name"], english["description"]) == ("Zebra helpline", "Free and confidential.")
    assert (welsh["name"], welsh["description"]) == ("Llinell gymorth Sebra", "Am ddim ac yn gyfrinachol.")
    assert welsh["organization"]["name"] == "Ymddiriedolaeth pobl ifanc"
    assert welsh["organization"]["description"] == "A charity for young people."  # no Welsh: English
    # Machine-readable values are the same in both.
    for key in ("id", "status", "organization_id", "csa_abuse_forms", "csa_audiences"):
        assert welsh[key] == english[key], key


def test_lang_asks_for_welsh_as_the_header_does_and_outranks_it(bilingual, client):
    path = f"/api/oruk/services/{bilingual.public_id}"
    by_header, by_lang = client.get(path, **WELSH), client.get(path, {"lang": "cy"})
    assert by_lang.json() == by_header.json()
    assert by_lang["Content-Language"] == by_header["Content-Language"] == "cy"
    assert client.get(path, {"lang": "en"}, **WELSH).json()["name"] == "Zebra helpline"


def test_a_language_the_site_does_not_have_is_a_400_naming_lang(bilingual, api):
    response = api("services", lang="fr")
    assert response.status_code == 400
    assert response.json() == {"status": 400, "detail": "lang must be en or cy, not 'fr'", "parameter": "lang"}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/oruk/services?page=0", 400),
        ("/api/oruk/services/x", 404),
        ("/api/oruk/nowhere", 404),
        ("/api/gaps/?layer=x", 400),
    ],
)
def test_an_error_to_a_welsh_client_says_it_is_in_english(bilingual, client, path, status):
    # The messages are a developer's, in English in either language (DRF has no Welsh either).
    response = client.get(path, **WELSH)
    assert response.status_code == status
    assert response["Content-Language"] == "en"
    assert "accept-language" in response["Vary"].lower()


@pytest.mark.parametrize(
    "path",
    [
        "/api/oruk/services?full=true",
        "/api/oruk/services/{id}",
        "/api/oruk/organizations",
        "/api/oruk/service_at_locations",
        "/api/oruk/taxonomies",
        "/api/oruk/taxonomies/{taxonomy}",
        "/api/oruk/",
    ],
)
def test_each_language_has_its_own_etag_and_an_english_etag_never_brings_a_304_to_welsh(bilingual, feed, client, path):
    # /taxonomies/{imported} and / are the same bytes in both languages: their ETags differ all the same.
    url = path.format(id=bilingual.public_id, taxonomy=feed.imported_taxonomy.public_id)
    english, welsh = client.get(url), client.get(url, **WELSH)
    assert english["ETag"] and welsh["ETag"] and english["ETag"] != welsh["ETag"]

    assert client.get(url, HTTP_IF_NONE_MATCH=welsh["ETag"]).status_code == 200
    again = client.get(url, HTTP_IF_NONE_MATCH=english["ETag"], **WELSH)
    assert again.status_code == 200 and again["Content-Language"] == "cy"
    assert client.get(url, HTTP_IF_NONE_MATCH=welsh["ETag"], **WELSH).status_code == 304


def test_a_welsh_list_is_in_the_order_of_the_names_it_shows(bilingual, client):
    # Services without a Welsh name among the others by the name shown, not all together in id order.
    names = _names(client.get("/api/oruk/services", {"per_page": 100}, **WELSH))
    assert "Llinell gymorth Sebra" in names and "Zebra helpline" not in names
    assert names == sorted(names, key=str.casefold)
    organisations = _names(client.get("/api/oruk/organizations", {"per_page": 100}, **WELSH))
    assert organisations == sorted(organisations, key=str.casefold)
    assert "Ymddiriedolaeth pobl ifanc" in organisations


def test_a_welsh_search_finds_what_the_welsh_answer_shows(bilingual, api, client):
    def found(search: str, **headers) -> list[str]:
        return _names(client.get("/api/oruk/services", {"search": search}, **headers))

    assert found("sebra", **WELSH) == ["Llinell gymorth Sebra"]
    assert found("sebra") == []
    assert found("Zebra") == ["Zebra helpline"]
    assert found("Zebra", **WELSH) == []  # its Welsh answer says Sebra
    # A service with no Welsh name is shown, and so found, by its English one.
    assert found("Cardiff therapy", **WELSH) == ["Cardiff therapy"]
    assert _names(client.get("/api/oruk/organizations", {"search": "ymddiriedolaeth"}, **WELSH)) == [
        "Ymddiriedolaeth pobl ifanc"
    ]


def test_the_whole_feed_streams_in_welsh(bilingual, client):
    response = client.get("/api/oruk/services", {"format": "ndjson"}, **WELSH)
    assert response["Content-Language"] == "cy"
    names = [json.loads(line)["name"] for line in b"".join(response.streaming_content).decode().splitlines()]
    assert "Llinell gymorth Sebra" in names and "Cardiff therapy" in names


@pytest.fixture
def wrexham_and_wales(wales_areas):
    """The only published service: covering Wrexham, Wales and an area with no Welsh name."""
    unnamed = Area.objects.create(code="BOARD1", name="A board", kind=Area.Kind.HEALTH_BOARD)
    return ServiceFactory(coverage=[wales_areas["W06000006"], wales_areas["W92000004"], unnamed])


def _service_documents(client, path: str, **headers) -> list[dict]:
    response = client.get(path, **headers)
    assert response.status_code == 200
    if response.streaming:
        return [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    data = response.json()
    if "contents" not in data:
        return [data]
    contents = data["contents"]
    return [service for organisation in contents for service in organisation["services"]] if "services" in (
        contents[0]) else contents


@pytest.mark.parametrize(
    "path",
    [
        "/api/oruk/services/{id}",
        "/api/oruk/services?full=true",
        "/api/oruk/services?format=ndjson&full=true",
        "/api/oruk/organizations?full_service=true",
    ],
)
def test_a_welsh_answer_names_areas_in_welsh_and_in_english_where_they_have_no_welsh_name(
    wrexham_and_wales, client, path
):
    url = path.format(id=wrexham_and_wales.public_id)
    for headers, expected in (({}, ["A board", "Wrexham", "Wales"]), (WELSH, ["A board", "Wrecsam", "Cymru"])):
        (document,) = _service_documents(client, url, **headers)
        assert [area["name"] for area in document["service_areas"]] == expected  # in code order
        assert [area["csa_area_code"] for area in document["service_areas"]] == ["BOARD1", "W06000006", "W92000004"]


def test_welsh_area_names_take_no_more_queries_than_english_ones(wrexham_and_wales, client):
    def first_view(**headers) -> int:
        cache.clear()
        page_query.forget()
        with CaptureQueriesContext(connection) as context:
            assert client.get("/api/oruk/services", {"full": "true"}, **headers).status_code == 200
        return len(context.captured_queries)

    # The stored documents are per language: each first view builds and stores its own.
    assert first_view(**WELSH) == first_view()


def test_our_taxonomies_are_named_in_welsh(feed, client):
    welsh = client.get("/api/oruk/taxonomies", **WELSH).json()["contents"]
    with translation.override("cy"):
        expected = [str(taxonomy.name) for taxonomy in published.published_taxonomies()]
    assert [t["name"] for t in welsh[: len(expected)]] == expected
    english = client.get("/api/oruk/taxonomies").json()["contents"]
    assert welsh[0]["name"] != english[0]["name"] and welsh[0]["id"] == english[0]["id"]


@pytest.mark.parametrize(
    ("path", "schema_path"),
    [
        ("services?full=true", "/services"),
        ("services/{id}", "/services/{id}"),
        ("organizations?full_service=true", "/organizations"),
        ("taxonomy_terms", "/taxonomy_terms"),
    ],
)
def test_welsh_answers_validate_against_the_oruk_schemas(bilingual, client, path, schema_path):
    response = client.get("/api/oruk/" + path.format(id=bilingual.public_id), **WELSH)
    assert response.status_code == 200 and response["Content-Language"] == "cy"
    errors = schema_errors(response.json(), schema_path)
    assert errors == [], "\n".join(errors[:10])


def test_a_page_on_another_origin_may_ask_for_welsh(client):
    # Accept-Language is a CORS-safelisted request header and Content-Language a safelisted
    # response header; a preflight that names the header anyway is granted it.
    preflight = client.options(
        "/api/oruk/services",
        HTTP_ORIGIN="https://council.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="accept-language",
    )
    assert preflight.status_code == 204
    assert "accept-language" in preflight["Access-Control-Allow-Headers"].lower()


def test_the_schema_offers_lang_on_every_endpoint(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path, operations in schema["paths"].items():
        if path.startswith(("/api/oruk", "/api/gaps")):
            lang = [p for p in operations["get"].get("parameters", []) if p["name"] == "lang"]
            assert lang and set(lang[0]["schema"]["enum"]) - {""} == {"en", "cy"}, path  # blank: not given


def test_a_welsh_answer_gives_the_generated_wait_text_in_welsh_and_the_english_one_is_unchanged(feed, client):
    # wait_time is written by us from the reported wait (a provider's own text is never published).
    # Reported today, after the fixture's reports: the latest.
    today = date.today()
    WaitingTimeReportFactory(service=feed.swansea_advocacy, weeks=20, referrals_open=False, as_of=today)
    WaitingTimeReportFactory(service=feed.wales_helpline, weeks=0, as_of=today)
    WaitingTimeReportFactory(service=feed.cardiff_therapy, weeks=1, as_of=today)

    def texts(**headers) -> dict[str, str]:
        return {doc["name"]: doc["wait_time"] for doc in _service_documents(
            client, "/api/oruk/services?full=true&per_page=50", **headers) if "wait_time" in doc}

    assert texts() == {
        "Cardiff therapy": f"About 1 week (as of {today})",
        "Swansea advocacy": f"Not taking referrals for now: waiting list closed (as of {today})",
        "All-Wales helpline": f"No waiting list (as of {today})",
        "HSB service": "Not taking referrals for now: referrals are paused",
        "Closed parents group": "Not taking referrals: the service has closed",
    }
    assert texts(**WELSH) == {
        "Cardiff therapy": f"Tua 1 wythnos (ar {today})",
        "Swansea advocacy": f"Nid yw'n derbyn atgyfeiriadau am y tro: mae'r rhestr aros ar gau (ar {today})",
        "All-Wales helpline": f"Dim rhestr aros (ar {today})",
        "HSB service": "Nid yw'n derbyn atgyfeiriadau am y tro: mae atgyfeiriadau wedi'u hoedi",
        "Closed parents group": "Nid yw'n derbyn atgyfeiriadau: mae'r gwasanaeth wedi cau",
    }
    (single,) = _service_documents(client, f"/api/oruk/services/{feed.cardiff_therapy.public_id}", **WELSH)
    assert single["wait_time"] == f"Tua 1 wythnos (ar {today})"


@pytest.mark.parametrize(
    "path",
    [
        "/api/oruk/services/{id}",
        "/api/oruk/services?full=true",
        "/api/oruk/services?format=ndjson&full=true",
        "/api/oruk/organizations?full_service=true",
        "/api/oruk/service_at_locations?per_page=50",
    ],
)
def test_a_welsh_answer_names_an_address_county_and_nation_in_welsh_where_the_app_knows_the_name(db, client, path):
    service = ServiceFactory(name="Only service")
    counties = {"Cardiff": "CF10 1EP", "Bristol": "BS1 4DJ", "Mid Glamorgan": "CF37 1DL", "west  glamorgan": "SA1 3SN",
                "Gwent": "NP20 4UR", "Glan Ely ward": "CF5 4AA", "": "SA1 1AA", " ": "BS1 4DJ"}
    for number, (county, postcode) in enumerate(counties.items()):
        location = LocationFactory(organisation=service.organisation, name=f"Office {number}", county=county.strip(),
                                   postcode=postcode)
        ServiceAtLocationFactory(service=service, location=location)

    def provinces(**headers) -> list[str]:
        url = path.format(id=service.public_id)
        if url.startswith("/api/oruk/service_at_locations"):
            links = client.get(url, **headers).json()["contents"]
        else:
            (document,) = _service_documents(client, url, **headers)
            links = document["service_at_locations"]
        return [link["location"]["addresses"][0]["state_province"] for link in links]

    # Known English names of local authorities (Wales's and England's) and of Wales's preserved counties in Welsh
    # (data/wales_preserved_counties.csv); a provider's own text as written.
    assert provinces() == ["Cardiff", "Bristol", "Mid Glamorgan", "west  glamorgan", "Gwent", "Glan Ely ward", "Wales",
                           "United Kingdom"]
    assert provinces(**WELSH) == ["Caerdydd", "Bryste", "Morgannwg Ganol", "Gorllewin Morgannwg", "Gwent",
                                  "Glan Ely ward", "Cymru", "Y Deyrnas Unedig"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/oruk/services/{id}",
        "/api/oruk/services?full=true",
        "/api/oruk/services?format=ndjson&full=true",
        "/api/oruk/organizations?full_service=true",
        "/api/oruk/service_at_locations?per_page=50",
    ],
)
def test_a_welsh_answer_names_a_location_in_welsh_where_its_provider_gave_a_welsh_name(db, client, path):
    service = ServiceFactory(name="Only service")
    for name, name_cy in (("Cardiff family centre", "Canolfan deulu Caerdydd"), ("Swansea office", "")):
        location = LocationFactory(organisation=service.organisation, name=name, name_cy=name_cy, postcode="CF10 1EP")
        ServiceAtLocationFactory(service=service, location=location)

    def names(**headers) -> list[str]:
        url = path.format(id=service.public_id)
        if url.startswith("/api/oruk/service_at_locations"):
            links = client.get(url, **headers).json()["contents"]
        else:
            (document,) = _service_documents(client, url, **headers)
            links = document["service_at_locations"]
        return sorted(link["location"]["name"] for link in links)

    assert names() == ["Cardiff family centre", "Swansea office"]
    assert names(**WELSH) == ["Canolfan deulu Caerdydd", "Swansea office"]  # English where it has no Welsh name


def test_a_search_finds_welsh_letters_in_either_case(feed, client):
    # SQLite's LIKE folds A-Z alone: "ŵyr" missed "Ŵyr" until the search folded every letter
    # (directory/lookups.py); PostgreSQL's UPPER always did.
    service = ServiceFactory(
        name="Ŵyr a wyresau", name_cy="Ŵyr ac wyresau", description="Support in YNYS MÔN.",
        coverage=feed.cardiff_therapy.coverage_areas.all(),
    )
    for search in ("ŵyr", "ŴYR", "ynys môn"):
        assert _names(client.get("/api/oruk/services", {"search": search})) == [service.name], search
        assert _names(client.get("/api/oruk/services", {"search": search}, **WELSH)) == [service.name_cy], search
