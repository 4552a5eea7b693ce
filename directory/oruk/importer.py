"""Writes for `import_oruk`: upsert organisations, services, locations, areas and taxonomy terms.

All or nothing: every record is tried inside one transaction, each in its own savepoint so one
bad record is reported (with its id) without hiding the others' problems; then, if any record
failed and `skip_invalid` is off, or on a dry run, the whole transaction is rolled back and the
database is exactly as it was.

Upserts go by public id, so importing the same feed twice changes nothing the second time, and
a record that states the same facts as the database is counted unchanged and not saved.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone, translation

from directory import reference_data, version
from directory.listings.selectors import NamedAlike, name_key, services_named_alike
from directory.listings.services import imported_hold
from directory.models import (
    Area,
    Location,
    Organisation,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    WaitingTimeReport,
)
from directory.oruk import bulk_import
from directory.oruk.bulk_import import FastPath
from directory.oruk.records import (
    HELD_NOTE,
    UNMAPPED_AREAS,
    UNMAPPED_ONLY,
    AreaRef,
    LocationData,
    OrganisationData,
    RecordError,
    ServiceData,
    TermData,
    WaitData,
    criteria_unstated,
    defaults_note,
    kept_extensions,
    parse_service,
    record_label,
    service_fields,
)

CHANGE_REASON = "Imported from an Open Referral feed"
DUPLICATE_ID = "the feed gave this id already, in record {number}: each service must be listed once"
ORGANISATION_NOT_FOUND = "organization {id} is not in the database or the feed: give the organization object"
# ONS code prefixes for the kind of an area first met in a feed.
_KIND_BY_PREFIX = {"W11": Area.Kind.HEALTH_BOARD, "E92": Area.Kind.NATION, "W92": Area.Kind.NATION,
                   "S92": Area.Kind.NATION, "N92": Area.Kind.NATION}


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (record id, message)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (record id, what was normalised)
    dry_run: bool = False
    committed: bool = False
    changed: set[uuid.UUID] = field(default_factory=set)  # the services created or updated
    # Listings of one organisation named alike, one of them created or updated by the run: kept (the
    # feed's ids tell them apart, and its publisher may list one service at two places under one name)
    # but said, for a moderator to check.
    named_alike: list[NamedAlike] = field(default_factory=list)

    def rejection_counts(self) -> Counter:
        """Rejections grouped by reason: the record's own values (its id, an age) left out."""
        return Counter(_rejection_kind(message) for _record, message in self.rejected)

    @property
    def held(self) -> int:
        """New services left unpublished for a moderator (their records do not state our criteria)."""
        return sum(HELD_NOTE in message for _record, message in self.notes)

    def note_counts(self) -> Counter:
        """Notes grouped by kind, for a summary."""
        return Counter(_note_kind(message) for _record, message in self.notes)


def _note_kind(message: str) -> str:
    """Notes read "<kind>: <detail>"."""
    return message.split(": ", 1)[0]


# A record's own value in a rejection: a quoted text or a number ("id 6378 is a number, not a UUID").
_RECORD_VALUE = re.compile(r"'[^']*'|(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")


def _rejection_kind(message: str) -> str:
    """What a rejection says without the values that differ from record to record, or the hint in
    brackets at its end, so that 50 records rejected for one reason are one line of the summary."""
    kind = re.sub(r"\s*\([^()]*\)$", "", _note_kind(message))
    return _RECORD_VALUE.sub("…", kind)


def _validation_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        parts = [f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()]
        return "; ".join(parts)
    return " ".join(error.messages)


def _assign(instance, fields: dict) -> bool:
    """Set fields that differ; True if any did."""
    changed = False
    for name, value in fields.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _save(instance) -> None:
    instance._change_reason = CHANGE_REASON  # django-simple-history records why
    # Field validation here; the model's check constraints are left to the database. Django checks
    # each one with its own query (8 of the 9 ms a service's full_clean took: most of a national
    # import), and the database checks them again on save anyway: a violation raises inside this
    # record's savepoint and is reported with its record like any other error.
    instance.full_clean(validate_constraints=False)
    instance.save()


