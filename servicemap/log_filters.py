"""Log filters that keep what a searcher typed out of the logs.

A search's criteria (a child's postcode district, age and forms of abuse) are in its query string,
and the development server (`make run`) logged every request line whole. gunicorn keeps no access
log and the reverse proxy logs the path alone (docs/deploy.md); this does the same for runserver, and
for every other line logged (LOGGING's console handler): a URL in an error or a warning too.
"""

from __future__ import annotations

import logging
import re

# From "?" to the end of the URL: the request line's next space, or the end of the text.
_QUERY_STRING = re.compile(r"\?[^\s\"']*")


def without_query_string(text: str) -> str:
    return _QUERY_STRING.sub("", text)


class DropQueryStrings(logging.Filter):
    """Removes the query string from every text argument of a record (runserver's request line is
    its first argument; its 'Bad request' lines quote the raw line too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(without_query_string(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.msg, str) and not record.args:  # a message logged whole: its args are ()
            record.msg = without_query_string(record.msg)
        return True
