"""Only a session key Django could have made is looked up (servicemap/sessions/__init__.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.shortlist import SESSION_KEY
from servicemap.sessions import is_valid_key
from tests.factories import ServiceFactory


@pytest.mark.parametrize("cookie", ['"\\000abcdefghij"', "abcdefgh\x7fij", "ABCDEFGHIJKL", "a" * 41, "abc-def-ghi"])
def test_a_session_cookie_django_never_made_is_no_session_and_never_looked_up(client, db, cookie):
    # PostgreSQL refuses a NUL in a look-up with an error: every page reading the session was a 500
    # there (SQLite finds nothing). Any key Django would not make is treated as no session.
    client.cookies["sessionid"] = cookie

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/shortlist/")

    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]


def test_a_session_django_made_is_still_read(client, db):
    service = ServiceFactory()
    client.post("/shortlist/add/", {"service": str(service.public_id)})
    key = client.cookies["sessionid"].value

    assert is_valid_key(key)
    assert client.session[SESSION_KEY] == [str(service.public_id)]
    assert service.name in client.get("/shortlist/").content.decode()
