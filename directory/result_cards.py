"""What a search result card shows of the service alone, rendered once per service and kept in
Django's cache.

Twenty cards cost about half of a first-time search's Python, most of it in the parts that do not
depend on the search: the name and organisation, ages, the current wait, how to refer, delivery
modes, Welsh, how fresh the listing is. Those parts (templates/directory/includes/result_service.html)
are rendered once and reused by every search that shows the service; the card's own template adds
what depends on the search (matched criteria, distance, the nearby or all-Wales label).

Correctness: the key holds `directory.version.current()` (any public change replaces it, read by
every app server from the shared database), today's date (waits say "reported 3 days ago";
listings become overdue) and the language (Welsh text and links under /cy/).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from directory.search_cache import CACHE_SECONDS

TEMPLATE = "directory/includes/result_service.html"
PARTS = ("head", "ages", "rows", "delivery", "tail")
SEPARATOR = "<!--part-->"  # literal in the template; never in rendered data, which is escaped


def _key(directory_version: str, service_id: int) -> str:
    return f"result-card:{directory_version}:{timezone.localdate().isoformat()}:{get_language()}:{service_id}"


def _render(result: object) -> tuple[str, ...]:
    html = render_to_string(TEMPLATE, {"service": result.service, "result": result})
    parts = tuple(html.split(SEPARATOR))
    assert len(parts) == len(PARTS), "result_service.html must hold one part for each name in PARTS"
    return parts


def attach(
    results: Sequence[object], directory_version: str, hydrate: Callable[[Sequence[object]], None] | None = None,
) -> None:
    """Give each result its `card`: the service's parts, from the cache or rendered and stored.
    One cache read and at most one write for the page. Rendering reads the full service: with
    `hydrate` (`selectors.search_results_hydrate`), only the results whose card is not cached are
    given theirs; without, every result must have it already."""
    keys = {result.service.id: _key(directory_version, result.service.id) for result in results}
    held = cache.get_many(list(keys.values()))
    if hydrate is not None:
        hydrate([result for result in results if keys[result.service.id] not in held])
    missing = {}
    for result in results:
        key = keys[result.service.id]
        parts = held.get(key)
        if parts is None:
            parts = missing[key] = _render(result)
        result.card = dict(zip(PARTS, map(mark_safe, parts), strict=True))  # noqa: S308 - rendered with autoescape
    if missing:
        cache.set_many(missing, CACHE_SECONDS)
