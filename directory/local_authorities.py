"""The local authorities by code, held in this process for the directory's current version.

The search form's `la` was looked up with a query on every search that carried one (~0.3 ms of a
first-time search, now that a full postcode is cut to its sector with its authority added where
the sector alone would not give it). Areas are reference data, and loading them changes the
directory's version, so the copy read for a version stays right until the version changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from directory import version
from directory.models import Area

# The version read for, and its local authorities by code (the last one only).
_HELD: dict[str, dict[str, Area]] = {}
# The directory version the caller read for this request (`at_version`), if any.
_READ: ContextVar[str | None] = ContextVar("local_authorities_version_read", default=None)


@contextmanager
def at_version(directory_version: str | None) -> Iterator[None]:
    """Look-ups inside take the directory's version as the caller read it for this request (a
    search reads it first; reading it again cost a query on SQLite), not afresh."""
    token = _READ.set(directory_version)
    try:
        yield
    finally:
        _READ.reset(token)


def by_code(code: str) -> Area | None:
    """The local authority with this ONS code, or None. The instance is shared: read it only."""
    current = _READ.get() or version.current()
    held = _HELD.get(current)
    if held is None:
        held = {area.code: area for area in Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY)}
        _HELD.clear()
        _HELD[current] = held
    return held.get(code)


def forget() -> None:
    """Drop the copy (tests: a rolled-back area keeps the version it was read for)."""
    _HELD.clear()
