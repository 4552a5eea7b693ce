"""Stored renderings kept in the table's own pages on PostgreSQL, not in its TOAST table.

A full ORUK document is ~7 KB. By default PostgreSQL compresses (pglz) and moves out of line any
value that makes a row over 2 KB, so reading a page of 50 meant ~200 TOAST index look-ups and
~350 KB of pglz decompression: ~2.2 ms of the ORUK list's ~2.8 ms. With rows of up to a page
(8160 bytes) kept as they are, and larger ones compressed with lz4 in the row (`STORAGE MAIN`)
rather than moved, the same read is ~1.2 ms (measured on 20,000 services, BENCHMARKS.md).

Rows already stored keep their old form until rewritten, which `build_renderings` does for every
stale one (any new release is one). SQLite has no such storage: nothing to do there.
"""

from django.db import migrations

TABLE = "directory_servicerendering"


def _alter(schema_editor, *changes: str) -> None:
    """ALTER TABLE for each change, on PostgreSQL only."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for change in changes:
            cursor.execute(f"ALTER TABLE {TABLE} {change}")


def _has_lz4(schema_editor) -> bool:
    # lz4 only where the server was built with it (PostgreSQL 14 and later, most packages).
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)")
        return cursor.fetchone() is not None


def keep_in_row(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    lz4 = ["ALTER COLUMN text SET COMPRESSION lz4"] if _has_lz4(schema_editor) else []
    _alter(schema_editor, "SET (toast_tuple_target = 8160)", "ALTER COLUMN text SET STORAGE MAIN", *lz4)


def back_to_defaults(apps, schema_editor):
    _alter(schema_editor, "RESET (toast_tuple_target)", "ALTER COLUMN text SET STORAGE EXTENDED",
           "ALTER COLUMN text SET COMPRESSION DEFAULT")


class Migration(migrations.Migration):
    dependencies = [("directory", "0005_render_store")]

    operations = [migrations.RunPython(keep_in_row, back_to_defaults, elidable=False)]
