"""import_oruk in batches: the bulk fast path gives what the record-by-record path gives, in a number
of queries that does not grow with the feed, and a record the database refuses is still reported alone."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory import version
from directory.models import (
    Location,
    Organisation,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    WaitingTimeReport,
)
from directory.oruk import bulk_import, importer
from directory.oruk.importer import import_records
from tests.directory.oruk.test_import_export import counts, empty_the_directory, export_text
from tests.factories import LocationFactory, ServiceAtLocationFactory, ServiceFactory, WaitingTimeReportFactory


def _documents() -> list[dict]:
    return json.loads(export_text())


def _record_by_record(monkeypatch) -> None:
    monkeypatch.setattr(bulk_import.FastPath, "offer", lambda self, *args: False)


def _database_state() -> tuple:
    """What the directory holds, including history, by public ids (row ids differ between runs)."""
    services = {
        str(s.public_id): (
            s.updated_at, sorted(s.coverage_areas.values_list("code", flat=True)),
            s.is_published, list(s.changes.values_list("kind", "state", "held_because")),
            # The latest entry (the record-by-record path writes two for a new service with coverage).
            [(r.history_change_reason, sorted(r.coverage_areas.values_list("area__code", flat=True)))
             for r in s.history.order_by("history_date", "history_id")][-1:],
        )
        for s in Service.objects.all()
    }
    waits = sorted((str(w.service.public_id), w.weeks, w.as_of, w.recorded_at) for w in WaitingTimeReport.objects.all())
    return services, waits, counts(), Location.history.count() > 0, Organisation.history.count() > 0, _terms()


def _terms() -> tuple:
    """Every imported term as it stands, and the terms each service lists, by public ids."""
    terms = sorted(
        (str(t.public_id), t.name, t.code, t.description, t.taxonomy.name if t.taxonomy else None,
         str(t.parent.public_id) if t.parent else None)
        for t in TaxonomyTerm.objects.select_related("taxonomy", "parent")
    )
    listed = sorted((str(service), str(term)) for service, term in Service.taxonomy_terms.through.objects.values_list(
        "service__public_id", "taxonomyterm__public_id"))
    return terms, listed


@pytest.fixture
def many(wales_areas):
    """Twelve services across four organisations, sharing locations, each with waits and coverage."""
    areas = list(wales_areas.values())
    made = []
    for number in range(12):
        shared = {"organisation": made[number - 4].organisation} if number >= 4 else {}
        service = ServiceFactory(name=f"Service {number:02}", coverage=areas[number % 5 : number % 5 + 1 + number % 3],
                                 **shared)
        WaitingTimeReportFactory(service=service, weeks=number, as_of=date(2025, 1, 1 + number))
        location = made[number - 4].service_at_locations.first().location if number >= 4 else LocationFactory(
            organisation=service.organisation)
        ServiceAtLocationFactory(service=service, location=location)
        made.append(service)
    return made


def test_the_fast_path_and_the_record_by_record_path_leave_the_same_directory(feed, many, monkeypatch):
    original = export_text()
    documents = json.loads(original)
    empty_the_directory()
    fast = import_records(documents)
    assert (fast.created, fast.rejected) == (17, [])
    fast_state, fast_export = _database_state(), export_text()
    assert fast_export == original

    empty_the_directory()
    _record_by_record(monkeypatch)
    slow = import_records(documents)
    assert (slow.created, slow.rejected, slow.notes) == (fast.created, fast.rejected, fast.notes)
    assert export_text() == fast_export
    assert _database_state() == fast_state


def _silent_on_our_criteria(document: dict) -> dict:
    """The record as another publisher would give it: nothing of our criteria, by csa_ field or attribute."""
    return {key: value for key, value in document.items()
            if key not in ("attributes", "csa_abuse_forms", "csa_audiences", "csa_referrers", "csa_disclosure_required")}


def test_new_services_waiting_for_a_moderator_are_the_same_by_either_path(feed, many, monkeypatch):
    documents = json.loads(export_text())
    documents = [_silent_on_our_criteria(d) if number % 2 else d for number, d in enumerate(documents)]
    empty_the_directory()
    fast = import_records(documents)
    assert (fast.created, fast.held, fast.rejected) == (17, 8, [])
    fast_state = _database_state()
    assert Service.objects.filter(is_published=False).count() == 8

    empty_the_directory()
    _record_by_record(monkeypatch)
    slow = import_records(documents)
    assert (slow.created, slow.held, slow.notes) == (fast.created, fast.held, fast.notes)
    assert _database_state() == fast_state


MOMENT = datetime(2027, 1, 4, 9, tzinfo=UTC)


def _changed(documents: list[dict]) -> list[dict]:
    """A night's changes across the feed, each of a kind the fast path updates (own fields, a new
    wait, unmapped data, coverage) or declines (locations), among records left alone."""
    documents = [dict(document) for document in documents]
    documents[0]["name"] = "Renamed service"
    documents[1]["description"] = "A new description."
    documents[2].update(csa_wait_weeks=30, csa_wait_as_of="2025-06-01", csa_referrals_open=False)
    documents[3].update(name="Renamed with a new wait", csa_wait_weeks=2, csa_wait_as_of="2025-06-02")
    documents[4]["x_publisher_note"] = "kept, not mapped"
    documents[5]["status"] = "inactive"
    documents[6]["service_at_locations"] = []  # declined: the per-record path removes the link
    documents[7]["service_areas"] = documents[7]["service_areas"][:0]  # no areas
    documents[8].update(csa_wait_weeks=documents[8]["csa_wait_weeks"])  # the same wait again: unchanged
    documents[9]["service_areas"] = documents[9]["service_areas"] + [_another_area(documents[9], documents)]
    documents[10].update(name="Renamed, an area less", service_areas=documents[10]["service_areas"][1:])
    documents[11]["service_areas"] = documents[11]["service_areas"][1:] + [_another_area(documents[11], documents)]
    return documents


def _another_area(document: dict, documents: list[dict]) -> dict:
    """An area another record lists and this one does not."""
    listed = {area["uri"] for area in document["service_areas"]}
    return next(area for other in documents for area in other["service_areas"] if area["uri"] not in listed)


def test_updates_leave_the_same_directory_by_either_path(many, monkeypatch):
    """The fast path's updates against the record-by-record path's: the same rows, the same
    history entries and waits, the same report, from the same directory at the same moment."""
    documents = _changed(_documents())
    before = json.loads(export_text())
    empty_the_directory()
    assert import_records(before).created == 12  # the same directory, made the same way, before each run

    with time_machine.travel(MOMENT, tick=False):
        since = _last_history_id()
        fast = import_records(documents)
        fast_state, fast_export = _database_state(), export_text()
        fast_history = _history(since)
    assert (fast.created, fast.updated, fast.unchanged, fast.rejected) == (0, 11, 1, [])
    assert json.loads(fast_export) != before

    empty_the_directory()
    assert import_records(before).created == 12
    _record_by_record(monkeypatch)
    with time_machine.travel(MOMENT, tick=False):
        since = _last_history_id()
        slow = import_records(documents)
        assert (slow.created, slow.updated, slow.unchanged, slow.rejected, slow.notes) == (
            fast.created, fast.updated, fast.unchanged, fast.rejected, fast.notes)
        assert export_text() == fast_export
        assert _database_state() == fast_state
        assert _history(since) == fast_history


# One change to one record of the feed: each of a kind the bulk path updates, declines or the
# database refuses, so that random nights mix them within a batch.
NIGHTLY_CHANGES = {
    "rename": lambda d: d.update(name=f"{d['name']} renamed"),
    "describe": lambda d: d.update(description="Described anew."),
    "wait": lambda d: d.update(csa_wait_weeks=(d.get("csa_wait_weeks") or 0) + 3, csa_wait_as_of="2026-11-30"),
    "close the list": lambda d: d.update(csa_referrals_open=False, csa_wait_weeks=52, csa_wait_as_of="2026-11-29"),
    "the same wait": lambda d: d.update(csa_wait_weeks=d.get("csa_wait_weeks")),
    "close the service": lambda d: d.update(status="inactive"),
    "unmapped data": lambda d: d.update(x_note="kept"),
    "no locations": lambda d: d.update(service_at_locations=[]),
    "no coverage": lambda d: d.update(service_areas=[]),
    "an area less": lambda d: d.update(service_areas=d["service_areas"][1:]),
    "another area": lambda d: d.update(service_areas=[*d["service_areas"], CARDIFF_REF]),
    "an area twice": lambda d: d.update(service_areas=[*d["service_areas"], *d["service_areas"][:1]]),
    "supports nobody": lambda d: d.update(csa_audiences=[]),  # the database's check refuses it
    "its first location renamed": lambda d: d.update(service_at_locations=_first_location_renamed(d)),
}


def _first_location_renamed(document: dict) -> list[dict]:
    """The record's links, the first one's location renamed (copies: the baseline is shared)."""
    links = [dict(link) for link in document["service_at_locations"]]
    if links:
        links[0]["location"] = {**links[0]["location"], "name": "Moved across town"}
    return links
CARDIFF_REF = {"name": "Cardiff", "uri": "http://statistics.data.gov.uk/id/statistical-geography/W06000015"}
nights = st.lists(st.tuples(st.integers(0, 11), st.sampled_from(sorted(NIGHTLY_CHANGES))), max_size=12)


TAXONOMY_ID = uuid.UUID("5d7c1a0e-0000-4000-8000-000000000001")
SUPPORT, COUNSELLING, ADVOCACY, GROUPS = (uuid.UUID(f"5d7c1a0e-0000-4000-8000-00000000001{n}") for n in range(4))
TERMS = {SUPPORT: ("Support", "S"), COUNSELLING: ("Counselling", "C1"), ADVOCACY: ("Advocacy", "A1"),
         GROUPS: ("Groups", "G1")}
NEW_TERM = uuid.UUID("5d7c1a0e-0000-4000-8000-000000000099")
UNKNOWN_TERM = uuid.UUID("5d7c1a0e-0000-4000-8000-000000000098")


@pytest.fixture
def with_terms(many):
    """`many`, eight of them also listing terms of a taxonomy a council's feed brought (three
    under a parent that one service lists itself, as such feeds have them)."""
    taxonomy = Taxonomy.objects.create(public_id=TAXONOMY_ID, name="Council types")
    parent = TaxonomyTerm.objects.create(public_id=SUPPORT, taxonomy=taxonomy, name="Support", code="S")
    terms = [TaxonomyTerm.objects.create(public_id=public_id, taxonomy=taxonomy, name=TERMS[public_id][0],
                                         code=TERMS[public_id][1], parent=parent)
             for public_id in (COUNSELLING, ADVOCACY, GROUPS)]
    listed = {0: [parent], 1: [terms[0]], 2: [terms[1], terms[2]]}
    for number, service in enumerate(many):
        if number % 3 or number == 0:
            service.taxonomy_terms.add(*listed[number % 3])
    return many


def _term_attribute(term_id: uuid.UUID, **changes) -> dict:
    """An attribute naming one of `with_terms`' terms, as a council's feed gives it."""
    name, code = TERMS.get(term_id, ("Therapy", "T1"))
    term = {"id": str(term_id), "name": name, "code": code, "description": "", "taxonomy": "Council types",
            "taxonomy_id": str(TAXONOMY_ID), "parent_id": None if term_id == SUPPORT else str(SUPPORT)}
    return {"taxonomy_term_id": str(term_id), "taxonomy_term": term | changes}


def _imported(document: dict) -> list[dict]:
    return [a for a in document.get("attributes", []) if uuid.UUID(a["taxonomy_term_id"]) in TERMS]


def _without_imported(document: dict) -> list[dict]:
    return [a for a in document.get("attributes", []) if uuid.UUID(a["taxonomy_term_id"]) not in TERMS]


# One change to the imported terms one record lists: those the bulk path takes (terms it knows,
# unchanged), and those it declines (a term or taxonomy new or changed, an unknown id).
TERM_CHANGES = {
    "another term": lambda d: d.update(attributes=[*d.get("attributes", []), _term_attribute(GROUPS)]),
    "no imported terms": lambda d: d.update(attributes=_without_imported(d)),
    "one term for another": lambda d: d.update(attributes=[*_without_imported(d), _term_attribute(ADVOCACY)]),
    "a term by its id only": lambda d: d.update(attributes=[*_without_imported(d),
                                                             {"taxonomy_term_id": str(COUNSELLING)}]),
    "a term renamed": lambda d: d.update(attributes=[*d.get("attributes", []),
                                                      _term_attribute(COUNSELLING, name="Counselling for children")]),
    "a term under no parent": lambda d: d.update(attributes=[*d.get("attributes", []),
                                                              _term_attribute(ADVOCACY, parent_id=str(GROUPS))]),
    "a new term": lambda d: d.update(attributes=[*d.get("attributes", []), _term_attribute(NEW_TERM)]),
    "an unknown term by its id only": lambda d: d.update(attributes=[*d.get("attributes", []),
                                                                      {"taxonomy_term_id": str(UNKNOWN_TERM)}]),
    "a new taxonomy": lambda d: d.update(attributes=[*_without_imported(d), _term_attribute(
        GROUPS, taxonomy_id="5d7c1a0e-0000-4000-8000-000000000002", taxonomy="Another council's types")]),
}
NIGHTLY_CHANGES |= TERM_CHANGES


@pytest.fixture
def many_as_a_feed(with_terms) -> list[dict]:
    """`many` exported once: every example starts from the same feed (an export after an earlier
    example would carry its changes, dated in the future)."""
    return _documents()


def _by_either_path(baseline: list[dict], documents: list[dict], monkeypatch) -> tuple[tuple, tuple]:
    """`documents` imported over a directory made from `baseline`, by the fast path and then record
    by record, at the same moment: each run's report, export, database state and history."""

    def run(record_by_record: bool) -> tuple:
        empty_the_directory()
        import_records(baseline)
        with monkeypatch.context() as patched, time_machine.travel(MOMENT, tick=False):
            if record_by_record:
                _record_by_record(patched)
            since = _last_history_id()
            report = import_records(documents, skip_invalid=True)
            # A refusal's first line: PostgreSQL's detail names the row's id, which differs between runs.
            rejected = [(label, message.splitlines()[0]) for label, message in report.rejected]
            return ((report.created, report.updated, report.unchanged, rejected, report.notes),
                    export_text(), _database_state(), _history(since))

    return run(record_by_record=False), run(record_by_record=True)


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(night=nights)
def test_any_nights_changes_leave_the_same_directory_by_either_path(many_as_a_feed, monkeypatch, night):
    baseline = many_as_a_feed
    documents = [dict(document) for document in baseline]
    for index, change in night:
        NIGHTLY_CHANGES[change](documents[index])

    fast, slow = _by_either_path(baseline, documents, monkeypatch)
    assert fast[0] == slow[0]
    assert fast[1] == slow[1]
    assert fast[2] == slow[2]
    assert fast[3] == slow[3]


