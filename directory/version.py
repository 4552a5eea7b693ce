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
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator

from django.db import IntegrityError, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

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


def current() -> str:
    """The version: a 32-character token ("none" before the directory's first change)."""
    token = _model().objects.filter(pk=SINGLETON_ID).values_list("token", flat=True).first()
    return token.hex if token else "none"


def bump() -> None:
    """Record that the directory changed (inside the caller's transaction, so it rolls back with it)."""
    model = _model()
    fields = {"token": uuid.uuid4(), "counter": models.F("counter") + 1, "changed_at": timezone.now()}
    if model.objects.filter(pk=SINGLETON_ID).update(**fields):
        return
    try:
        with transaction.atomic():
            model.objects.create(pk=SINGLETON_ID, token=fields["token"], counter=1)
    except IntegrityError:  # another process created it first
        model.objects.filter(pk=SINGLETON_ID).update(**fields)


def is_paused() -> bool:
    return getattr(_state, "depth", 0) > 0


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No bump per saved row inside the block; one bump when it ends (even if it failed part-way)."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0:
            bump()


def _on_change(sender, **kwargs) -> None:
    if kwargs.get("action", "post_").startswith("post_") and not is_paused():  # m2m: after, not before
        bump()


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
