"""A parameter an API endpoint does not read is refused, not ignored (pure: no database).

Ignored, it gives a wrong answer that looks right: `?organisation_id=` (for organization_id) returned
every service from the ORUK feed, `?question=cse` the gaps API's default layer. Used by both APIs,
whose 400 is {"status", "detail", "parameter"}.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence

from directory.oruk.params import ParameterError


def refuse_unknown(
    names: Iterable[str],
    known: Sequence[str],
    where: str | Callable[[], str],
    *,
    explained: Mapping[str, str] | None = None,
) -> None:
    """Raise ParameterError for the first of `names` (a query's) not in `known`: its message says
    what `where` (the endpoint, as a client reads it) takes, guessing a misspelt one. `where` may be
    a function, called only to word a refusal (the ORUK API's reverses a URL: ~0.3 ms a request).
    `explained`: names refused with a message of their own (the ORUK parameters the feed does not offer)."""
    for name in names:
        if name in known:
            continue
        if explained and name in explained:
            raise ParameterError(name, explained[name])
        endpoint = where() if callable(where) else where
        close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.75)
        guess = f" Did you mean {close[0]}?" if close else ""
        takes = f"{endpoint} takes: {', '.join(known)}." if known else f"{endpoint} takes no parameters."
        raise ParameterError(name, f"Unknown parameter {name!r}.{guess} {takes}")


def refuse_repeated(query: Mapping[str, Sequence[str]], *, repeatable: Iterable[str] = ()) -> None:
    """Raise ParameterError for the first parameter given more than once with different values
    (`query`: name -> its values, as a QueryDict's `lists()`), unless it is `repeatable` (a list of
    codes, such as abuse_form). Otherwise the last value won without a word: `per_page=10&per_page=100`
    gave pages of 100, `layer=cse&layer=all` the whole table."""
    allowed = set(repeatable)
    for name, values in query.items():
        if name in allowed or len(set(values)) < 2:
            continue
        given = ", ".join(map(repr, values))
        raise ParameterError(name, f"{name} is given {len(values)} times ({given}); give it once.")
