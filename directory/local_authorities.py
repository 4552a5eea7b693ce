"""The local authorities by code, held in this process for the directory's current version.

The search form's `la` was looked up with a query on every search that carried one (~0.3 ms of a
first-time search, now that a full postcode is cut to its sector with its authority added where
the sector alone would not give it). Areas are reference data, and loading them changes the
directory's version, so the copy read for a version stays right until the version changes.
"""

from __future__ import annotations

import re
import unicodedata
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


def _held() -> dict[str, Area]:
    current = _READ.get() or version.current()
    held = _HELD.get(current)
    if held is None:
        held = {area.code: area for area in Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY)}
        _HELD.clear()
        _HELD[current] = held
    return held


def by_code(code: str) -> Area | None:
    """The local authority with this ONS code, or None. The instance is shared: read it only."""
    return _held().get(code)


def _name_key(name: str) -> str:
    """A name as compared: case, accents and punctuation ignored ("Ynys Mon", "tor faen") (pure)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def by_name(name: str) -> Area | None:
    """The local authority with this English or Welsh name ("Cardiff", "caerdydd"), or None. Two
    share no name, so whichever language it is typed in, it names one. No query once held."""
    key = _name_key(name)
    if not key:
        return None
    return next((area for area in _held().values() if key in (_name_key(area.name), _name_key(area.name_cy))), None)


def forget() -> None:
    """Drop the copy (tests: a rolled-back area keeps the version it was read for)."""
    _HELD.clear()