class _Run:
    """One import: caches what earlier records created so later ones reuse it."""

    def __init__(self):
        self.organisations: dict[uuid.UUID, Organisation] = {}
        self.areas: dict[str, Area] = {}
        self.areas_by_name: dict[str, Area] | None = None  # `_area_named`'s, read when first needed
        # Existing organisations and locations whose published facts changed: every service that
        # shows them is modified (`touch_services`), not only the record that changed them. Those
        # of the record being written are kept apart until it is (its savepoint may undo them).
        self.changed_organisations: set[int] = set()
        self.changed_locations: set[int] = set()
        self.record_organisations: set[int] = set()
        self.record_locations: set[int] = set()

    def record_written(self) -> None:
        self.changed_organisations |= self.record_organisations
        self.changed_locations |= self.record_locations
        self.record_undone()

    def record_undone(self) -> None:
        self.record_organisations, self.record_locations = set(), set()
        self.areas_by_name = None  # it may hold an area the record added, now undone

    def touch_services(self) -> None:
        """Modify now every service showing an organisation or location this run changed, so
        harvesters of our feed (`modified_after`) see the change. One UPDATE."""
        if not (self.changed_organisations or self.changed_locations):
            return
        links = ServiceAtLocation.objects.filter(location_id__in=self.changed_locations).values("service_id")
        Service.objects.filter(Q(organisation_id__in=self.changed_organisations) | Q(pk__in=links)).update(
            updated_at=timezone.now()
        )

    def organisation(self, data: ServiceData) -> Organisation:
        if data.organisation is not None:
            return self._upsert_organisation(data.organisation)
        if data.organisation_id in self.organisations:
            return self.organisations[data.organisation_id]
        organisation = Organisation.objects.filter(public_id=data.organisation_id).first()
        if organisation is None:
            raise RecordError(ORGANISATION_NOT_FOUND.format(id=data.organisation_id))
        self.organisations[organisation.public_id] = organisation
        return organisation

    def _upsert_organisation(self, data: OrganisationData) -> Organisation:
        organisation = self.organisations.get(data.public_id)
        if organisation is None:
            organisation = Organisation.objects.filter(public_id=data.public_id).first()
        if organisation is None:
            organisation = Organisation(public_id=data.public_id)
            _assign(organisation, data.fields)
            _save(organisation)
        elif _assign(organisation, data.fields):
            _save(organisation)
            self.record_organisations.add(organisation.pk)
        self.organisations[data.public_id] = organisation
        return organisation

    def area(self, ref: AreaRef, notes: list[str]) -> Area | None:
        if ref.code:
            key = ref.code
            # A code met before without a URI was cached as unknown; given with one it is added now.
            if key not in self.areas or (self.areas[key] is None and ref.uri):
                area = Area.objects.filter(code=ref.code).first()
                if area is None and ref.uri:  # an ONS area we have not met: add it
                    # Its Welsh name for the Welsh pages where one is in common use ("Bryste").
                    area = Area(code=ref.code, name=ref.name or ref.code,
                                name_cy=reference_data.gb_local_authority_name_cy(ref.code),
                                kind=_KIND_BY_PREFIX.get(ref.code[:3], Area.Kind.LOCAL_AUTHORITY))
                    area.full_clean()
                    area.save()
                    self.areas_by_name = None  # read again, with it
                self.areas[key] = area
            area = self.areas[key]
        else:
            area = self._area_named(ref.name)
            if area is not None:
                notes.append(f"service area without an ONS URI, matched by name: {ref.name!r} -> {area.code}")
        if area is None:
            notes.append(f"service area matching no known area, kept unmapped: {ref.name or ref.code!r} ({ref.uri!r})")
        return area

    def _area_named(self, name: str) -> Area | None:
        """The area whose English or Welsh name is `name` as listing names are compared (`name_key`:
        SQLite's `iexact` folded A-Z alone, so "YNYS MÔN" missed "Ynys Môn"), first by name; None for
        no name (an `iexact` of "" matched any area with no Welsh name). One query, then none until
        this run adds an area."""
        key = name_key(name)
        if not key:
            return None
        if self.areas_by_name is None:
            self.areas_by_name = {}
            for area in Area.objects.order_by("name", "pk"):
                for listed in (area.name, area.name_cy):
                    if listed:
                        self.areas_by_name.setdefault(name_key(listed), area)
        return self.areas_by_name.get(key)