def test_an_area_listed_twice_leaves_the_same_history_by_either_path(many_as_a_feed, monkeypatch):
    """Found by the test above: a record losing one area and listing another twice (as a feed can)
    gave the record-by-record path a second history entry, of no change."""
    baseline = many_as_a_feed
    documents = [dict(document) for document in baseline]
    index = next(i for i, document in enumerate(documents) if len(document["service_areas"]) >= 2)
    areas = documents[index]["service_areas"]
    documents[index]["service_areas"] = [*areas[1:], areas[1]]

    fast, slow = _by_either_path(baseline, documents, monkeypatch)

    assert fast == slow
    assert [kind for _id, kind, *_rest in slow[3]] == ["~"]  # one change: an area fewer


def _last_history_id() -> int:
    return Service.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0


def _history(since: int) -> list[tuple]:
    """The services' history entries written after this one: kind, reason, name, status, coverage."""
    return sorted(
        (str(entry.public_id), entry.history_type, entry.history_change_reason or "", entry.name, entry.status,
         sorted(entry.coverage_areas.values_list("area__code", flat=True)))
        for entry in Service.history.filter(history_id__gt=since)
    )


def test_an_update_through_the_fast_path_is_what_a_provider_and_the_public_then_see(many):
    documents = _changed(_documents())
    service = Service.objects.get(public_id=documents[3]["id"])
    waited = Service.objects.get(public_id=documents[2]["id"])
    entries = waited.history.count()
    report = import_records(documents)

    assert report.updated == 11
    service.refresh_from_db()
    assert service.name == "Renamed with a new wait"
    latest = service.waiting_times.order_by("-as_of").first()
    assert (latest.weeks, latest.as_of) == (2, date(2025, 6, 2))
    entry = service.history.latest("history_date")
    assert (entry.history_type, entry.history_change_reason, entry.name) == (
        "~", "Imported from an Open Referral feed", "Renamed with a new wait")
    assert Service.objects.get(public_id=documents[5]["id"]).status == "closed"
    assert Service.objects.get(public_id=documents[4]["id"]).raw_extensions["x_publisher_note"] == "kept, not mapped"
    # Only a new wait: no history entry (the per-record path saves no service row for it).
    assert waited.waiting_times.order_by("-as_of").first().weeks == 30
    assert waited.history.count() == entries
    # One area for another: the search and the gaps read the new coverage, and its history says so.
    swapped = Service.objects.get(public_id=documents[11]["id"])
    listed = sorted(area["uri"].rsplit("/", 1)[1] for area in documents[11]["service_areas"])
    assert sorted(swapped.coverage_areas.values_list("code", flat=True)) == listed
    assert sorted(swapped.history.latest("history_id").coverage_areas.values_list("area__code", flat=True)) == listed


