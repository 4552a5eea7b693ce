"""A template rendered once with markers where the per-request values go, split at the markers,
and kept in this process: a request then joins the pieces with its own values.

For the parts of the search page that are the same on every request but for a few values (the
frame around the results, each result's shortlist button): rendering them costs more than the
rest of a cached search page. The templates stay their only definition; the tests compare the
joined pieces with a full render.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

# Pieces per template and state: a handful per process (two languages, a few states each).
MAX_ENTRIES = 128
_built: dict[tuple, Pieces] = {}


@dataclass(frozen=True)
class Pieces:
    """A render as text and slots (indexes into the slot names it was built with), in order."""

    template: object  # the compiled template it came from: a reloaded one (development) builds anew
    pieces: tuple[str | int, ...]

    @cached_property
    def encoded(self) -> tuple[bytes | int, ...]:
        """The pieces as UTF-8, slots as they are."""
        return tuple(p if p.__class__ is int else p.encode() for p in self.pieces)

    def join(self, values: Sequence[bytes]) -> bytes:
        """The render as UTF-8, with these values (UTF-8) in the slots."""
        return b"".join([values[p] if p.__class__ is int else p for p in self.encoded])


class StandInRequest:
    """What the templates read of a request (`csp_nonce`, `get_full_path`), as given."""

    def __init__(self, full_path: str, csp_nonce: str = "") -> None:
        self.csp_nonce = csp_nonce
        self._full_path = full_path

    def get_full_path(self) -> str:
        return self._full_path


def marks(slots: Sequence[str]) -> dict[str, str]:
    """A marker per slot: a random token in hex letters, unchanged by escaping and URL quoting."""
    token = secrets.token_hex(16)
    return {name: f"sm{token}{i}x" for i, name in enumerate(slots)}


def split(html: str, slot_marks: dict[str, str], optional: frozenset[str] = frozenset()) -> tuple[str | int, ...]:
    """`html` cut at each marker; raises if a slot (other than the optional ones) is missing."""
    index = {mark: i for i, mark in enumerate(slot_marks.values())}
    parts = re.split("(" + "|".join(index) + ")", html)
    pieces = tuple(index[part] if i % 2 else part for i, part in enumerate(parts))
    found = {p for p in pieces if isinstance(p, int)}
    missing = [name for i, name in enumerate(slot_marks) if i not in found and name not in optional]
    if missing:
        raise RuntimeError(f"the template no longer shows {', '.join(missing)} where the code expects")
    return pieces


def pieces_for(template_name: str, state: tuple, build: Callable[[object], tuple[str | int, ...]]) -> Pieces:
    """The pieces of `template_name` in `state` (and the current language and URLs), built by
    `build(template)` (as `get_template` gives it) the first time."""
    loaded = get_template(template_name)
    key = (template_name, get_language(), get_script_prefix(), get_urlconf(), *state)
    found = _built.get(key)
    if found is None or found.template is not loaded.template:
        if len(_built) >= MAX_ENTRIES:
            _built.clear()
        found = _built[key] = Pieces(template=loaded.template, pieces=build(loaded))
    return found


@receiver(setting_changed)
def _forget(**kwargs: object) -> None:
    # Tests override settings (static files, URLs, languages) that the pieces hold.
    _built.clear()