def _coverage(service: Service, data: ServiceData, run: _Run) -> bool:
    if data.areas is None:
        return False
    areas, unmapped = [], []
    for ref in data.areas:
        area = run.area(ref, data.notes)
        if area is not None:
            areas.append(area)
        else:
            unmapped.append({"name": ref.name, "uri": ref.uri, "code": ref.code})
    if unmapped:
        data.raw[UNMAPPED_AREAS] = unmapped
    if {a.pk for a in areas} == set(service.coverage_areas.values_list("pk", flat=True)):
        return False
    # Each area once: given an area twice (feeds do), `set()` adds the second copy of one it kept,
    # which adds nothing yet still signals an addition, and so wrote a history entry of no change.
    service.coverage_areas.set(dict.fromkeys(areas))
    return True


def _taxonomy(term: TermData) -> Taxonomy | None:
    if term.taxonomy_id is None:
        return None
    taxonomy = Taxonomy.objects.filter(public_id=term.taxonomy_id).first()
    if taxonomy is None:
        taxonomy = Taxonomy(public_id=term.taxonomy_id, name=term.taxonomy_name or "Imported taxonomy")
        _save(taxonomy)
    return taxonomy


def _upsert_term(term: TermData, notes: list[str]) -> TaxonomyTerm | None:
    existing = TaxonomyTerm.objects.filter(public_id=term.public_id).first()
    if term.known_only_by_id:
        if existing is None:
            notes.append(f"attribute naming an unknown taxonomy term without the term, ignored: {term.public_id}")
        return existing
    row = existing or TaxonomyTerm(public_id=term.public_id)
    fields = {"name": term.name, "description": term.description, "code": term.code, "term_uri": term.term_uri,
              "taxonomy": _taxonomy(term)}
    if _assign(row, fields) or existing is None:
        row.full_clean()
        row.save()
    return row


def _parent_term(term: TermData, child: TaxonomyTerm, notes: list[str]) -> TaxonomyTerm:
    """The parent a term names; a placeholder until the feed shows it in full (HSDS nests no parents)."""
    parent = TaxonomyTerm.objects.filter(public_id=term.parent_id).first()
    if parent is None:
        parent = TaxonomyTerm(public_id=term.parent_id, taxonomy=child.taxonomy, name=f"Term {term.parent_id}",
                              description="Parent of an imported term; its details have not been imported.")
        parent.full_clean()
        parent.save()
        notes.append(f"parent taxonomy term not in the feed, placeholder made: {term.parent_id}")
    return parent


def _terms(service: Service, data: ServiceData) -> bool:
    if data.terms is None:
        return False
    rows = {term.public_id: _upsert_term(term, data.notes) for term in data.terms}
    for term in data.terms:  # parents after every term of the record exists
        row = rows.get(term.public_id)
        if row is not None and term.parent_id is not None:
            parent = rows.get(term.parent_id) or _parent_term(term, row, data.notes)
            if row.parent_id != parent.pk:
                row.parent = parent
                row.save(update_fields=["parent"])
    wanted = {row.pk for row in rows.values() if row is not None}
    if wanted == set(service.taxonomy_terms.values_list("pk", flat=True)):
        return False
    service.taxonomy_terms.set(wanted)
    return True


def _upsert_location(service: Service, data: LocationData, run: _Run) -> tuple[Location, bool]:
    location = Location.objects.filter(public_id=data.public_id).first()
    if location is None:
        location = Location(public_id=data.public_id, organisation=service.organisation)
        _assign(location, data.fields)
        _save(location)
        return location, True
    if _assign(location, data.fields):
        _save(location)
        run.record_locations.add(location.pk)
        return location, True
    return location, False


def _locations(service: Service, data: ServiceData, run: _Run) -> bool:
    if data.locations is None:
        return False
    changed = False
    kept = []
    for item in data.locations:
        location, location_changed = _upsert_location(service, item, run)
        changed |= location_changed
        link = (
            ServiceAtLocation.objects.filter(public_id=item.link_id).first()
            or ServiceAtLocation.objects.filter(service=service, location=location).first()
        )
        if link is None:
            link = ServiceAtLocation(public_id=item.link_id, service=service, location=location)
        if _assign(link, {"public_id": item.link_id, "service": service, "location": location}) or link.pk is None:
            link.full_clean(validate_unique=False)
            link.save()
            changed = True
        kept.append(link.pk)
    removed, _ = ServiceAtLocation.objects.filter(service=service).exclude(pk__in=kept).delete()
    return changed or bool(removed)


