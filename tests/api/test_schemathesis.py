"""Property-based API tests (schemathesis) against our own OpenAPI document at /api/schema/.

For every operation, generated requests (valid and invalid parameters) must never produce a
server error, and every response must match the schema: status code, content type, headers and
body; malformed parameters must be refused. (It found undocumented bounds, content types and
patterns in the ORUK parameters, now in the document.)
Bounded: a few dozen examples per operation, on a small directory.

schemathesis's own pytest plugin does not run under pytest 9 yet, so each operation is a plain
parametrised test driving hypothesis with the operation's strategy.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from servicemap.wsgi import application
from tests.factories import LocationFactory, ServiceAtLocationFactory, ServiceFactory

# Generating the document touches no table, so it is read once, at collection.
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/", application)
OPERATIONS = {f"{op.method.upper()} {op.path}": op for op in (result.ok() for result in SCHEMA.get_all_operations())}


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calling the WSGI app directly would close the database connection at the end of each request
    (and with it the test's transaction); Django's test client stops that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def small_directory(wales_areas):
    cardiff, wales = wales_areas["W06000015"], wales_areas["W92000004"]
    for i, coverage in enumerate([[cardiff], [wales], []]):
        service = ServiceFactory(coverage=coverage, wait_weeks=4 * i, abuse_cse=bool(i % 2), supports_parent_carer=True)
        ServiceAtLocationFactory(service=service, location=LocationFactory(organisation=service.organisation))


def test_the_schema_documents_the_apis():
    assert "GET /api/oruk/services" in OPERATIONS and "GET /api/gaps/" in OPERATIONS


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_the_api_never_fails_and_always_matches_its_schema(name, small_directory):
    operation = OPERATIONS[name]

    @given(case=operation.as_strategy())
    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    def check(case):
        # Not positive_data_acceptance: a well-formed but unknown area code or postcode gets a
        # documented 400 (whether a code exists is data, which a schema cannot say).
        case.call_and_validate(excluded_checks=[checks.positive_data_acceptance])

    check()


@pytest.mark.parametrize("path", ["/api/oruk/services", "/api/oruk/organizations", "/api/oruk/taxonomy_terms"])
def test_a_huge_page_number_is_refused_not_a_server_error(client, path, small_directory):
    # Found by the test above on PostgreSQL: the OFFSET overflowed a bigint.
    response = client.get(path, {"page": 10**21})
    assert response.status_code == 400
    assert response.json()["parameter"] == "page"


@pytest.mark.parametrize("when", ["1283-09-03T20:00:54+22:23", "0001-01-01T00:00:00+10:00", "9999-12-31T23:59:59-10:00"])
def test_a_date_time_at_the_edges_is_refused_or_answered_never_a_server_error(client, when, small_directory):
    # Found by the test above: PostgreSQL refused a +22:23 offset; year 1 overflowed when moved to UTC.
    response = client.get("/api/oruk/organizations", {"modified_after": when})
    assert response.status_code in {200, 400}