def _by_name(documents: list[dict]) -> dict[str, dict]:
    """The feed's documents by service name (the export's order follows random ids)."""
    return {document["name"]: document for document in documents}


def test_term_changes_leave_the_same_directory_by_either_path(with_terms, monkeypatch):
    """Each kind of change to a record's imported terms, on its own record, then three of them on
    one record, against the record-by-record path from the same directory at the same moment."""
    baseline = _documents()
    documents = [dict(document) for document in baseline]
    named = _by_name(documents)
    for change, name in [
        ("another term", "Service 00"), ("no imported terms", "Service 02"), ("one term for another", "Service 05"),
        ("a term by its id only", "Service 03"), ("a term renamed", "Service 01"),
        ("a term under no parent", "Service 08"), ("a new term", "Service 06"),
        ("an unknown term by its id only", "Service 09"), ("a new taxonomy", "Service 11"),
        ("another term", "Service 07"), ("a term renamed", "Service 07"), ("a new term", "Service 07"),
    ]:
        TERM_CHANGES[change](named[name])

    fast, slow = _by_either_path(baseline, documents, monkeypatch)
    # A renamed term or one under another parent changes the term, not the list of the service
    # that names it; an unknown id is noted and ignored.
    assert fast[0][:3] == (0, 7, 5)
    assert fast[0][4] == [(named["Service 09"]["id"],
                           f"attribute naming an unknown taxonomy term without the term, ignored: {UNKNOWN_TERM}")]
    assert fast[0] == slow[0]
    assert fast[1] == slow[1]
    assert fast[2] == slow[2]
    assert fast[3] == slow[3]


