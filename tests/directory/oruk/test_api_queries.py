"""The number of queries for a page does not grow with per_page."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import Taxonomy, TaxonomyTerm
from directory.oruk import api, page_query
from tests.factories import (
    HiddenLocationFactory,
    LocationFactory,
    OrganisationFactory,
    PostcodeFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    WaitingTimeReportFactory,
)


@pytest.fixture
def many_services(wales_areas):
    taxonomy = Taxonomy.objects.create(name="Imported", description="")
    areas = [wales_areas["W06000015"], wales_areas["W06000011"]]
    PostcodeFactory()  # CF10 1EP, Cardiff
    for number in range(10):
        organisation = OrganisationFactory(charity_number=str(1000 + number))
        service = ServiceFactory(organisation=organisation, coverage=areas, wait_weeks=number)
        WaitingTimeReportFactory(service=service, weeks=number + 1)
        ServiceAtLocationFactory(service=service, location=LocationFactory(organisation=organisation))
        ServiceAtLocationFactory(service=service, location=HiddenLocationFactory(organisation=organisation))
        service.taxonomy_terms.add(TaxonomyTerm.objects.create(taxonomy=taxonomy, name=f"Imported {number}"))


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "path",
    [
        "/api/oruk/services?per_page={n}",
        "/api/oruk/services?per_page={n}&full=true",
        "/api/oruk/services?per_page={n}&full=true&postcode=CF10+1EP&abuse_form=intra_familial&max_wait_weeks=50",
        "/api/oruk/organizations?per_page={n}&full_service=true",
        "/api/oruk/service_at_locations?per_page={n}",
        # Ours are served from code: search so that imported rows are on both pages.
        "/api/oruk/taxonomy_terms?per_page={n}&search=Imported",
        "/api/oruk/taxonomies?per_page={n}&search=Imported",
    ],
)
def test_queries_per_page_do_not_grow_with_per_page(many_services, client, path, django_assert_max_num_queries):
    few = _queries(client, path.format(n=2))
    # A listing's count is cached across page sizes, and its page query compiled once: compare
    # two first views.
    cache.clear()
    page_query.forget()
    many = _queries(client, path.format(n=100))
    assert few == many
    with django_assert_max_num_queries(8):
        client.get(path.format(n=100))


def test_a_full_service_record_takes_a_fixed_handful_of_queries(many_services, client, django_assert_max_num_queries):
    service_id = client.get("/api/oruk/services?per_page=1").json()["contents"][0]["id"]
    # The version, the stored document (none yet), the service's token, four row queries, and
    # the document stored (a savepoint around one insert).
    with django_assert_max_num_queries(10):
        assert client.get(f"/api/oruk/services/{service_id}").status_code == 200


def test_ndjson_streams_in_chunks_not_a_query_per_row(many_services, client, monkeypatch):
    path = "/api/oruk/services?format=ndjson&full=true"
    assert _queries(client, path) <= 12  # the ids, the version, and every document built and stored
    # Then from the stored documents: the ids, the version, and one read per chunk of services.
    assert _queries(client, path) == 3
    monkeypatch.setattr(api, "NDJSON_CHUNK", 4)
    assert _queries(client, path) == 2 + 3  # ten services in chunks of four
