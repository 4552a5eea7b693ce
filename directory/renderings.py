"""Each published service's Open Referral documents and search card, built once and kept in the
database until what they show changes.

Building them is most of the work of a first view of an API page (50 documents, ~350 KB of JSON)
and of a search page (20 cards). Keyed on the directory's version, as a cache, they would all be
lost at every change: one provider reporting a wait would make every page a first view again. Kept
per service instead, a change costs only the renderings of the services it touches.

A stored rendering (`ServiceRendering`) is used only while both hold:
- its `token` equals the service's `render_token`, which `directory.version.bump(services=...)`
  replaces whenever the service, its organisation, locations, waits or coverage change;
- its `stamp` equals `stamp(kind, generation)`: the release of the code (new code never serves what
  old code built), the directory's generation (replaced by any change whose reach is not known row
  by row: an import, reference data, taxonomies) and, for the card, which says "reported 3 days
  ago", today's date.

Race-free by order: a missing rendering's token is read *before* the rows it is built from, so a
change committed in between leaves the stored rendering with the old token, never used again.

Anything else is built as before and stored (an upsert) for the next request, in a savepoint so a
failed write (a read-only replica, a lock) never fails the page. `manage.py build_renderings`
builds every stale one ahead of the first request (after an import, or for the cards each night).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, NamedTuple

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import get_language

from directory.models import Service, ServiceRendering

ORUK_FULL = "oruk-full"
ORUK_SUMMARY = "oruk-summary"
CARD = "card"
KINDS = (ORUK_FULL, ORUK_SUMMARY, CARD)
DATED_KINDS = {CARD}  # what shows a relative date ("reported 3 days ago", overdue listings)

Key = Literal["pk", "public_id"]


def stamp(kind: str, generation: str) -> str:
    parts = [settings.RELEASE_ID, generation]
    if kind in DATED_KINDS:
        parts.append(timezone.localdate().isoformat())
    return ":".join(parts)


def language() -> str:
    """The language renderings are stored in: the active one."""
    return get_language() or settings.LANGUAGE_CODE


@functools.lru_cache(maxsize=64)
def _fetch_by_token_sql(vendor: str, count: int | None, utf8: bool = False) -> str:
    """As `_fetch_sql` for services whose tokens the caller holds: the renderings table alone,
    each row's token returned to be compared. On PostgreSQL the join with the services' table cost
    ~0.35 ms of a page of 50 documents (50 more index look-ups into a wide table). `utf8`: SQLite
    returns the text as the UTF-8 bytes it holds (PostgreSQL's are taken as bytes by `_read`)."""
    quote, rendering = connection.ops.quote_name, ServiceRendering._meta

    def column(name: str) -> str:
        return quote(rendering.get_field(name).column)

    text = f"CAST({column('text')} AS BLOB)" if utf8 and vendor == "sqlite" else column("text")
    return (
        f"SELECT {column('service')}, {column('token')}, {text} FROM {quote(rendering.db_table)} "
        f"WHERE {column('kind')} = %s AND {column('language')} = %s AND {column('stamp')} = %s AND "
        + _one_of(column("service"), count, "bigint")
    )


@functools.lru_cache(maxsize=64)
def _fetch_sql(vendor: str, key: Key, count: int | None) -> str:
    """The stored-rendering read for `count` keys (None: any number, as one array parameter),
    written once: through the ORM, building it cost several times running it (~0.8 against
    ~0.15 ms for a page of 50)."""
    quote, rendering, service = connection.ops.quote_name, ServiceRendering._meta, Service._meta

    def column(meta, name: str) -> str:
        return f"{quote(meta.db_table)}.{quote(meta.get_field(name).column)}"

    key_column = f"{quote(service.db_table)}.{quote(service.pk.column if key == 'pk' else service.get_field(key).column)}"
    return (
        f"SELECT {key_column}, {column(rendering, 'text')} FROM {quote(rendering.db_table)} "
        f"INNER JOIN {quote(service.db_table)} ON {column(rendering, 'service')} = {quote(service.db_table)}.{quote(service.pk.column)} "
        f"AND {column(rendering, 'token')} = {column(service, 'render_token')} "
        f"WHERE {column(rendering, 'kind')} = %s AND {column(rendering, 'language')} = %s "
        f"AND {column(rendering, 'stamp')} = %s AND " + _one_of(key_column, count, "bigint" if key == "pk" else "uuid")
    )


def _one_of(column: str, count: int | None, array_type: str) -> str:
    """`column` is one of the keys: `count` parameters, or (None) one parameter, the keys as a
    PostgreSQL array's text (`_array_text`), cast to `array_type`[]."""
    return f"{column} = ANY(%s::{array_type}[])" if count is None else f"{column} IN ({', '.join(['%s'] * count)})"


def _array_text(keys: list) -> str:
    """Keys (ints or UUIDs, whose text needs no quoting) as a PostgreSQL array's text: psycopg's
    own dumping of a Python list, element by element in Python, cost ~70 µs of a page's read of
    50 documents (~0.9 ms), joining them one string ~5 µs."""
    return "{" + ",".join(map(str, keys)) + "}"


def _read(
    sql_for: Callable[[int | None], str], kind: str, generation: str, keys: list, *, utf8: bool = False,
) -> list[tuple]:
    """Run the stored-rendering read `sql_for(count)` for these keys (as the database takes them).
    `utf8`: on PostgreSQL, text comes back as the UTF-8 bytes the server sent, not decoded."""
    # PostgreSQL takes the keys as one array: planning fifty literals cost ~0.5 ms a page.
    array = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if utf8 and array:
            _binary_utf8(cursor.cursor)
        cursor.execute(sql_for(None if array else len(keys)),
                       [kind, language(), stamp(kind, generation), *([_array_text(keys)] if array else keys)])
        return cursor.fetchall()


def fetch(
    kind: str, keys: Sequence, *, generation: str, key: Key = "pk", tokens: Mapping | None = None, utf8: bool = False,
) -> dict:
    """The valid stored renderings of these services (by `key`: pk or public id) in the active language.

    `tokens` ({pk: render_token}, for every pk): the services' tokens as the caller read them
    with the rows it shows (the search index, a list's page query: both held per directory
    version), so the services' table is not read again. `utf8` (with `tokens`): each text as its
    UTF-8 bytes, for a caller that writes them into a response as they are: decoding ~350 KB of a
    page of 50 documents only to encode it again cost more than reading it (BENCHMARKS.md)."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    if tokens is not None:
        if key != "pk":
            raise ValueError("tokens are given by pk")
        return _fetch_by_token(kind, keys, tokens, generation, utf8=utf8)
    if utf8:
        raise ValueError("utf8 is offered with tokens only")
    if key == "pk":
        prepared = keys
    else:
        field = Service._meta.get_field(key)
        prepared = [field.get_db_prep_value(k, connection) for k in keys]
    rows = _read(functools.partial(_fetch_sql, connection.vendor, key), kind, generation, prepared)
    if key == "pk":
        return dict(rows)
    return {as_uuid(k): text for k, text in rows}


def _fetch_by_token(kind: str, pks: list[int], tokens: Mapping, generation: str, *, utf8: bool = False) -> dict:
    rows = _read(functools.partial(_fetch_by_token_sql, connection.vendor, utf8=utf8), kind, generation, pks,
                 utf8=utf8)
    # Compared as the database gives them: building a UUID from each of SQLite's hex strings cost
    # more than the join this read replaces.
    as_stored = as_uuid if connection.vendor == "postgresql" else as_hex
    return {pk: text for pk, token, text in rows if token == as_stored(tokens[pk])}


def _binary_utf8(cursor) -> None:
    """This psycopg cursor's results in PostgreSQL's binary format, each text value given as the
    bytes the server sent (UTF-8: the connection's encoding, Django's default). A text value's
    binary form is those bytes, which psycopg's bytea loader (in C) returns as they are, where a
    Python loader was called for each text and the ids and tokens were parsed from their text: a
    page of 50 full documents 0.60 → 0.57 ms of the client's CPU, 2.7 → 2.3 ms of wall time on a
    loaded machine (BENCHMARKS.md). This cursor only: psycopg copies the connection's loaders for
    each cursor. Imported here: SQLite never needs psycopg."""
    from psycopg.pq import Format
    from psycopg.types.string import ByteaBinaryLoader

    cursor.format = Format.BINARY
    cursor.adapters.register_loader("text", ByteaBinaryLoader)


def as_hex(value: uuid.UUID | str) -> str:
    """A token as SQLite holds it (Django keeps a UUIDField there as its 32 hex digits)."""
    return value.hex if isinstance(value, uuid.UUID) else value


def as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    # PostgreSQL returns a uuid; SQLite the 32 hex digits Django stored.
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


class Built(NamedTuple):
    """A rendering just built: its service, the `render_token` read before its rows, its text."""

    pk: int
    token: uuid.UUID | None  # None: the service is gone; not stored
    text: str


def tokens(keys: Sequence, key: Key = "pk") -> dict:
    """{key: (service pk, render_token)} for the services that exist. Read it before the rows a
    rendering is built from (see the module's docstring)."""
    services = Service.objects.filter(**{f"{key}__in": keys}).order_by()
    if key == "pk":
        return {pk: (pk, token) for pk, token in services.values_list("pk", "render_token")}
    return {k: (pk, token) for pk, k, token in services.values_list("pk", key, "render_token")}


def store(kind: str, built: Sequence[Built], *, generation: str) -> bool:
    """Keep these renderings; False if the database refused (or storing on read is off)."""
    built = [b for b in built if b.token is not None]
    if not built or not settings.RENDERINGS_STORE_ON_READ:
        return False
    stored_in, current = language(), stamp(kind, generation)
    rows = [ServiceRendering(service_id=b.pk, kind=kind, language=stored_in, token=b.token, stamp=current, text=b.text)
            for b in sorted(built, key=lambda b: b.pk)]  # one order for every writer: no deadlock
    try:
        with transaction.atomic():
            _write(rows)
    except DatabaseError:
        # A read-only replica or a lock: the page is served as built; the next one tries again.
        return False
    return True


def _write(rows: list[ServiceRendering]) -> None:
    """Insert these renderings, replacing the service's older ones of the same kind and language."""
    if connection.vendor == "postgresql":
        _upsert_postgresql(rows)
    else:
        ServiceRendering.objects.bulk_create(
            rows, batch_size=500, update_conflicts=True, unique_fields=["service", "kind", "language"],
            update_fields=["token", "stamp", "text"],
        )


def _upsert_postgresql(rows: list[ServiceRendering]) -> None:
    """`bulk_create(update_conflicts=True)` as one statement run for each row: bulk_create's one
    statement of 300 parameters (~350 KB of values) cost ~35 ms a page on PostgreSQL, with the
    parameters quoted on the client or bound by the server alike, against ~7 ms this way."""
    meta, quote = ServiceRendering._meta, connection.ops.quote_name
    names = ["service", "kind", "language", "token", "stamp", "text"]
    columns = [quote(meta.get_field(name).column) for name in names]
    unique = ", ".join(columns[:3])
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns[3:])
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(names))}) "
           f"ON CONFLICT ({unique}) DO UPDATE SET {updates}")
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(r.service_id, r.kind, r.language, r.token, r.stamp, r.text) for r in rows])


