"""The search form's local authority list, rendered once per directory version and language.

There are over two hundred options at national scale; building them from the database and the
template on every first-time search cost about a tenth of the search. The options are kept in
Django's cache (shared by every app server when Redis is configured), keyed on
`directory.version.current()` (area names are part of the directory) and the language (Welsh
names, in Welsh order). Only which option is selected is worked out per page.
"""

from __future__ import annotations

from django.core.cache import cache
from django.forms import BoundField
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from directory.search_cache import CACHE_SECONDS


def _options(field: BoundField) -> list[tuple[str, str]]:
    """(value, value as HTML, label as HTML) for each option, as the template rendered them."""
    return [(str(value), conditional_escape(str(value)), conditional_escape(str(label)))
            for value, label in field.field.choices]


def render(field: BoundField, directory_version: str | None = None) -> SafeString:
    """The `<option>` elements for the form's `la` field, the chosen one selected. Without a
    directory version (pages rendered outside the search cache) nothing is cached."""
    options = None
    if directory_version:
        key = f"la-options:{directory_version}:{get_language()}"
        options = cache.get(key)
    if options is None:
        options = _options(field)
        if directory_version:
            cache.set(key, options, CACHE_SECONDS)
    chosen = field.value()
    return mark_safe("".join(  # noqa: S308 - every value and label is escaped above
        f'<option value="{value_html}"{" selected" if value == chosen else ""}>{label_html}</option>'
        for value, value_html, label_html in options
    ))