def _wait(service: Service, wait: WaitData | None, recorded_at: datetime) -> bool:
    if wait is None:
        return False
    current = WaitingTimeReport.objects.filter(service=service).order_by("-as_of", "-recorded_at", "-id").first()
    if current is not None and (current.weeks, current.as_of, current.referrals_open) == (
        wait.weeks, wait.as_of, wait.referrals_open
    ):
        return False
    report = WaitingTimeReport(
        service=service, weeks=wait.weeks, as_of=wait.as_of, referrals_open=wait.referrals_open,
        recorded_at=recorded_at,
    )
    report.full_clean()
    report.save()
    return True


def apply_service(data: ServiceData, run: _Run) -> str:
    """Upsert one parsed record; 'created', 'updated' or 'unchanged'."""
    organisation = run.organisation(data)
    service = Service.objects.filter(public_id=data.public_id).first()
    created = service is None
    # A new service is unpublished if its record leaves unsaid what a social worker decides on: our
    # defaults would be shown as the publisher's facts. An update never changes whether it is published.
    held = created and bool(criteria_unstated(data))
    if created:
        service = Service(public_id=data.public_id, organisation=organisation, is_published=not held)
    # Ages, cost and delivery the record leaves unsaid are marked, to be shown as "Not stated".
    fields = service_fields(data, None if created else service.unstated_by_import)
    changed = _assign(service, fields | {"organisation": organisation})
    if changed or created:
        _save(service)
    if held:
        imported_hold([service.pk])
    changed |= _coverage(service, data, run)
    changed |= _terms(service, data)
    changed |= _locations(service, data, run)
    # A new record keeps the publisher's modification time (so an export -> import -> export round
    # trip gives the same documents); a changed one is modified now, so harvesters of our feed see it.
    moment = timezone.now()
    if created and data.last_modified:
        moment = min(data.last_modified, moment)
    changed |= _wait(service, data.wait, moment)
    # Data we cannot map (including unmatched areas), kept; it is not published, so a change to it
    # alone leaves the record's last_modified as it was.
    raw = kept_extensions({} if created else service.raw_extensions, data)
    raw_changed = raw != service.raw_extensions
    if raw_changed:
        Service.objects.filter(pk=service.pk).update(raw_extensions=raw)
    if changed or created:
        Service.objects.filter(pk=service.pk).update(updated_at=moment)
    elif raw_changed:
        data.notes.append(UNMAPPED_ONLY)
    if created and (note := defaults_note(data)):
        data.notes.append(note)
    return "created" if created else "updated" if changed or raw_changed else "unchanged"


def import_records(
    records: Iterable[object],
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[str], None] = lambda message: None,
) -> ImportReport:
    """Import parsed-from-JSON service records; see the module docstring for the guarantees.

    Records are read a chunk at a time; those the fast path can decide (new, unchanged, or changed
    only in the service's own fields, wait, unmapped data, areas or known imported terms:
    `bulk_import` says which) are written in bulk, the others one by one here, in feed order either way.
    """
    if not isinstance(records, Sequence):
        records = list(records)
    # `import_oruk` gives a `sources.FeedText`: each chunk of records is parsed when it is reached.
    report = ImportReport(total=len(records), dry_run=dry_run)
    with translation.override("en"), transaction.atomic():
        # One version bump at the end rather than one per saved row (bulk writes send no signals).
        with version.paused(only_if_changed=True):
            run = _Run()
            _import_all(records, run, report, progress)
            run.touch_services()
            report.named_alike = services_named_alike(among=report.changed) if report.changed else []
            if report.created or report.updated:
                version.mark_changed()  # some of their writes bypass the signals (bulk, `update()`)
        failed = bool(report.rejected) and not skip_invalid
        if failed or dry_run:
            transaction.set_rollback(True)
        report.committed = not (failed or dry_run)
    return report


