"""The open API served from a read-only database (docs/deploy.md, "A read replica for the API"):
every endpoint answers from a connection that refuses writes, as a PostgreSQL hot standby does,
when `RENDERINGS_STORE_ON_READ` is off there. Nothing is stored ahead: each document is built on
the request, as on a replica whose primary has not stored it yet.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.db import DatabaseError, connection

from directory.models import ServiceRendering, WaitingTimeReport
from tests.factories import PostcodeFactory

LISTS = ("/api/oruk/", "/api/oruk/services", "/api/oruk/services?full=true&per_page=50",
         "/api/oruk/services?postcode=CF10+1EP", "/api/oruk/services?coverage=W06000015&abuse_form=intra_familial",
         "/api/oruk/organizations", "/api/oruk/service_at_locations", "/api/oruk/taxonomies",
         "/api/oruk/taxonomy_terms", "/api/schema/", "/api/docs/")


def _read_only(on: bool) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What a hot standby enforces: every later transaction on this connection is read-only.
            cursor.execute(f"SET SESSION CHARACTERISTICS AS TRANSACTION {'READ ONLY' if on else 'READ WRITE'}")
        else:
            cursor.execute(f"PRAGMA query_only = {int(on)}")


@pytest.fixture
def replica(transactional_db, feed, settings) -> Iterator[None]:
    # transactional_db: a test transaction around the requests would have written already.
    settings.RENDERINGS_STORE_ON_READ = False
    PostcodeFactory(postcode="CF10 1EP")
    _read_only(True)
    yield
    _read_only(False)  # before the tables are flushed


@pytest.mark.usefixtures("replica")
def test_the_database_refuses_writes_as_a_replica_does(feed):
    with pytest.raises(DatabaseError):
        WaitingTimeReport.objects.create(service=feed.cardiff_therapy, weeks=3)


@pytest.mark.usefixtures("replica")
@pytest.mark.parametrize("path", LISTS)
def test_every_list_answers_from_a_read_only_database(client, path):
    response = client.get(path)

    assert response.status_code == 200, response.content[:300]
    assert not ServiceRendering.objects.exists()


@pytest.mark.usefixtures("replica")
def test_each_record_and_the_bulk_feed_answer_from_a_read_only_database(client, feed):
    service = feed.cardiff_therapy
    detail = client.get(f"/api/oruk/services/{service.public_id}")
    assert detail.status_code == 200 and detail.json()["name"] == "Cardiff therapy"
    assert client.get(f"/api/oruk/organizations/{service.organisation.public_id}").status_code == 200

    bulk = client.get("/api/oruk/services?format=ndjson")
    lines = b"".join(bulk.streaming_content).decode().splitlines()
    assert bulk.status_code == 200
    assert {json.loads(line)["name"] for line in lines} >= {"Cardiff therapy", "Swansea advocacy"}
