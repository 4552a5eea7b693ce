"""Cached API responses and documents: the same bytes as uncached, never stale after a change."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory import version
from directory.models import Area, Location, Service, WaitingTimeReport

LIST = "/api/oruk/services?per_page=3&full=true&page=1"


def _get_twice(client, path: str, **headers) -> tuple[bytes, int]:
    """The second of two asks: its response is then kept (servicemap/cache_admission.py)."""
    _get(client, path, **headers)
    return _get(client, path, **headers)


def _get(client, path: str, **headers) -> tuple[bytes, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    assert response.status_code == 200
    return response.content, len(queries)


def test_a_repeated_request_is_served_from_the_cache_with_the_same_bytes(feed, client):
    first, first_queries = _get(client, LIST)
    second, second_queries = _get(client, LIST)  # kept from its second ask (cache_admission)
    third, third_queries = _get(client, LIST)
    assert first == second == third
    # The second ask reads the documents the first stored; the third, the directory version only.
    assert third_queries == 1 < second_queries < first_queries


def test_a_page_asked_once_leaves_only_a_mark_in_the_cache(feed, client):
    from directory.oruk import caching

    def held() -> object:
        return cache.get(caching.response_key("/api/oruk/services", [("per_page", "3"), ("full", "true"),
                                                                      ("page", "1")], version.current()))

    _get(client, LIST)
    assert held() == 1  # cache_admission.ASKED_ONCE: a few bytes, not the ~350 kB a page can be
    body, _ = _get(client, LIST)
    assert held() == body


def test_cached_documents_are_byte_identical_to_freshly_built_ones(feed, client):
    for path in (LIST, "/api/oruk/services?per_page=5", f"/api/oruk/services/{feed.cardiff_therapy.public_id}",
                 "/api/oruk/organizations?full_service=true", "/api/oruk/service_at_locations"):
        _get(client, LIST)  # documents cached by a list first
        built, _ = _get_twice(client, path)  # built twice, and kept
        served, _ = _get(client, path)
        cache.clear()
        fresh, _ = _get(client, path)
        assert built == served == fresh, path


def test_parameters_in_another_order_share_a_cached_response(feed, client):
    first, _ = _get(client, "/api/oruk/services?full=true&per_page=2")
    second, _ = _get(client, "/api/oruk/services?per_page=2&full=true")  # asked again: kept
    third, queries = _get(client, "/api/oruk/services?full=true&per_page=2")
    assert first == second == third and queries == 1


def test_a_service_page_reuses_the_document_a_list_built(feed, client):
    _get(client, "/api/oruk/services?per_page=5&full=true")
    _body, queries = _get(client, f"/api/oruk/services/{feed.wales_helpline.public_id}")
    assert queries == 2  # the version, then the stored document


def test_welsh_and_english_are_cached_apart(feed, client):
    english, _ = _get_twice(client, LIST)
    welsh, _ = _get_twice(client, LIST, HTTP_ACCEPT_LANGUAGE="cy")
    assert _get(client, LIST, HTTP_ACCEPT_LANGUAGE="cy")[0] == welsh
    cache.clear()
    fresh_welsh, _ = _get(client, LIST, HTTP_ACCEPT_LANGUAGE="cy")
    assert welsh == fresh_welsh
    assert _get(client, LIST)[0] == english


def _names(client) -> list[str]:
    """The list's names, asked twice: the response is then kept, and must not outlive a change."""
    client.get("/api/oruk/services?per_page=10&full=true")
    return [item["name"] for item in client.get("/api/oruk/services?per_page=10&full=true").json()["contents"]]


def _twice_json(client, path: str) -> dict:
    client.get(path)
    return client.get(path).json()  # kept, for the next change to outdate


def test_a_change_to_the_directory_is_served_at_once(feed, client):
    """Each kind of row a document holds: the service, its location, its areas, its waits."""
    detail = f"/api/oruk/services/{feed.cardiff_therapy.public_id}"
    client.get(detail)
    client.get(detail)  # kept
    _names(client)

    feed.cardiff_therapy.name = "Cardiff therapy (renamed)"
    feed.cardiff_therapy.save()
    assert "Cardiff therapy (renamed)" in _names(client)
    assert _twice_json(client, detail)["name"] == "Cardiff therapy (renamed)"

    location = Location.objects.filter(service_at_locations__service=feed.cardiff_therapy,
                                       do_not_publish_address=False).first()
    location.name = "New premises"
    location.save()
    names = [link["location"]["name"] for link in _twice_json(client, detail)["service_at_locations"]]
    assert "New premises" in names

    area = Area.objects.get(code="W06000015")
    area.name = "Caerdydd / Cardiff"
    area.save()
    assert [a["name"] for a in _twice_json(client, detail)["service_areas"]] == ["Caerdydd / Cardiff"]

    WaitingTimeReport.objects.create(service=feed.cardiff_therapy, weeks=33, as_of=date.today())
    assert _twice_json(client, detail)["csa_wait_weeks"] == 33

    Service.objects.filter(pk=feed.cardiff_therapy.pk).update(is_published=False)  # no signal: a bulk write
    version.bump()  # ...which must bump, as the importer's bulk writes do
    assert client.get(detail).status_code == 404
    assert "Cardiff therapy (renamed)" not in _names(client)


def test_an_error_is_not_cached(feed, client):
    missing = "/api/oruk/services/4b0bc0a6-4d53-4bd2-9f3f-33d3b4a0c0de"
    assert client.get(missing).status_code == 404
    assert client.get(missing).status_code == 404
    assert client.get("/api/oruk/services?per_page=0").status_code == 400


def _total(client, path: str) -> int:
    return client.get(path).json()["total_items"]


def _counts(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return sum("COUNT(" in query["sql"].upper() for query in queries)


def _list_reads(client, path: str) -> int:
    """Queries reading a listing's whole ordered id list (ordered, unlimited, not by ids)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return sum("ORDER BY" in q["sql"] and "LIMIT" not in q["sql"] and " IN (" not in q["sql"] for q in queries)


def test_each_filter_set_of_the_services_list_reads_its_ids_once(feed, client):
    assert _list_reads(client, "/api/oruk/services?per_page=1&page=1&age=10") == 1
    assert _list_reads(client, "/api/oruk/services?per_page=1&page=2&age=10&full=true") == 0
    assert _list_reads(client, "/api/oruk/services?per_page=1&page=2&age=11") == 1  # another filter set
    assert _counts(client, "/api/oruk/organizations?per_page=1&page=1") == 1
    assert _counts(client, "/api/oruk/organizations?per_page=1&page=2") == 0  # other lists count once


def test_a_cached_count_follows_filters_and_changes(feed, client):
    everything = _total(client, "/api/oruk/services?per_page=1")
    welsh = _total(client, "/api/oruk/services?per_page=1&welsh=true")
    assert welsh < everything
    assert _total(client, "/api/oruk/services?per_page=2&welsh=true") == welsh

    service = Service.objects.published().filter(welsh_available=False).first()
    service.welsh_available = True
    service.save()
    assert _total(client, "/api/oruk/services?per_page=3&welsh=true") == welsh + 1


def test_organization_and_service_at_location_listings_are_counted_once(feed, client):
    for path in ("/api/oruk/organizations?per_page=1&page={}", "/api/oruk/service_at_locations?per_page=1&page={}"):
        assert _counts(client, path.format(1)) == 1
        assert _counts(client, path.format(2)) == 0, path
