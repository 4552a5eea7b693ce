"""The directory's version: a value that changes whenever anything the public sees changes.

Search results, Open Referral documents and gap analyses are cached against it. Because it lives
in the database (one row, `DirectoryVersion`), every app server behind a load balancer sees the
same value, so no server serves a stale cached result after another one saved a change.

- `current()` is one indexed read of a random token that each bump replaces, so a value is never
  reused, even after a bump that was rolled back with its transaction. Key caches on it (and on today's date for anything that shows a
  relative date such as "reported 3 weeks ago").
- Model signals bump it on every save or delete of a model the public sees (`connect_signals`).
- Writes that bypass signals (`bulk_create`, `QuerySet.update`) must call `bump()` themselves.
- `paused()` wraps a long batch (an import, the sample loader): no bump per row, one at the end.

Stored renderings (directory/renderings.py: each service's Open Referral documents and search card)
outlive a bump: they are stale only if what they show changed. So each bump also says whose:
`bump(services=...)` replaces those services' `render_token` and sets their `updated_at` to now
(the signal receivers know which services a saved wait, location or organisation belongs to); a bare `bump()` does not know, and
replaces the `generation`, which makes every stored rendering stale. Forgetting to say is safe.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import uuid
from collections.abc import Iterable, Iterator

from django.db import IntegrityError, connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from directory import version_notices

SINGLETON_ID = 1

# Models whose rows reach a public page, the API or the gaps analysis. Moderation records
# (proposed changes, problem reports, review requests) are not public until applied to a service.
PUBLIC_MODELS = (
    "Area", "Organisation", "Taxonomy", "TaxonomyTerm", "Service", "Location", "ServiceAtLocation",
    "WaitingTimeReport", "Postcode", "PostcodeDistrict",
)
# Reference tables loaded in bulk (by `reference_data`, which bumps once): a delete receiver on
# them would stop Django deleting their ~100,000 rows in one statement.
NO_DELETE_RECEIVER = ("Postcode", "PostcodeDistrict")

_state = threading.local()


def _model():
    from directory.models import DirectoryVersion

    return DirectoryVersion


def _hex(value: uuid.UUID | str) -> str:
    # PostgreSQL returns a uuid; SQLite the 32 hex digits Django stored.
    return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(value).hex


@functools.lru_cache(maxsize=4)
def _read_sql(vendor: str) -> str:
    model, quote = _model(), connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in ("token", "generation"))
    return f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} = %s"


def current_with_generation() -> tuple[str, str]:
    """`current()` and the generation (see the module's docstring). On PostgreSQL, the process's
    copy while no change has been notified (`version_notices`); else one read (`read`)."""
    return version_notices.current(read)


def read() -> tuple[str, str]:
    """The version and generation as the database holds them now, in one read.

    Plain SQL, written once: every page asks, and building the same query through the ORM each time
    cost twenty times running it (0.24 against 0.01 ms)."""
    with connection.cursor() as cursor:
        cursor.execute(_read_sql(connection.vendor), [SINGLETON_ID])
        row = cursor.fetchone()
    return (_hex(row[0]), _hex(row[1])) if row else ("none", "none")


def current() -> str:
    """The version: a 32-character token ("none" before the directory's first change)."""
    return current_with_generation()[0]


def bump(services: Iterable[int] | models.QuerySet | None = None) -> None:
    """Record that the directory changed (inside the caller's transaction, so it rolls back with it).

    `services`: the ids (a list, or a values queryset of ids) of the only services whose stored
    renderings the change can alter; None, the default, when that is not known."""
    from directory.models import Service

    model = _model()
    fields = {"token": uuid.uuid4(), "counter": models.F("counter") + 1, "changed_at": timezone.now()}
    if services is None:
        fields["generation"] = uuid.uuid4()
    else:
        # After the caller's write and in its transaction: a rendering built from the old rows
        # carries the old token and is never used again (renderings.py reads the token first).
        # What they show changed, so they are modified now: the feed's `last_modified` (and its
        # `modified_after` filter) reads `updated_at`, and a harvester must see a changed
        # organisation or location (a newly withheld address above all) in the same statement.
        Service.objects.filter(pk__in=services).update(render_token=uuid.uuid4(), updated_at=fields["changed_at"])
    if not model.objects.filter(pk=SINGLETON_ID).update(**fields):
        try:
            with transaction.atomic():
                model.objects.create(pk=SINGLETON_ID, token=fields["token"], counter=1)
        except IntegrityError:  # another process created it first
            model.objects.filter(pk=SINGLETON_ID).update(**fields)
    # Every process hears of it when (and only if) this commits. This one also forgets its copy on
    # commit (at once outside a transaction), not waiting for its own notice: the writer's next
    # page must show the change. Inside the transaction the version is read, not the copy.
    with connection.cursor() as cursor:
        version_notices.notify(cursor)
    transaction.on_commit(version_notices.forget)


def is_paused() -> bool:
    return getattr(_state, "depth", 0) > 0


@contextlib.contextmanager
def paused(*, only_if_changed: bool = False) -> Iterator[None]:
    """No bump per saved row inside the block; one bump when it ends (even if it failed part-way).

    `only_if_changed`: no bump either if nothing was written inside: no save, delete or m2m change
    of a public row (the signals say so) and no `mark_changed()` by a writer that bypasses them. A
    nightly re-import of an unchanged feed bumped all the same, and a bare bump replaces the
    generation: every stored rendering in both languages went stale and every ETag changed, so each
    harvester downloaded the whole feed again for nothing."""
    outermost = not is_paused()
    if outermost:
        _state.changed = False
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0 and (not only_if_changed or _state.changed):
            bump()


def mark_changed() -> None:
    """Inside `paused(only_if_changed=True)`: a public row was written without a signal (a bulk
    write, `QuerySet.update`), so the block must bump when it ends."""
    _state.changed = True


def _services_changed(sender, instance, kwargs: dict) -> Iterable[int] | models.QuerySet | None:
    """The ids of the services whose renderings this saved or deleted row (or m2m change) can
    alter; None when any service's can (areas, taxonomies and postcodes are shared by all)."""
    from directory.models import Location, Organisation, Service, ServiceAtLocation, WaitingTimeReport

    if "action" in kwargs:  # m2m_changed
        if isinstance(instance, Service):  # its coverage_areas or taxonomy_terms
            return [instance.pk]
        if kwargs["model"] is Service:  # the same, from the area's or term's side
            return None if kwargs["pk_set"] is None else list(kwargs["pk_set"])  # reverse clear: ids unknown
        # Between other rows (an area's parents: which local authorities a region holds), so any
        # service's: the area's pk is no service's id, and the gaps' regions are read again.
        return None
    if sender is Service:
        return [instance.pk]
    if sender in (ServiceAtLocation, WaitingTimeReport):
        return [instance.service_id]
    if sender is Organisation:
        return Service.objects.filter(organisation_id=instance.pk).values("pk")
    if sender is Location:
        # A deleted location's links are deleted (and bump their services) before it.
        return ServiceAtLocation.objects.filter(location_id=instance.pk).values("service_id")
    return None


def _on_change(sender, instance=None, **kwargs) -> None:
    if not kwargs.get("action", "post_").startswith("post_"):  # m2m: after, not before
        return
    if is_paused():
        mark_changed()  # even inside a savepoint later rolled back: a needless bump is only slower
    else:
        bump(services=_services_changed(sender, instance, kwargs))


def connect_signals() -> None:
    from django.apps import apps

    for name in PUBLIC_MODELS:
        model = apps.get_model("directory", name)
        post_save.connect(_on_change, sender=model, dispatch_uid=f"directory-version-save-{name}")
        if name not in NO_DELETE_RECEIVER:
            post_delete.connect(_on_change, sender=model, dispatch_uid=f"directory-version-delete-{name}")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(_on_change, sender=field.remote_field.through,
                                dispatch_uid=f"directory-version-m2m-{name}-{field.name}")