def test_known_imported_terms_added_and_removed_take_the_bulk_path(with_terms, monkeypatch):
    documents = _documents()
    named = _by_name(documents)
    TERM_CHANGES["another term"](named["Service 01"])
    TERM_CHANGES["no imported terms"](named["Service 02"])
    TERM_CHANGES["one term for another"](named["Service 05"])
    TERM_CHANGES["a term by its id only"](named["Service 03"])

    def record_by_record(*args):
        raise AssertionError("every record here is the bulk path's")

    monkeypatch.setattr(importer, "apply_service", record_by_record)
    with time_machine.travel(MOMENT, tick=False):
        report = import_records(documents)

    assert (report.updated, report.unchanged, report.rejected) == (4, 8, [])

    def listed(name: str) -> list[str]:
        return sorted(Service.objects.get(name=name).taxonomy_terms.values_list("name", flat=True))

    assert listed("Service 01") == ["Counselling", "Groups"]
    assert listed("Service 02") == []
    assert listed("Service 05") == ["Advocacy"]
    assert listed("Service 03") == ["Counselling"]
    assert listed("Service 04") == ["Counselling"]
    assert Service.objects.get(name="Service 05").updated_at == MOMENT  # harvesters of our feed see it changed
    assert Service.objects.get(name="Service 04").updated_at != MOMENT
    # The API's filter by term reads the new links.
    assert sorted(Service.objects.filter(taxonomy_terms__public_id=GROUPS).values_list("name", flat=True)) == [
        "Service 01", "Service 08", "Service 11"]


