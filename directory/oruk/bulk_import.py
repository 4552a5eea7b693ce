"""The fast path of `import_oruk`: new, unchanged and simply updated records, a batch at a time.

The per-record path (`importer.apply_service`) looks up and saves one row at a time, about 30
queries a record: 12 minutes for a national feed of 20,000 services. Here the rows a chunk of
records refers to are read with a few `IN` queries, and the rows of new records are written with
one `bulk_create` per table per batch (change history included); updated services with one
`UPDATE` run over the batch.

Only a record whose outcome is certain takes this path: a new service whose organisation and
locations are new or unchanged; an existing service with no change at all; or one whose only
changes are its own fields, a new wait, its unmapped data, the known areas it covers or the known
imported taxonomy terms it lists, what a publisher's feed most often changes from one night to the
next. Anything else (a changed organisation, location or list of locations, an imported taxonomy
term or taxonomy that is new or changed, an area matched by name or not yet known, an id met twice
since the rows were read) is declined and goes the per-record way,
after the batch before it is written, so the database, the report and every message are the same
as if every record went that way. The organisation, locations and terms such a record saves are
shared with other records: they are taken from the run's cache or read again, so the records
after it that list them as they now are take this path again.
Objects are checked as the per-record path checks them (`full_clean`, less the checks that need a
query); a batch the database refuses (a check constraint) is rolled back and its records redone one
by one, so a bad record is still reported against itself.
"""

from __future__ import annotations

import copy
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from directory import version
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
from directory.oruk.records import (
    UNMAPPED_ONLY,
    ServiceData,
    TermData,
    criteria_unstated,
    defaults_note,
    kept_extensions,
    service_fields,
)

CHUNK = 500  # records read together: each chunk costs ~8 reads and ~10 bulk writes
DELETE_CHUNK = 900  # links deleted per statement (national services list up to ~30 areas each)


