"""Stored renderings (directory/renderings.py): reused until what they show changes, and only the
changed services' ones go stale; a bulk change, a new release or (for cards) a new day makes all stale."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from directory import renderings, version
from directory.models import Organisation, Service, ServiceRendering, WaitingTimeReport
from tests.factories import (
    AreaFactory,
    LocationFactory,
    OrganisationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    WaitingTimeReportFactory,
)

LIST = "/api/oruk/services?per_page=50&full=true"
DOCUMENT = renderings.ORUK_FULL


def _generation() -> str:
    return version.current_with_generation()[1]


def _valid(kind: str = DOCUMENT) -> set[int]:
    """The services whose stored rendering of `kind` (English) would be used now."""
    with translation.override("en"):
        return set(renderings.fetch(kind, list(Service.objects.values_list("pk", flat=True)), generation=_generation()))


@pytest.fixture
def three(db):
    organisation = OrganisationFactory(name="Shared charity")
    services = [ServiceFactory(name=f"Service {i}", organisation=organisation if i < 2 else OrganisationFactory())
                for i in range(3)]
    for service in services:
        ServiceAtLocationFactory(service=service, location__organisation=service.organisation)
    return services


def _stored_after_a_view(client) -> set[int]:
    assert client.get(LIST).status_code == 200
    return _valid()


def test_a_page_stores_its_documents_and_the_next_view_builds_none(three, client, monkeypatch):
    assert _stored_after_a_view(client) == {s.pk for s in three}

    from directory.oruk import documents

    def no_build(*args, **kwargs):
        raise AssertionError("a stored document was built again")

    monkeypatch.setattr(documents, "service_json", no_build)
    version.bump(services=[])  # a new directory version: the cached response is not reused
    body = client.get(LIST).json()
    assert sorted(item["name"] for item in body["contents"]) == ["Service 0", "Service 1", "Service 2"]


def test_a_wait_makes_only_its_services_documents_stale(three, client):
    _stored_after_a_view(client)
    WaitingTimeReportFactory(service=three[1], weeks=17)
    assert _valid() == {three[0].pk, three[2].pk}
    served = {item["name"]: item for item in client.get(LIST).json()["contents"]}
    assert served["Service 1"]["csa_wait_weeks"] == 17
    assert _valid() == {s.pk for s in three}  # built again and stored


@pytest.mark.parametrize("change", ["organisation", "location", "coverage", "service"])
def test_each_related_change_reaches_exactly_its_services(three, client, change):
    area = AreaFactory()  # a new area is a change of unknown reach: before the view
    _stored_after_a_view(client)
    if change == "organisation":
        organisation = Organisation.objects.get(name="Shared charity")
        organisation.name = "Renamed charity"
        organisation.save()
        touched = {three[0].pk, three[1].pk}
    elif change == "location":
        location = three[2].service_at_locations.get().location
        location.name = "New premises"
        location.save()
        touched = {three[2].pk}
    elif change == "coverage":
        three[0].coverage_areas.add(area)
        touched = {three[0].pk}
    else:
        three[2].name = "Renamed service"
        three[2].save()
        touched = {three[2].pk}
    assert _valid() == {s.pk for s in three} - touched


def test_a_change_whose_reach_is_unknown_makes_every_rendering_stale(three, client):
    _stored_after_a_view(client)
    Service.objects.filter(pk=three[0].pk).update(status="paused")  # a bulk write, which must bump
    version.bump()
    assert _valid() == set()
    assert [i["status"] for i in client.get(LIST).json()["contents"] if i["name"] == "Service 0"] == [
        "temporarily closed"]


def test_a_new_release_never_uses_what_the_old_code_built(three, client, settings):
    _stored_after_a_view(client)
    settings.RELEASE_ID = "next-release"
    assert _valid() == set()


def test_a_card_is_stale_the_next_day_a_document_is_not(three):
    call_command("build_renderings", kind=[renderings.CARD, DOCUMENT], language=["en"], verbosity=0)
    assert _valid(renderings.CARD) == _valid(DOCUMENT) == {s.pk for s in three}
    with time_machine.travel(date.today() + timedelta(days=1)):
        assert _valid(renderings.CARD) == set()
        assert _valid(DOCUMENT) == {s.pk for s in three}


def test_a_rendering_built_while_its_service_changed_is_not_used(three):
    """The token is read before the rows: a change committed in between leaves the stored rendering
    under the old token."""
    from directory.oruk import documents

    real = documents.service_json

    def build_during_a_change(rows, full):
        WaitingTimeReport.objects.create(service=three[0], weeks=9, as_of=date.today())
        return real(rows, full=full)

    generation = _generation()
    documents.service_json = build_during_a_change
    try:
        with translation.override("en"):
            renderings.oruk_json([three[0].public_id], full=True, generation=generation)
    finally:
        documents.service_json = real
    assert ServiceRendering.objects.filter(service=three[0], kind=DOCUMENT).exists()
    assert three[0].pk not in _valid()


def test_read_by_the_callers_tokens_a_rendering_is_used_only_under_the_token_it_was_built_with(three):
    """renderings.fetch(tokens=...): the search index and a list's page query hold each service's
    token as read with the rows they show; the services' table is not read again."""
    call_command("build_renderings", kind=[DOCUMENT], language=["en"], verbosity=0)
    live = dict(Service.objects.values_list("pk", "render_token"))
    generation = _generation()  # a wait changes tokens, not the generation
    with translation.override("en"):
        def by_token(tokens):
            return renderings.fetch(DOCUMENT, list(tokens), generation=generation, tokens=tokens)

        assert by_token(live) == renderings.fetch(DOCUMENT, list(live), generation=generation)
        assert set(by_token(live)) == {s.pk for s in three}
        WaitingTimeReportFactory(service=three[1], weeks=17)  # a new token for service 1
        assert set(by_token(live)) == {s.pk for s in three}  # as the rows read before the change
        renewed = dict(Service.objects.values_list("pk", "render_token"))
        assert set(by_token(renewed)) == {three[0].pk, three[2].pk}
        with CaptureQueriesContext(connection) as queries:
            by_token(renewed)
        assert len(queries) == 1 and f'"{Service._meta.db_table}"' not in queries[0]["sql"]