def test_a_feed_with_imported_terms_is_imported_in_bulk_once_each_term_exists(with_terms, monkeypatch):
    documents = _documents()
    for document in documents:
        # Records sharing a location with one written record by record are declined (the rows
        # they share changed since they were read): here only the terms decide.
        document["service_at_locations"] = []
    empty_the_directory()
    by_record = []
    apply_service = importer.apply_service
    monkeypatch.setattr(importer, "apply_service", lambda data, run: by_record.append(data.fields["name"]) or
                        apply_service(data, run))

    report = import_records(documents)

    assert (report.created, report.rejected) == (12, [])
    # Only a record listing a term the directory does not hold as it gives it goes record by
    # record: the first to list each term (a parent named before its own record is a placeholder).
    held, expected = {}, []
    for document in documents:
        terms = {a["taxonomy_term_id"]: a["taxonomy_term"]["name"] for a in _imported(document)}
        parents = {a["taxonomy_term"].get("parent_id") for a in _imported(document)} - {None}
        if any(held.get(term) != name for term, name in terms.items()):
            expected.append(document["name"])
        held |= {parent: "a placeholder" for parent in parents - held.keys()} | terms
    assert by_record == expected
    assert 3 <= len(by_record) <= 4
    exported = _by_name(json.loads(export_text()))
    assert {name: _imported(exported[name]) for name in exported} == {
        document["name"]: _imported(document) for document in documents}