def _check(instance, *, exclude: tuple[str, ...] = ()) -> bool:
    """`full_clean` without the checks that query (uniqueness, foreign keys, check constraints):
    the lookups here settle uniqueness, the related rows are known, and the database enforces the
    constraints when the batch is written."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError:
        return False  # the per-record path reports it, with the same message
    return True


def _differs(instance, fields: dict) -> bool:
    return any(getattr(instance, name) != value for name, value in fields.items())


def _assign(instance, fields: dict) -> None:
    for name, value in fields.items():  # one at a time, as the per-record path (translated fields)
        setattr(instance, name, value)


def _update_rows(services: list[Service], names: list[str] | None = None) -> None:
    """Write these columns (every one but the key by default, as `save()` would) of these services
    with one parameterised UPDATE run over them all (executemany: psycopg sends them in one
    pipeline; `bulk_update` builds a CASE per row: slower). Values are written as they stand:
    `updated_at` is not set to now by auto_now, the caller sets it."""
    meta = Service._meta
    fields = [meta.get_field(name) for name in names] if names else [
        f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = (f"UPDATE {quote(meta.db_table)} SET " + ", ".join(f"{quote(f.column)} = %s" for f in fields)
           + f" WHERE {quote(meta.pk.column)} = %s")
    with connection.cursor() as cursor:
        cursor.executemany(sql, [
            [f.get_db_prep_save(getattr(s, f.attname), connection) for f in fields] + [s.pk] for s in services
        ])


class _Snapshot:
    """The existing rows a chunk of records refers to, read once."""

    def __init__(self, records: list[ServiceData], organisations: dict[uuid.UUID, Organisation]):
        self.services = {s.public_id: s for s in Service.objects.filter(public_id__in={d.public_id for d in records})}
        pks = [s.pk for s in self.services.values()]
        self.coverage: dict[int, set[int]] = defaultdict(set)
        self.coverage_links: dict[tuple[int, int], int] = {}  # (service, area) -> the link's id
        for link_id, service_id, area_id in Service.coverage_areas.through.objects.filter(
            service_id__in=pks
        ).values_list("id", "service_id", "area_id"):
            self.coverage[service_id].add(area_id)
            self.coverage_links[service_id, area_id] = link_id
        self.terms: dict[int, set[int]] = defaultdict(set)
        self.term_links: dict[tuple[int, int], int] = {}  # (service, term) -> the link's id
        for link_id, service_id, term_id in Service.taxonomy_terms.through.objects.filter(
            service_id__in=pks
        ).values_list("id", "service_id", "taxonomyterm_id"):
            self.terms[service_id].add(term_id)
            self.term_links[service_id, term_id] = link_id
        self.imported_terms: dict[uuid.UUID, _TermRow] = {}
        self.taxonomies: dict[uuid.UUID, int] = {}
        self.read_terms([term for d in records for term in d.terms or []])
        self.waits: dict[int, tuple] = {}
        latest_first = WaitingTimeReport.objects.filter(service_id__in=pks).order_by(
            "service_id", "-as_of", "-recorded_at", "-id"
        )
        for service_id, *facts in latest_first.values_list("service_id", "weeks", "as_of", "referrals_open"):
            self.waits.setdefault(service_id, tuple(facts))
        items = [item for d in records for item in d.locations or []]
        self.locations: dict[uuid.UUID, Location] = {}
        self.read_locations({item.public_id for item in items})
        links = ServiceAtLocation.objects.filter(public_id__in={item.link_id for item in items}) | (
            ServiceAtLocation.objects.filter(service_id__in=pks)
        )
        self.links: dict[uuid.UUID, ServiceAtLocation] = {}
        self.links_of: dict[int, set[int]] = defaultdict(set)
        for link in links:
            self.links[link.public_id] = link
            self.links_of[link.service_id].add(link.pk)
        wanted = {d.organisation_id for d in records} - organisations.keys()
        organisations.update((o.public_id, o) for o in Organisation.objects.filter(public_id__in=wanted))

    def read_locations(self, ids: Iterable[uuid.UUID]) -> None:
        """(Re)read these locations (shared between services: the per-record path may have just
        written some)."""
        self.locations.update((row.public_id, row) for row in Location.objects.filter(public_id__in=set(ids)))

    def read_terms(self, terms: list[TermData]) -> None:
        """(Re)read the imported taxonomy terms these name, their parents and their taxonomies:
        terms are shared between records, and the per-record path may have just written some."""
        ids = {term.public_id for term in terms} | {term.parent_id for term in terms if term.parent_id}
        if not ids:
            return
        for public_id, *row in TaxonomyTerm.objects.filter(public_id__in=ids).values_list(
            "public_id", "pk", "name", "description", "code", "term_uri", "taxonomy_id", "parent_id"
        ):
            self.imported_terms[public_id] = _TermRow(*row)
        self.taxonomies.update(Taxonomy.objects.filter(
            public_id__in={term.taxonomy_id for term in terms if term.taxonomy_id}).values_list("public_id", "pk"))


@dataclass(frozen=True)
class _TermRow:
    pk: int
    name: str
    description: str
    code: str
    term_uri: str
    taxonomy_id: int | None
    parent_id: int | None


@dataclass
class CoverageChange:
    """An existing service's areas, as the record lists them (all known), against the snapshot's."""

    service: Service
    removed: set[int]
    added: list[int]  # in the record's order
    fields_changed: bool  # its own fields were saved first (as the per-record path: the reason it carries)


@dataclass
class TermsChange:
    """An existing service's imported taxonomy terms, as the record lists them (all known and
    unchanged), against the snapshot's. Not in the change history (simple-history follows areas only)."""

    service: Service
    removed: set[int]
    added: set[int]


@dataclass
class _Plan:
    """What one record adds: nothing is kept unless the whole record is accepted."""

    organisations: list[Organisation] = field(default_factory=list)
    service: Service | None = None
    coverage: list[int] = field(default_factory=list)
    updated: Service | None = None  # an existing service, as it is to be saved
    fields_changed: bool = False  # its own fields (a history entry), not only its wait or unmapped data
    coverage_change: CoverageChange | None = None  # of an existing service
    terms: set[int] = field(default_factory=set)  # of a new service
    terms_change: TermsChange | None = None  # of an existing service
    locations: list[Location] = field(default_factory=list)
    links: list[ServiceAtLocation] = field(default_factory=list)
    wait: WaitingTimeReport | None = None


@dataclass
class Accepted:
    number: int
    raw: object
    label: str
    data: ServiceData
    outcome: str  # "created", "updated" or "unchanged"


