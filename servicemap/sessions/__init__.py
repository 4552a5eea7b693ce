"""Django's database and cached-database sessions, reading only a session key Django could have made.

A key comes from the browser's cookie, and Django checks only that it has eight characters or more.
`Cookie: sessionid="\\000abcdefgh"` gives a key holding a NUL (the cookie parser reads the octal
escape), which PostgreSQL refuses in the look-up with an error: every page that reads the session
(the header's shortlist count: nearly all) was a 500. A key Django makes is 32 lowercase letters
and digits (`VALID_KEY_CHARS`), so any other is no session: a new one, as for an expired key.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import VALID_KEY_CHARS

_KEY_CHARS = frozenset(VALID_KEY_CHARS)
# The session table's column (Session.session_key) holds 40.
_KEY_MAX_LENGTH = 40


def is_valid_key(key: str | None) -> bool:
    return bool(key) and 8 <= len(key) <= _KEY_MAX_LENGTH and set(key) <= _KEY_CHARS