@pytest.mark.parametrize("change", [
    {"name": "Group work"}, {"code": "G2"}, {"description": "Weekly groups"}, {"parent_id": str(ADVOCACY)},
    {"term_uri": "https://example.org/terms/groups"},
])
def test_a_term_the_feed_changes_is_changed(with_terms, change):
    documents = _documents()
    before = version.read()
    for document in documents:
        for attribute in _imported(document):
            if attribute["taxonomy_term_id"] == str(GROUPS):
                attribute["taxonomy_term"] = attribute["taxonomy_term"] | change
    report = import_records(documents)
    assert (report.updated, report.unchanged, report.rejected) == (0, 12, [])  # the services list the same terms
    groups = TaxonomyTerm.objects.get(public_id=GROUPS)
    field, value = next(iter(change.items()))
    assert (str(groups.parent.public_id) if field == "parent_id" else getattr(groups, field)) == value
    # No service changed, yet each shows the term: their stored renderings are stale (a new generation).
    assert version.read()[1] != before[1]


def test_an_unchanged_feed_with_imported_terms_writes_nothing(with_terms):
    documents = _documents()
    with CaptureQueriesContext(connection) as queries:
        report = import_records(documents)
    assert report.unchanged == 12
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []  # the version too: see test_an_unchanged_feed_leaves_the_version_alone
    assert len(queries) < 25