class FastPath:
    """Decides records from a snapshot and holds the new rows until `write()`.

    `organisations` is the run's cache (shared with the per-record path); `areas` maps every known
    area code to its primary key.
    """

    def __init__(self, organisations: dict[uuid.UUID, Organisation]):
        self.organisations = organisations
        self.areas: dict[str, int] = dict(Area.objects.values_list("code", "pk"))
        self.snapshot: _Snapshot | None = None
        self._reset()

    def _reset(self) -> None:
        self.pending: list[Accepted] = []
        self.new_organisations: list[Organisation] = []
        self.new_services: list[tuple[Service, list[int], set[int]]] = []  # and its areas and terms
        self.updated_services: list[tuple[Service, bool]] = []  # and whether its own fields changed
        self.coverage_changes: list[CoverageChange] = []
        self.terms_changes: list[TermsChange] = []
        self.new_locations: list[Location] = []
        self.new_links: list[ServiceAtLocation] = []
        self.new_waits: list[WaitingTimeReport] = []
        # Rows made since the snapshot was read, by id: a later record may use them unchanged.
        self.made_organisations: dict[uuid.UUID, Organisation] = {}
        self.made_locations: dict[uuid.UUID, Location] = {}
        # Ids written since the snapshot was read (here or the per-record way): not decided from it.
        # (Locations and terms the per-record path writes are read again instead: other records
        # list them too.)
        self.seen_services: set[uuid.UUID] = set()
        self.seen_links: set[uuid.UUID] = set()

    def read(self, records: list[ServiceData]) -> None:
        """Read what these records refer to (after anything pending has been written)."""
        assert not self.pending
        self._reset()
        self.snapshot = _Snapshot(records, self.organisations)

    def forget(self) -> None:
        """The database moved on without us (a record went the per-record way): read again before use."""
        assert not self.pending
        self.snapshot = None
        self._reset()

    def written_elsewhere(self, data: ServiceData, areas: dict[str, Area | None]) -> None:
        """A record the per-record path saved: the snapshot no longer speaks for its service and
        links. (Its organisation is in the run's cache as saved; new areas it added are learnt; the
        locations and terms it may have made or changed, which other records list, are read again.)"""
        self.seen_services.add(data.public_id)
        self.seen_links.update(item.link_id for item in data.locations or [])
        self.areas.update((code, area.pk) for code, area in areas.items() if area is not None and area.pk)
        if self.snapshot is None:
            return
        if data.locations:
            for item in data.locations:
                self.made_locations.pop(item.public_id, None)
            self.snapshot.read_locations([item.public_id for item in data.locations])
        if data.terms:
            self.snapshot.read_terms(data.terms)

    # --- deciding ------------------------------------------------------------------------------

    def offer(self, number: int, raw: object, label: str, data: ServiceData) -> bool:
        """Take the record if its outcome is certain; False sends it the per-record way."""
        if data.public_id in self.seen_services:
            return False
        terms = None  # the record does not list them: the service's stay as they are
        if data.terms is not None:
            terms = self._known_terms(data.terms)
            if terms is None:
                return False
        coverage = {}
        for ref in data.areas or []:
            if ref.code not in self.areas:  # matched by name, or new to us: the per-record path notes it
                return False
            coverage[self.areas[ref.code]] = True
        coverage = list(coverage)
        plan = _Plan()
        organisation = self._organisation(data, plan)
        if organisation is None:
            return False
        existing = self.snapshot.services.get(data.public_id)
        if existing is None:
            outcome = "created" if self._new_service(data, organisation, coverage, terms or set(), plan) else None
        else:
            outcome = self._existing(existing, data, organisation, coverage, terms, plan)
        if outcome is None:
            return False
        if outcome == "created" and (note := defaults_note(data)):
            data.notes.append(note)
        self._keep(plan)
        self.seen_services.add(data.public_id)
        self.pending.append(Accepted(number, raw, label, data, outcome))
        return True

    def _organisation(self, data: ServiceData, plan: _Plan) -> Organisation | None:
        key = data.organisation_id
        organisation = self.made_organisations.get(key) or self.organisations.get(key)
        if data.organisation is None:
            return organisation  # None: the per-record path says it is unknown
        if organisation is None:
            organisation = Organisation(public_id=key)
            _assign(organisation, data.organisation.fields)
            if not _check(organisation):
                return None
            plan.organisations.append(organisation)
        elif _differs(organisation, data.organisation.fields):
            return None
        return organisation

    def _known_terms(self, terms: list[TermData]) -> set[int] | None:
        """The ids of the imported terms a record lists, if the per-record path would leave every
        one of them (and its taxonomy and parent) as it is; None if it would write any, or note one."""
        known, taxonomies = self.snapshot.imported_terms, self.snapshot.taxonomies
        ids = set()
        for term in terms:
            row = known.get(term.public_id)
            if row is None:  # new (or named by id only and unknown: noted)
                return None
            ids.add(row.pk)
            if term.known_only_by_id:
                continue
            taxonomy = None
            if term.taxonomy_id is not None:
                taxonomy = taxonomies.get(term.taxonomy_id)
                if taxonomy is None:
                    return None
            if (row.name, row.description, row.code, row.term_uri, row.taxonomy_id) != (
                    term.name, term.description, term.code, term.term_uri, taxonomy):
                return None
            if term.parent_id is not None:
                parent = known.get(term.parent_id)
                if parent is None or row.parent_id != parent.pk:
                    return None
        return ids

    def _new_service(self, data: ServiceData, organisation: Organisation, coverage: list[int], terms: set[int],
                     plan: _Plan) -> bool:
        # Unpublished if its record leaves our deciding criteria unsaid (see importer.apply_service).
        service = Service(public_id=data.public_id, organisation=organisation, is_published=not criteria_unstated(data))
        _assign(service, service_fields(data, None))  # and what it leaves unsaid (see importer.apply_service)
        if not _check(service, exclude=("organisation",)):
            return False
        locations = {}
        for item in data.locations or []:
            if (item.public_id in locations or item.link_id in self.seen_links or item.link_id in self.snapshot.links):
                return False
            location = self.made_locations.get(item.public_id) or self.snapshot.locations.get(item.public_id)
            if location is None:
                location = Location(public_id=item.public_id, organisation=organisation)
                _assign(location, item.fields)
                if not _check(location, exclude=("organisation",)):
                    return False
                plan.locations.append(location)
            elif _differs(location, item.fields):
                return False
            locations[item.public_id] = location
            plan.links.append(ServiceAtLocation(public_id=item.link_id, service=service, location=location))
        # A new record keeps the publisher's modification time (see importer.apply_service).
        moment = timezone.now()
        if data.last_modified:
            moment = min(data.last_modified, moment)
        if data.wait is not None:
            plan.wait = WaitingTimeReport(service=service, weeks=data.wait.weeks, as_of=data.wait.as_of,
                                          referrals_open=data.wait.referrals_open, recorded_at=moment)
            if not _check(plan.wait, exclude=("service",)):
                return False
        service.raw_extensions = data.raw
        service.updated_at = moment
        plan.service, plan.coverage, plan.terms = service, coverage, terms
        return True

    def _existing(self, service: Service, data: ServiceData, organisation: Organisation, coverage: list[int],
                  terms: set[int] | None, plan: _Plan) -> str | None:
        """"unchanged" if the per-record path would change nothing at all; "updated" (the update in
        `plan`) if it would change only the service's own fields, its wait, its unmapped data, its
        areas or its imported terms (`terms`: None if the record does not list them); None otherwise."""
        if organisation.pk is None or service.organisation_id != organisation.pk:
            return None
        if not self._same_relations(service, data):
            return None
        was = self.snapshot.coverage[service.pk]
        coverage_changed = data.areas is not None and set(coverage) != was
        had = self.snapshot.terms[service.pk]
        terms_changed = terms is not None and terms != had
        # As the per-record path: a changed record is modified now, and so is its new wait recorded.
        moment = timezone.now()
        wait = self._new_wait(service, data, moment)
        if wait is False:
            return None
        fields = service_fields(data, service.unstated_by_import)
        fields_changed = _differs(service, fields)
        raw = kept_extensions(service.raw_extensions, data)
        published_change = fields_changed or wait is not None or coverage_changed or terms_changed
        if not published_change and raw == service.raw_extensions:
            return "unchanged"
        updated = copy.copy(service)  # the snapshot's row stays as read
        if fields_changed:
            _assign(updated, fields)
            if not _check(updated, exclude=("organisation",)):
                return None
        updated.raw_extensions = raw
        if published_change:
            updated.updated_at = moment
        else:  # as the per-record path: unmapped data is not published
            data.notes.append(UNMAPPED_ONLY)
        plan.updated, plan.fields_changed, plan.wait = updated, fields_changed, wait
        if coverage_changed:
            plan.coverage_change = CoverageChange(
                service=updated, removed=was - set(coverage), added=[area for area in coverage if area not in was],
                fields_changed=fields_changed)
        if terms_changed:
            plan.terms_change = TermsChange(service=updated, removed=had - terms, added=terms - had)
        return "updated"

    def _new_wait(self, service: Service, data: ServiceData, moment) -> WaitingTimeReport | None | bool:
        """The wait report the record adds to an existing service (None: none; False: invalid)."""
        if data.wait is None or self.snapshot.waits.get(service.pk) == (
                data.wait.weeks, data.wait.as_of, data.wait.referrals_open):
            return None
        wait = WaitingTimeReport(service=service, weeks=data.wait.weeks, as_of=data.wait.as_of,
                                 referrals_open=data.wait.referrals_open, recorded_at=moment)
        return wait if _check(wait, exclude=("service",)) else False

    def _same_relations(self, service: Service, data: ServiceData) -> bool:
        """Whether the record leaves the service's locations as they are."""
        snapshot = self.snapshot
        if data.locations is not None:
            kept, listed = set(), set()
            for item in data.locations:
                location = snapshot.locations.get(item.public_id)
                link = snapshot.links.get(item.link_id)
                if (location is None or item.public_id in listed or item.public_id in self.made_locations
                        or _differs(location, item.fields)
                        or link is None or item.link_id in self.seen_links
                        or (link.service_id, link.location_id) != (service.pk, location.pk)):
                    return False
                kept.add(link.pk)
                listed.add(item.public_id)
            if kept != snapshot.links_of[service.pk]:
                return False
        return True

    def _keep(self, plan: _Plan) -> None:
        for organisation in plan.organisations:
            self.made_organisations[organisation.public_id] = organisation
        self.new_organisations += plan.organisations
        for location in plan.locations:
            self.made_locations[location.public_id] = location
        self.new_locations += plan.locations
        self.seen_links.update(link.public_id for link in plan.links)
        self.new_links += plan.links
        if plan.service is not None:
            self.new_services.append((plan.service, plan.coverage, plan.terms))
        if plan.updated is not None:
            self.updated_services.append((plan.updated, plan.fields_changed))
        if plan.coverage_change is not None:
            self.coverage_changes.append(plan.coverage_change)
        if plan.terms_change is not None:
            self.terms_changes.append(plan.terms_change)
        if plan.wait is not None:
            self.new_waits.append(plan.wait)

    # --- writing -------------------------------------------------------------------------------

    def write(self, change_reason: str) -> list[Accepted]:
        """Write the pending rows (the caller's savepoint undoes them if the database refuses)."""
        if any((self.new_organisations, self.new_locations, self.new_services, self.updated_services,
                self.coverage_changes, self.terms_changes, self.new_links, self.new_waits)):
            version.mark_changed()  # bulk writes send no signals
        with transaction.atomic():
            bulk_create_with_history(self.new_organisations, Organisation, default_change_reason=change_reason)
            bulk_create_with_history(self.new_locations, Location, default_change_reason=change_reason)
            self._write_services(change_reason)
            self._write_updates(change_reason)
            self._write_coverage_changes(change_reason)
            self._write_terms_changes()
            ServiceAtLocation.objects.bulk_create(self.new_links)
            WaitingTimeReport.objects.bulk_create(self.new_waits)
        self.organisations.update((o.public_id, o) for o in self.new_organisations)
        done, self.pending = self.pending, []
        self.new_organisations, self.new_services, self.new_locations, self.new_links, self.new_waits = (
            [], [], [], [], []
        )
        self.updated_services, self.coverage_changes, self.terms_changes = [], [], []
        return done

    def _write_services(self, change_reason: str) -> None:
        services = [service for service, _coverage, _terms in self.new_services]
        moments = [service.updated_at for service in services]
        Service.objects.bulk_create(services)  # sets updated_at to now (auto_now): put the moments back
        for service, moment in zip(services, moments, strict=True):
            service.updated_at = moment
        _update_rows(services, ["updated_at"])
        imported_hold([service.pk for service in services if not service.is_published])
        through = Service.coverage_areas.through
        through.objects.bulk_create(
            [through(service_id=service.pk, area_id=area) for service, coverage, _terms in self.new_services
             for area in coverage]
        )
        terms = Service.taxonomy_terms.through
        terms.objects.bulk_create([terms(service_id=service.pk, taxonomyterm_id=term)
                                   for service, _coverage, listed in self.new_services for term in sorted(listed)])
        _service_history([service.pk for service in services], change_reason, "+")

    def _write_updates(self, change_reason: str) -> None:
        if not self.updated_services:
            return
        _update_rows([service for service, _fields_changed in self.updated_services])
        # The per-record path saves (and so records history) only a service whose own fields changed.
        _service_history([service.pk for service, changed in self.updated_services if changed], change_reason, "~")

    def _write_coverage_changes(self, change_reason: str) -> None:
        """As `coverage_areas.set()` on each (after its own fields, whose history entry holds the
        areas before): the areas it no longer covers deleted, then those it now covers added, and a
        history entry after each step that changed something, as simple-history's m2m receiver
        writes them (with the import's reason only if the service's own fields were saved first,
        which is what sets it on the instance)."""
        changes = self.coverage_changes
        if not changes:
            return
        through = Service.coverage_areas.through
        links = [self.snapshot.coverage_links[c.service.pk, area] for c in changes for area in c.removed]
        if links:
            _delete_links(through, links)
            _history_by_reason([c for c in changes if c.removed], change_reason)
        through.objects.bulk_create([through(service_id=c.service.pk, area_id=area) for c in changes for area in c.added])
        _history_by_reason([c for c in changes if c.added], change_reason)

    def _write_terms_changes(self) -> None:
        """As `taxonomy_terms.set()` on each: the terms it no longer lists deleted, the new ones added."""
        through = Service.taxonomy_terms.through
        _delete_links(through, [self.snapshot.term_links[c.service.pk, term]
                                for c in self.terms_changes for term in c.removed])
        through.objects.bulk_create([through(service_id=c.service.pk, taxonomyterm_id=term)
                                     for c in self.terms_changes for term in sorted(c.added)])


