"""One query for a page of the services list: the page's ids in feed order, each with its stored
document (directory/renderings.py) where there is a valid one.

Through the ORM, filtering, ordering and compiling that query each time cost ten times running it
(~1.4 against ~0.15 ms for 50 rows). So it is compiled once per filter set, directory version,
language and shape, and run with the stamp and the page's limit and offset as parameters. The
directory version is in the key because the filters are resolved against the directory (a
postcode's areas, a coverage code's parents): a change to it compiles afresh.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery

from directory import renderings
from directory.models import ServiceRendering

_STAMP = "\x00stamp\x00"  # a parameter nothing else in the query can equal: where the stamp goes


@dataclass(frozen=True)
class PageQuery:
    sql: str
    params: tuple
    stamp_position: int
    columns: tuple[int, int]  # where the public id and the stored text are in a row
    kind: str
    queryset: QuerySet  # the filtered services, for counting them

    def run(self, *, generation: str, offset: int, limit: int) -> list[tuple[uuid.UUID, str | None]]:
        """[(public id, stored JSON or None)] of the page, in feed order."""
        params = list(self.params)
        params[self.stamp_position] = renderings.stamp(self.kind, generation)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [*params, limit, offset])
            rows = cursor.fetchall()
        at_id, at_text = self.columns
        return [(renderings.as_uuid(row[at_id]), row[at_text]) for row in rows]


def compile_page_query(queryset: QuerySet, kind: str, language: str) -> PageQuery:
    stored = ServiceRendering.objects.filter(
        service=OuterRef("pk"), kind=kind, language=language, stamp=_STAMP, token=OuterRef("render_token"),
    ).values("text")[:1]
    query = queryset.annotate(stored_text=Subquery(stored)).values_list("public_id", "stored_text").query
    compiler = query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    # The order Django writes the columns in (annotations may come first).
    aliases = [alias for _expression, _sql, alias in compiler.select]
    columns = (aliases.index("public_id"), aliases.index("stored_text"))
    positions = [i for i, param in enumerate(params) if param == _STAMP]
    if len(positions) != 1 or query.is_sliced:
        raise RuntimeError(f"cannot parameterise the page query {sql!r}")
    return PageQuery(f"{sql} LIMIT %s OFFSET %s", tuple(params), positions[0], columns, kind, queryset)


_held: dict[tuple, PageQuery] = {}
HELD_MAX = 256


def page_query(filters: object, token: str, language: str, kind: str, make: Callable[[object], QuerySet]) -> PageQuery:
    """The compiled page query for `make(filters)`: the filtered services in feed order. `make` may
    raise for a filter the directory cannot resolve (an unknown postcode); nothing is kept then."""
    key = (filters, token, language, kind, connection.vendor)
    found = _held.get(key)
    if found is None:
        found = compile_page_query(make(filters), kind, language)
        if len(_held) >= HELD_MAX:
            _held.clear()  # old versions' queries; rebuilt on demand
        _held[key] = found
    return found


def forget() -> None:
    """Drop the compiled queries (tests: a rolled-back directory's areas must not linger)."""
    _held.clear()
