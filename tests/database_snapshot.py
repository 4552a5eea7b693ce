"""Test data loaded once per test process, then restored from a copy instead of loaded again.

`load_sample_directory()` costs seconds (thousands of queries, most of them history records) and many
modules want the same areas and sample directory committed for a live server. The first module of a
pytest process (an xdist worker) to ask for a data set loads it and keeps a copy of the whole
database; each later one gets exactly that database back: every table emptied, then the copy written
in (SQLite: the backup API, page for page; PostgreSQL: each table's rows by COPY, sequences moved past
them). Nothing one module writes reaches another: each starts from the copy and empties the database
when it ends, as before.

A copy is of the database as the load left it, so it is keyed on today's date too: the sample's
dates count back from today.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date

from django.core.management.color import no_style
from django.db import connection, transaction

# (name, today) -> the copy: a private in-memory SQLite database, or PostgreSQL's tables as COPY text.
_COPIES: dict[tuple[str, date], object] = {}
LOADS: list[str] = []  # the data sets this process has loaded (not restored), for the tests of this module


def loaded(name: str, load: Callable[[], object]) -> None:
    """The database as `load()` leaves it on an empty (freshly migrated or flushed) test database:
    loaded the first time this process asks for `name` today, restored from the copy after that.
    `load` may itself call `loaded` for a smaller data set it builds on. The database must be
    unblocked and outside any transaction."""
    key = (name, date.today())
    if key in _COPIES:
        _restore(_COPIES[key])
    else:
        load()
        LOADS.append(name)
        _COPIES[key] = _take()
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()  # ids as the copy has them


def _tables() -> list[str]:
    return connection.introspection.django_table_names(only_existing=True, include_views=False)


def _take() -> object:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        return copy
    rows: dict[str, bytes] = {}
    with connection.cursor() as cursor:
        for table in _tables():
            with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} TO STDOUT") as copy:
                data = b"".join(bytes(block) for block in copy)
            if data:
                rows[table] = data
    return rows


def _restore(copy: object) -> None:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        copy.backup(connection.connection)
        return
    tables = _tables()
    with transaction.atomic():  # foreign keys are checked at the commit, once every table is in
        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, reset_sequences=True))
        with connection.cursor() as cursor:
            for table, data in copy.items():
                with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} FROM STDIN") as target:
                    target.write(data)
            for table in copy:
                for sequence in connection.introspection.get_sequences(cursor, table):
                    column = connection.ops.quote_name(sequence["column"])
                    cursor.execute(
                        f"SELECT setval(%s, COALESCE(MAX({column}), 1), MAX({column}) IS NOT NULL) "
                        f"FROM {connection.ops.quote_name(table)}",
                        [connection.ops.quote_name(sequence["name"])],
                    )