def _delete_links(through: type, link_ids: list[int]) -> None:
    """Delete these rows of a many-to-many table, `DELETE_CHUNK` ids to a statement."""
    for start in range(0, len(link_ids), DELETE_CHUNK):
        through.objects.filter(pk__in=link_ids[start : start + DELETE_CHUNK]).delete()


def _history_by_reason(changes: list[CoverageChange], change_reason: str) -> None:
    for reason in (change_reason, None):
        _service_history([c.service.pk for c in changes if c.fields_changed == (reason is not None)], reason, "~")


def _service_history(pks: list[int], change_reason: str | None, kind: str) -> None:
    """Change history for services just written: one entry each of this kind ("+" new, "~"
    changed), holding its coverage, as simple-history would write it (for a new service the
    per-record path writes two: the service, then the same with its coverage).

    Copied row for row by the database (INSERT ... SELECT): building 57-column history instances in
    Python cost as much as the services themselves."""
    if not pks:
        return
    history = Service.history.model
    coverage = history.coverage_areas.model
    quote = connection.ops.quote_name
    own = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}
    columns = ", ".join(quote(f.column) for f in history._meta.concrete_fields if f.name not in own)
    ids = ", ".join(["%s"] * len(pks))
    moment = history._meta.get_field("history_date").get_db_prep_value(timezone.now(), connection)
    with connection.cursor() as cursor:
        # The entries written here are those after the last one now: a service may have had another
        # at the same moment (its own fields, then its areas: `_write_coverage_changes`).
        cursor.execute(f"SELECT COALESCE(MAX(history_id), 0) FROM {quote(history._meta.db_table)}")
        last = cursor.fetchone()[0]
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({columns}, history_date, history_type, "
            f"history_change_reason, history_user_id) SELECT {columns}, %s, %s, %s, NULL "
            f"FROM {quote(Service._meta.db_table)} WHERE id IN ({ids})",
            [moment, kind, change_reason, *pks],
        )
        cursor.execute(
            f"INSERT INTO {quote(coverage._meta.db_table)} (id, service_id, area_id, history_id) "
            f"SELECT link.id, link.service_id, link.area_id, entry.history_id "
            f"FROM {quote(Service.coverage_areas.through._meta.db_table)} link "
            f"JOIN {quote(history._meta.db_table)} entry ON entry.id = link.service_id "
            f"AND entry.history_id > %s WHERE link.service_id IN ({ids})",
            [last, *pks],
        )
