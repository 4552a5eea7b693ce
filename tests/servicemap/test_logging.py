"""What the servers log: never a search's criteria (a child's postcode, age and forms of abuse are in
its query string; the domain brief's privacy rules)."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from urllib.error import HTTPError
from urllib.request import urlopen

from servicemap.log_filters import DropQueryStrings
from servicemap.settings import BASE_DIR
from tests.network import free_port

SEARCH = "/healthz/?postcode=CF10+1EP&age=9&abuse_form=intra_familial"


def test_the_development_server_logs_each_request_without_its_query_string(tmp_path):
    """`make run` serves with runserver, whose request log line was the whole request line."""
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
            cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urlopen(f"http://127.0.0.1:{port}{SEARCH}", timeout=5).read()
                break
            except HTTPError:
                break  # answered (503: this database is not migrated), and so logged
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        # The request's line is written once the answer has gone: wait for it, not for a fixed time.
        deadline = time.monotonic() + 30
        while '"GET /healthz/' not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = log.read_text()

    assert '"GET /healthz/ HTTP/1.1" 503' in logged
    for typed in ("CF10", "age=9", "intra_familial", "?"):
        assert typed not in logged


def test_a_bad_request_line_is_logged_without_its_query_string_too():
    record = logging.LogRecord("django.server", logging.WARNING, __file__, 1, "code %d, message %s",
                               (400, "Bad request syntax ('GET /search/?postcode=SA1+1AA&age=12 HTTP/1.1')"), None)

    DropQueryStrings().filter(record)

    assert record.getMessage() == "code 400, message Bad request syntax ('GET /search/ HTTP/1.1')"