def test_a_location_the_feed_changes_goes_record_by_record_once(many, monkeypatch):
    """Three services share each location: the first record that carries the change saves it, and
    the records after it that list the location as it now is take the bulk path."""
    documents = _documents()
    moved = documents[0]["service_at_locations"][0]["location_id"]
    listing = []
    for document in documents:
        if any(link["location_id"] == moved for link in document["service_at_locations"]):
            document["service_at_locations"] = [
                {**link, "location": {**link["location"], "name": "Moved across town"}}
                if link["location_id"] == moved else link for link in document["service_at_locations"]]
            listing.append(document["name"])
    assert len(listing) == 3
    by_record = []
    apply_service = importer.apply_service
    monkeypatch.setattr(importer, "apply_service", lambda data, run: by_record.append(data.fields["name"]) or
                        apply_service(data, run))

    report = import_records(documents)

    assert by_record == listing[:1]
    assert (report.updated, report.unchanged) == (1, 11)  # as record by record: the others' rows are as listed
    assert Location.objects.get(public_id=moved).name == "Moved across town"


@pytest.mark.parametrize("directory", ["as exported", "empty"])
def test_location_changes_leave_the_same_directory_by_either_path(many, monkeypatch, directory):
    """A location renamed by the second of the three records that list it, not by the others:
    record by record, each sets it as it lists it, and the last word stays. Into an empty
    directory the first record makes it (in bulk) before the second renames it."""
    baseline = _documents()
    documents = [dict(document) for document in baseline]
    shared = documents[0]["service_at_locations"][0]["location_id"]
    listing = [d for d in documents if d["service_at_locations"][0]["location_id"] == shared]
    NIGHTLY_CHANGES["its first location renamed"](listing[1])
    fast, slow = _by_either_path(baseline if directory == "as exported" else [], documents, monkeypatch)
    # (New services' history differs by design: one entry in bulk, two record by record.)
    assert fast[:3] == slow[:3]
    assert directory == "empty" or fast[3] == slow[3]
    assert Location.objects.get(public_id=shared).name != "Moved across town"


def test_areas_removed_across_a_batch_are_deleted_in_several_statements(many, monkeypatch):
    monkeypatch.setattr(bulk_import, "DELETE_CHUNK", 1)
    documents = _changed(_documents())
    del documents[6]  # its locations change: the one record the bulk path declines
    for document in documents[:4]:
        document["service_areas"] = []

    def record_by_record(*args):
        raise AssertionError("every record here is the bulk path's")

    monkeypatch.setattr(importer, "apply_service", record_by_record)

    import_records(documents)

    for document in documents:
        listed = sorted(area["uri"].rsplit("/", 1)[1] for area in document["service_areas"])
        service = Service.objects.get(public_id=document["id"])
        assert sorted(service.coverage_areas.values_list("code", flat=True)) == listed


def test_updating_many_records_takes_no_more_queries_than_updating_a_few(many):
    def queries_for(count: int) -> int:
        documents = _documents()
        for number, document in enumerate(documents[:count]):
            document.update(description=f"Changed {count} {number}", csa_wait_weeks=40 + number)
        with CaptureQueriesContext(connection) as queries:
            report = import_records(documents)
        assert (report.updated, report.unchanged) == (count, 12 - count)
        return len(queries)

    few = queries_for(2)  # first: the first import of a test reads a little more (cached after)
    assert queries_for(10) == few


def test_a_new_service_has_a_history_entry_with_its_coverage(many):
    documents = _documents()
    empty_the_directory()
    import_records(documents)
    service = Service.objects.get(name="Service 07")
    entry = service.history.latest("history_date")
    assert entry.history_change_reason == "Imported from an Open Referral feed"
    assert sorted(entry.coverage_areas.values_list("area__code", flat=True)) == sorted(
        service.coverage_areas.values_list("code", flat=True))
    assert Location.history.filter(history_change_reason=entry.history_change_reason).count() == (
        Location.objects.count())


def test_the_number_of_queries_does_not_grow_with_the_feed(many):
    documents = _documents()

    def queries_for(records: list[dict]) -> int:
        empty_the_directory()
        with CaptureQueriesContext(connection) as queries:
            report = import_records(records)
        assert report.created == len(records)
        return len(queries)

    assert queries_for(documents) == queries_for(documents[:3])


def test_an_unchanged_feed_is_read_in_a_few_queries_and_writes_nothing(many):
    documents = _documents()
    with CaptureQueriesContext(connection) as queries:
        report = import_records(documents)
    assert report.unchanged == 12
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "DELETE")]
    assert writes == []
    assert len(queries) < 20