def get_many(
    kind: str, keys: Sequence, build: Callable[[list], dict[object, Built]], *, generation: str, key: Key = "pk",
    found: dict | None = None, tokens: Mapping | None = None,
) -> dict:
    """{key: text} for these services: stored ones in one query (or `found`, when the caller read
    them already; `tokens` as for `fetch`); the others from `build(missing keys)` ({key: Built}),
    stored in one more."""
    if found is None:
        found = fetch(kind, keys, generation=generation, key=key, tokens=tokens)
    missing = [k for k in keys if k not in found]
    if missing:
        built = build(missing)
        store(kind, list(built.values()), generation=generation)
        found |= {k: b.text for k, b in built.items()}
    return found


# --- building ahead of the first request --------------------------------------------------------

BATCH = 500


def oruk_json(
    public_ids: Sequence[uuid.UUID], *, full: bool, generation: str, found: dict | None = None,
) -> dict[uuid.UUID, str]:
    """{public id: JSON text} of these published services' Open Referral documents (full or
    summary), stored (or in `found`) or built from plain rows (a few queries, however many) and stored."""
    from directory.oruk import documents, selectors

    def build(missing: list) -> dict:
        held = tokens(missing, key="public_id")  # before the rows
        texts = documents.service_json(selectors.service_feed_rows(public_ids=missing, full=full), full=full)
        return {public_id: Built(*held.get(public_id, (0, None)), text) for public_id, text in texts.items()}

    kind = ORUK_FULL if full else ORUK_SUMMARY
    return get_many(kind, public_ids, build, generation=generation, key="public_id", found=found)