def test_read_as_utf8_the_texts_are_the_stored_ones_encoded_as_the_database_holds_them(three):
    """renderings.fetch(utf8=True): what the ORUK list splices into its page without decoding it."""
    three[0].name = "Gwasanaeth Ynys Môn ŵ 🙂"  # not ASCII; one UTF-8 character of four bytes
    three[0].save()
    version.bump(services=[three[0].pk])
    call_command("build_renderings", kind=[DOCUMENT], language=["en", "cy"], verbosity=0)
    tokens = dict(Service.objects.values_list("pk", "render_token"))
    generation = _generation()
    for language in ("en", "cy"):
        with translation.override(language):
            texts = renderings.fetch(DOCUMENT, list(tokens), generation=generation, tokens=tokens)
            as_bytes = renderings.fetch(DOCUMENT, list(tokens), generation=generation, tokens=tokens, utf8=True)
        assert set(texts) == {s.pk for s in three}
        assert as_bytes == {pk: text.encode() for pk, text in texts.items()}
        assert "Ynys Môn ŵ 🙂" in texts[three[0].pk]
    with pytest.raises(ValueError):
        renderings.fetch(DOCUMENT, list(tokens), generation=generation, utf8=True)  # by tokens only


def test_a_page_with_some_documents_stored_is_the_page_with_all_stored(three, client):
    """The list splices stored documents as bytes and built ones as text encoded: the same bytes."""
    three[1].name = "Gwasanaeth ŵ 🙂"
    three[1].save()
    version.bump(services=[three[1].pk])
    first = client.get(LIST).content  # every document built, then stored
    ServiceRendering.objects.filter(service=three[2]).delete()
    version.bump(services=[])  # a new version (no cached page); the others' documents still valid
    assert _valid() == {three[0].pk, three[1].pk}
    assert client.get(LIST).content == first
    assert client.get(LIST).content == first  # every one stored now


def test_nothing_is_stored_where_storing_on_read_is_off_and_the_page_is_the_same(three, client, settings):
    stored_page = client.get(LIST).content
    ServiceRendering.objects.all().delete()
    version.bump(services=[])
    settings.RENDERINGS_STORE_ON_READ = False
    assert client.get(LIST).content == stored_page
    assert not ServiceRendering.objects.exists()


def test_a_refused_write_still_serves_the_page(three, client, monkeypatch):
    from django.db import DatabaseError

    def refuse(*args, **kwargs):
        raise DatabaseError("cannot execute INSERT in a read-only transaction")

    monkeypatch.setattr(renderings, "_write", refuse)
    response = client.get(LIST)
    assert response.status_code == 200 and len(response.json()["contents"]) == 3
    assert not ServiceRendering.objects.exists()


def test_build_renderings_builds_every_kind_and_language_once(three):
    call_command("build_renderings", verbosity=0)
    assert ServiceRendering.objects.count() == len(three) * len(renderings.KINDS) * 2
    with CaptureQueriesContext(connection) as again:
        call_command("build_renderings", verbosity=0)
    assert not any(q["sql"].startswith("INSERT") for q in again.captured_queries)


def test_a_removed_location_reaches_its_service(three, client):
    _stored_after_a_view(client)
    extra = LocationFactory(organisation=three[0].organisation, name="Second base")
    ServiceAtLocationFactory(service=three[0], location=extra)
    _stored_after_a_view(client)
    extra.delete()
    assert _valid() == {three[1].pk, three[2].pk}
    names = [link["location"]["name"] for item in client.get(LIST).json()["contents"]
             for link in item["service_at_locations"] if item["name"] == "Service 0"]
    assert "Second base" not in names


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's storage (SQLite has none)")
def test_on_postgresql_stored_renderings_stay_in_the_row():
    """Migration 0006: a ~7 KB document kept in the table's page (lz4 beyond that), not moved to the
    TOAST table, so reading a page of 50 needs no TOAST look-ups."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [ServiceRendering._meta.db_table])
        assert "toast_tuple_target=8160" in cursor.fetchone()[0]
        cursor.execute("SELECT attstorage FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'text'",
                       [ServiceRendering._meta.db_table])
        assert cursor.fetchone()[0] == "m"  # MAIN: compressed in the row before ever moved out
