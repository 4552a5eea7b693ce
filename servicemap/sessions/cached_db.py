"""SESSION_ENGINE with Redis: Django's cached database sessions (servicemap/sessions/__init__.py says why)."""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db

from servicemap.sessions import is_valid_key


class SessionStore(cached_db.SessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        return is_valid_key(key)