def _build_cards(rows: list, generation: str) -> None:
    from directory import result_cards, selectors

    results = [selectors.SearchResult(service=row, group=selectors.Group.LOCAL, distance_km=None, locations=(),
                                      criteria=selectors.SearchCriteria()) for row in rows]
    result_cards.attach(results, hydrate=selectors.search_results_hydrate, generation=generation)


def build_all(kinds: Sequence[str] = KINDS, languages: Sequence[str] | None = None,
              progress: Callable[[str, str, int, int], None] | None = None) -> None:
    """Build and store every published service's stale or missing renderings of these kinds, in
    these languages (default: every language of the site), `BATCH` services at a time.
    `progress(kind, language, done, total)` is called after each batch."""
    from django.utils import translation

    from directory import search_index, version

    directory_version, generation = version.current_with_generation()
    index = search_index.current(directory_version, generation)  # the rows a card is built from, as a search reads them
    rows = list(index.rows.values())
    for language in languages or [code for code, _name in settings.LANGUAGES]:
        with translation.override(language):
            for kind in kinds:
                for start in range(0, len(rows), BATCH):
                    batch = rows[start : start + BATCH]
                    if kind == CARD:
                        _build_cards(batch, generation)
                    else:
                        oruk_json([row.public_id for row in batch], full=kind == ORUK_FULL, generation=generation)
                    if progress:
                        progress(kind, language, min(start + BATCH, len(rows)), len(rows))
