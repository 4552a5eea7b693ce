"""The search form's local authority list, rendered once per directory version and language.

There are over two hundred options at national scale; building them from the database and the
template on every first-time search cost about a tenth of the search. The options are kept in
Django's cache (shared by every app server when Redis is configured), keyed on
`directory.version.current()` (area names are part of the directory) and the language (Welsh
names, in Welsh order), as one string, and this process keeps the last few it read. Only which
option is selected is worked out per page.
"""

from __future__ import annotations

from django.core.cache import cache
from django.forms import BoundField
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from directory.search_cache import CACHE_SECONDS

# key (which holds the directory version) -> the options' HTML, none selected: the last few read here.
_HELD: dict[str, str] = {}
_HELD_MAX = 8


def _options(field: BoundField) -> str:
    """Every `<option>` as the template rendered them, none selected."""
    return "".join(f'<option value="{conditional_escape(str(value))}">{conditional_escape(str(label))}</option>'
                   for value, label in field.field.choices)


def _held_options(field: BoundField, directory_version: str | None) -> str:
    if not directory_version:
        return _options(field)
    key = f"la-options-html:{directory_version}:{get_language()}"
    options = _HELD.get(key)
    if options is None:
        options = cache.get(key)
        if options is None:
            options = _options(field)
            cache.set(key, options, CACHE_SECONDS)
        if len(_HELD) >= _HELD_MAX:
            _HELD.clear()
        _HELD[key] = options
    return options


def render(field: BoundField, directory_version: str | None = None) -> SafeString:
    """The `<option>` elements for the form's `la` field, the chosen one selected. Without a
    directory version (pages rendered outside the search cache) nothing is cached."""
    options = _held_options(field, directory_version)
    chosen = field.value()
    if isinstance(chosen, str):
        # Every option whose value is the chosen one (escaped, a value cannot be taken for a label).
        opening = f'<option value="{conditional_escape(chosen)}"'
        options = options.replace(f"{opening}>", f"{opening} selected>")
    return mark_safe(options)  # noqa: S308 - every value and label is escaped above
