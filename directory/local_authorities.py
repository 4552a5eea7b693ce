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
from typing import NamedTuple

from directory import version
from directory.models import Area


class _Held(NamedTuple):
    by_code: dict[str, Area]
    by_name: dict[str, Area]  # `_name_key` of each English and Welsh name


# The version read for, and its local authorities (the last one only).
_HELD: dict[str, _Held] = {}
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


def _held() -> _Held:
    current = _READ.get() or version.current()
    held = _HELD.get(current)
    if held is None:
        areas = list(Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY))
        # Each name keyed once per version, not on every look-up; two authorities share no name.
        names = {_name_key(name): area for area in areas for name in (area.name, area.name_cy) if _name_key(name)}
        held = _Held({area.code: area for area in areas}, names)
        _HELD.clear()
        _HELD[current] = held
    return held


def by_code(code: str) -> Area | None:
    """The local authority with this ONS code, or None. The instance is shared: read it only."""
    return _held().by_code.get(code)


def _name_key(name: str) -> str:
    """A name as compared: case, accents and punctuation ignored ("Ynys Mon", "rhondda-cynon-taf") (pure)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def by_name(name: str) -> Area | None:
    """The local authority with this English or Welsh name ("Cardiff", "caerdydd"), or None. Two
    share no name, so whichever language it is typed in, it names one. No query once held."""
    key = _name_key(name)
    return _held().by_name.get(key) if key else None


def forget() -> None:
    """Drop the copy (tests: a rolled-back area keeps the version it was read for)."""
    _HELD.clear()
