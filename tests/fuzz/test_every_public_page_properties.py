"""Property-based test (hypothesis) of every page and download open to the public.

Strangers, crawlers and scripts send any parameter to any address, with any method. Whatever
they send, each public page, download and API endpoint answers without a server error (a mutant
raising on any query to /robots.txt fails it). The search form, the CSV importer and the API
against its schema have their own, deeper properties (test_search_and_import_properties.py,
tests/api).
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.models import Organisation, Service

# Per address: every address is tried, not a sample of them.
FUZZ = settings(max_examples=20, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# {service} and {organisation}: a published sample service's and organisation's public ids.
PATHS = [
    "/", "/cy/", "/search/", "/cy/search/", "/services/{service}/", "/cy/services/{service}/", "/shortlist/",
    "/services/{service}/report/", "/about-the-data/", "/robots.txt", "/favicon.ico",
    "/cookies/", "/privacy/", "/cy/accessibility/",
    "/gaps/", "/cy/gaps/", "/gaps/data.csv", "/gaps/headlines/", "/gaps/area/W06000015/", "/gaps/unmet/",
    "/gaps/unmet/data.csv", "/gaps/trends/", "/api/gaps/",
    "/api/oruk/", "/api/oruk/services", "/api/oruk/services/{service}", "/api/oruk/organizations",
    "/api/oruk/organizations/{organisation}", "/api/oruk/service_at_locations", "/api/oruk/taxonomies",
    "/api/oruk/taxonomy_terms", "/api/schema/", "/accounts/login/", "/healthz/",
]
NAMES = [
    "postcode", "age", "la", "abuse_form", "audience", "delivery", "max_wait", "referrer", "sort", "view", "page",
    "layer", "basis", "need", "start", "end", "before", "after", "per_page", "full", "full_service", "format",
    "search", "coverage", "taxonomy_id", "taxonomy_term_id", "parent_id", "top_only", "modified_after", "ids",
    "next", "service", "what", "details", "language",
]
VALUES = st.text(max_size=20) | st.sampled_from([
    "", " ", "0", "-1", "1.5", "1e309", "NaN", "9" * 30, "<script>", "'", "%", "../..", "a" * 3000,
    "CF10 1EP", "ZZ99 9ZZ", "W06000015", "E06000001", "W92000004", "all", "true", "false", "2026-13-01",
    "2026-02", "00000000-0000-0000-0000-000000000000", "json", "ndjson", "map", "list", "intra_familial",
    "child", "health_board", "-name", "\u202e", "\ufeff",
])


@pytest.fixture
def ids(sample_directory, db) -> dict[str, str]:
    return {"service": str(Service.objects.published().values_list("public_id", flat=True).first()),
            "organisation": str(Organisation.objects.values_list("public_id", flat=True).first())}


@pytest.mark.parametrize("path", PATHS)
@FUZZ
@given(method=st.sampled_from(["get", "get", "get", "head", "post"]),
       query=st.lists(st.tuples(st.sampled_from(NAMES) | st.text(max_size=8), VALUES), min_size=1, max_size=6))
def test_every_public_address_answers_anything_without_a_server_error(client, ids, path, method, query):
    url = path.format(**ids)
    if method == "post":
        response = client.post(url, dict(query))
    else:
        response = getattr(client, method)(f"{url}?{urlencode(query)}")
    assert response.status_code < 500, (method, url, query)