def test_an_unchanged_feed_leaves_the_version_alone(many):
    """A nightly re-import of an unchanged feed replaced the generation: every stored rendering, in
    both languages, went stale and every ETag changed, so harvesters downloaded everything again."""
    before = version.read()
    report = import_records(_documents())
    assert (report.unchanged, report.rejected) == (12, [])
    assert version.read() == before


@pytest.mark.parametrize("path", ["bulk", "record by record"])
def test_a_feed_changing_one_service_bumps_the_version(many, monkeypatch, path):
    if path == "record by record":
        monkeypatch.setattr(bulk_import.FastPath, "offer", lambda *args, **kwargs: False)
    documents = _documents()
    documents[5]["name"] = "Renamed"
    before = version.read()
    report = import_records(documents)
    assert (report.updated, report.unchanged) == (1, 11)
    assert version.read()[0] != before[0]


def test_a_changed_record_among_unchanged_ones_is_updated_alone(many):
    documents = _documents()
    documents[5]["name"] = "Renamed"
    documents[6]["service_at_locations"] = []
    report = import_records(documents)
    assert (report.created, report.updated, report.unchanged) == (0, 2, 10)
    assert Service.objects.filter(name="Renamed").count() == 1
    assert ServiceAtLocation.objects.count() == 11


def test_a_record_the_database_refuses_in_a_batch_is_rejected_alone(many):
    documents = _documents()
    empty_the_directory()
    documents[4]["csa_audiences"] = []  # a service must support someone: a check constraint
    report = import_records(documents, skip_invalid=True)
    assert (report.created, len(report.rejected)) == (11, 1)
    label, message = report.rejected[0]
    assert label == documents[4]["id"] and "service_supports_someone" in message
    assert Service.objects.count() == 11
    assert not Service.objects.filter(public_id=documents[4]["id"]).exists()


def test_an_update_the_database_refuses_in_a_batch_is_rejected_alone(many):
    documents = _documents()
    documents[3]["description"] = "Changed, and fine"
    documents[4].update(description="Changed too", csa_audiences=[])  # full_clean passes; the constraint not
    report = import_records(documents, skip_invalid=True)
    assert (report.updated, report.unchanged, len(report.rejected)) == (1, 10, 1)
    label, message = report.rejected[0]
    assert label == documents[4]["id"] and "service_supports_someone" in message
    assert Service.objects.get(public_id=documents[3]["id"]).description == "Changed, and fine"
    assert Service.objects.get(public_id=documents[4]["id"]).description != "Changed too"


def test_without_skip_invalid_a_refused_record_leaves_the_database_unchanged(many):
    documents = _documents()
    empty_the_directory()
    documents[9]["csa_audiences"] = []
    before = counts()
    report = import_records(documents)
    assert not report.committed and len(report.rejected) == 1
    assert counts() == before


def test_the_same_service_twice_in_one_feed_is_reported_and_the_second_refused(many):
    # It was created then updated, reported as an update: two versions of one record, silently.
    documents = _documents()
    empty_the_directory()
    again = dict(documents[2], name="Second thoughts")
    report = import_records([*documents, again], skip_invalid=True)
    assert (report.created, report.updated) == (12, 0)
    assert report.rejected == [(again["id"], "the feed gave this id already, in record 3: each service must be "
                                             "listed once")]
    assert Service.objects.get(public_id=again["id"]).name == documents[2]["name"]


def test_outcomes_are_reported_in_feed_order(many):
    documents = _documents()
    empty_the_directory()
    documents.insert(3, {"id": 6378, "name": "Legacy"})
    messages = []
    import_records(documents, skip_invalid=True, progress=messages.append)
    assert [m.split("]")[0] for m in messages] == [f"[{n}/13" for n in range(1, 14)]
    assert "rejected: id 6378 is a number" in messages[3]


def test_an_import_changes_the_directory_version_once_and_a_dry_run_not_at_all(many):
    documents = _documents()
    empty_the_directory()
    before = version.current()
    import_records(documents, dry_run=True)
    assert version.current() == before
    import_records(documents)
    assert version.current() != before
