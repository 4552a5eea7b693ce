"""The pages of the services list: which services, in feed order, per filter set.

Through the ORM, filtering, ordering and compiling the query that chooses a page each time cost
several times running it, and a deep page's OFFSET walks every row before it (1.5 ms for page 380
of a 20,000-service feed on PostgreSQL). So, per filter set, directory version and language, the
query is compiled once, and the first page asked for reads every matching id in feed order (one
scan, 50–110 ms for 20,000 on a slow machine); every page after that, and the total, come from that list.
Harvesters walk the whole feed page by page, so a list is read once and used hundreds of times.
The directory version is in the key: a change, or a filter resolved against the directory (a
postcode's areas), reads afresh. A few lists are held per process (`HELD_MAX`, a few MB each at
most).

The page's stored documents are read by id afterwards (renderings.fetch), not joined in: a join
or subquery in the ordered query would be evaluated for every row an offset skips. Each id comes
with its service's render token, so that read needs only the renderings' table (on PostgreSQL
~0.5 ms less a page; reading the tokens adds 20–40 ms to the list's one read).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection
from django.db.models import QuerySet

from directory import renderings


class PageRow(NamedTuple):
    public_id: uuid.UUID
    pk: int
    # Read with the row, as the driver gives it (renderings.fetch compares it): the page's stored
    # documents are read by it.
    render_token: uuid.UUID | str


COLUMNS = PageRow._fields


@dataclass
class PageQuery:
    sql: str
    params: tuple
    columns: tuple[int, ...]  # where each of COLUMNS is in a row
    _rows: list[PageRow] | None = field(default=None, repr=False)

    def rows(self) -> list[PageRow]:
        """Every matching service, in feed order (read on first use)."""
        if self._rows is None:
            with connection.cursor() as cursor:
                cursor.execute(self.sql, list(self.params))
                fetched = cursor.fetchall()
            at_id, at_pk, at_token = self.columns
            self._rows = [PageRow(renderings.as_uuid(row[at_id]), row[at_pk], row[at_token]) for row in fetched]
        return self._rows

    def page(self, *, offset: int, limit: int) -> list[PageRow]:
        return self.rows()[offset : offset + limit]

    @property
    def total(self) -> int:
        return len(self.rows())


def compile_page_query(queryset: QuerySet) -> PageQuery:
    query = queryset.values_list(*COLUMNS).query
    if query.is_sliced:
        raise ValueError("a page query reads every matching id: slice its rows, not the queryset")
    compiler = query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    aliases = [alias for _expression, _sql, alias in compiler.select]  # the order Django wrote them in
    return PageQuery(sql, tuple(params), tuple(aliases.index(name) for name in COLUMNS))


_held: dict[tuple, PageQuery] = {}
HELD_MAX = 16


def page_query(filters: object, token: str, language: str, make: Callable[[object], QuerySet]) -> PageQuery:
    """The compiled page query for `make(filters)`: the filtered services in feed order. `make` may
    raise for a filter the directory cannot resolve (an unknown postcode); nothing is kept then."""
    key = (filters, token, language, connection.vendor)
    found = _held.get(key)
    if found is None:
        found = compile_page_query(make(filters))
        if len(_held) >= HELD_MAX:
            _held.clear()  # mostly old versions' lists; read again on demand
        _held[key] = found
    return found


def forget() -> None:
    """Drop the compiled queries (tests: a rolled-back directory's areas must not linger)."""
    _held.clear()
