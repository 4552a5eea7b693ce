"""`foldcontains`: `icontains` in every letter's case on SQLite too.

SQLite's LIKE folds the letters A-Z alone, so `icontains` missed "Ŵyr" for "ŵyr" (and "Môn" for
"MÔN"); PostgreSQL's UPPER folds them all. On SQLite this lookup folds both sides with `fold` (as
listing names are compared, `listings.selectors.name_key`), a Python function the connection calls
once a row and column: the all-services search of 2,000 services took ~15 ms for a count and a page
where `icontains` took ~10. On PostgreSQL it is `icontains` (its UPPER folds every letter), of the
search composed.
"""

from __future__ import annotations

import unicodedata

from django.db.backends.signals import connection_created
from django.db.models import CharField, TextField
from django.db.models.lookups import IContains

SQL_FUNCTION = "servicemap_fold"


def fold(text: str | None) -> str | None:
    """`text` in one case (`casefold`), composed alike ("o" + combining circumflex is "ô")."""
    if text is None:
        return None
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


class FoldContains(IContains):
    lookup_name = "foldcontains"

    def as_sql(self, compiler, connection):
        # The backends know icontains by name. What was typed composed, as names are stored ("o" +
        # combining circumflex is "ô"); not casefolded: PostgreSQL's UPPER leaves "ß", casefold not.
        rhs = unicodedata.normalize("NFKC", self.rhs) if isinstance(self.rhs, str) else self.rhs
        return compiler.compile(IContains(self.lhs, rhs))

    def as_sqlite(self, compiler, connection):
        if not isinstance(self.rhs, str):  # a column or expression: as icontains
            return self.as_sql(compiler, connection)
        lookup = IContains(self.lhs, fold(self.rhs))
        lhs_sql, lhs_params = lookup.process_lhs(compiler, connection)
        rhs_sql, rhs_params = lookup.process_rhs(compiler, connection)  # '%…%', LIKE's wildcards escaped
        return f"{SQL_FUNCTION}({lhs_sql}) LIKE {rhs_sql} ESCAPE '\\'", (*lhs_params, *rhs_params)


def _register_function(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQL_FUNCTION, 1, fold, deterministic=True)


def register() -> None:
    """Called once, from the app's `ready()`."""
    CharField.register_lookup(FoldContains)
    TextField.register_lookup(FoldContains)
    connection_created.connect(_register_function, dispatch_uid="servicemap_fold")