def _import_all(records: Sequence[object], run: _Run, report: ImportReport, progress: Callable[[str], None]) -> None:
    fast = FastPath(run.organisations)
    emit = _Emitter(report, progress, len(records))
    first_given: dict[uuid.UUID, int] = {}  # service id -> the number of the record that gave it
    for start in range(0, len(records), bulk_import.CHUNK):
        chunk = []
        for number, raw in enumerate(records[start : start + bulk_import.CHUNK], start=start + 1):
            try:
                data = parse_service(raw)
                if data.public_id in first_given:  # two versions of one record: neither is sure
                    raise RecordError(DUPLICATE_ID.format(number=first_given[data.public_id]))
                first_given[data.public_id] = number
                chunk.append((number, raw, data))
            except RecordError as exc:
                chunk.append((number, raw, exc))
        for position, (number, raw, data) in enumerate(chunk):
            label = record_label(raw)
            if isinstance(data, ServiceData):
                if fast.snapshot is None:
                    fast.read([d for _n, _r, d in chunk[position:] if isinstance(d, ServiceData)])
                if fast.offer(number, raw, label, data):
                    continue
            _write_fast(fast, run, emit)  # earlier records first: this one may build on them
            emit.outcome(number, label, _import_one(raw, run, report, label, data), fast=fast, data=data, run=run)
        _write_fast(fast, run, emit)
        fast.forget()  # the next chunk reads its own rows


# How a dry run's progress lines give an outcome ("unchanged" and "rejected: …" read true either way).
DRY_RUN_OUTCOMES = {"created": "would create", "updated": "would update"}


class _Emitter:
    """Counts and reports outcomes in feed order."""

    def __init__(self, report: ImportReport, progress: Callable[[str], None], total: int):
        self.report, self.progress, self.total = report, progress, total

    def outcome(self, number: int, label: str, outcome: str, *, fast: FastPath, data: object, run: _Run) -> None:
        if outcome.startswith("rejected"):
            if isinstance(data, ServiceData):  # its savepoint was undone, and the run's caches cleared
                fast.forget()
        elif isinstance(data, ServiceData):
            fast.written_elsewhere(data, run.areas)
        self.progress(f"[{number}/{self.total}] service {label}: {self._said(outcome)}")

    def accepted(self, accepted: bulk_import.Accepted) -> None:
        setattr(self.report, accepted.outcome, getattr(self.report, accepted.outcome) + 1)
        if accepted.outcome != "unchanged":
            self.report.changed.add(accepted.data.public_id)
        self.report.notes.extend((accepted.label, note) for note in accepted.data.notes)
        self.progress(f"[{accepted.number}/{self.total}] service {accepted.label}: {self._said(accepted.outcome)}")

    def _said(self, outcome: str) -> str:
        """A dry run's line says what the import would do: it rolls back, so nothing was "created"."""
        return DRY_RUN_OUTCOMES.get(outcome, outcome) if self.report.dry_run else outcome


def _write_fast(fast: FastPath, run: _Run, emit: _Emitter) -> None:
    """Write what the fast path holds; if the database refuses the batch, redo it record by record
    so each refusal is reported against its own record."""
    if not fast.pending:
        return
    try:
        done = fast.write(CHANGE_REASON)
    except DatabaseError:
        redo, fast.pending = fast.pending, []
        fast.forget()
        run.organisations.clear()
        for accepted in redo:
            outcome = _import_one(accepted.raw, run, emit.report, accepted.label)
            emit.outcome(accepted.number, accepted.label, outcome, fast=fast, data=accepted.data, run=run)
        return
    for accepted in done:
        emit.accepted(accepted)


def _import_one(raw: object, run: _Run, report: ImportReport, label: str, data: object = None) -> str:
    """One record the per-record way (`data`: its parse, or the RecordError parsing raised)."""
    try:
        if isinstance(data, Exception):
            raise data
        if data is None:
            data = parse_service(raw)
    except RecordError as exc:  # nothing was written
        return _reject(report, label, str(exc))
    try:
        with transaction.atomic():  # a savepoint: a failing record leaves no trace
            outcome = apply_service(data, run)
    except (RecordError, ValidationError, DatabaseError) as exc:
        # The savepoint undid this record's rows; forget what the run cached from them.
        run.organisations.clear()
        run.areas.clear()
        run.record_undone()
        if isinstance(exc, ValidationError):
            message = _validation_message(exc)
        elif isinstance(exc, DatabaseError):
            message = f"the database refused it: {exc}"
        else:
            message = str(exc)
        return _reject(report, label, message)
    run.record_written()
    setattr(report, outcome, getattr(report, outcome) + 1)
    if outcome != "unchanged":
        report.changed.add(data.public_id)
    report.notes.extend((label, note) for note in data.notes)
    return outcome


def _reject(report: ImportReport, label: str, message: str) -> str:
    report.rejected.append((label, message))
    return f"rejected: {message}"
