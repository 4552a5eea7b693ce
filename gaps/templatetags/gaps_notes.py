"""The gaps notes' words on the pages: the tables' hints and the anchors of the notes' rows they link to."""

from __future__ import annotations

from django import template

from gaps import notes

register = template.Library()


@register.simple_tag
def gaps_hint(key: str) -> str:
    """One hint under a table (notes.HINTS), the same text as the method note's where both say it."""
    return str(notes.HINTS[key])


@register.filter
def note_anchor(heading: str) -> str:
    return notes.note_anchor(heading)
