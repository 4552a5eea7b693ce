"""What the servers log: never a search's criteria (a child's postcode, age and forms of abuse are in
its query string; the domain brief's privacy rules)."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

from servicemap.log_filters import DropQueryStrings
from servicemap.settings import BASE_DIR
from tests.job_log import job_log
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


# Cron appends a job's stdout and stderr to its log file (deploy/crontab: `>> …/reminders.log 2>&1`).
LOGGED = re.compile(r"(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d) (?P<level>INFO|ERROR) "
                    r"servicemap\.jobs\.(?P<job>\w+): (?P<message>.*)")


def _run_as_cron(arguments: str, env: dict[str, str], log: Path) -> int:
    with log.open("a") as out:
        return subprocess.run([sys.executable, "manage.py", *arguments.split()], cwd=BASE_DIR, env=env,
                              stdout=out, stderr=subprocess.STDOUT, check=False).returncode


def test_each_scheduled_job_logs_when_it_started_and_how_it_ended_with_its_counts(tmp_path):
    """The cron logs had lines with no time: an operator could not tell when a run happened or failed."""
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    log = tmp_path / "jobs.log"
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True)

    assert _run_as_cron("send_review_requests", env, log) == 0
    assert _run_as_cron("prune_personal_data", env, log) == 0
    assert _run_as_cron("build_renderings -v0", env, log) == 0
    assert _run_as_cron("take_gaps_snapshot --date 2999-01-01", env, log) == 1  # refused: after today

    *lines, last = log.read_text().splitlines()
    logged = [LOGGED.fullmatch(line) for line in lines]
    assert [(found["level"], found["job"], re.sub(r"\d+\.\d s", "… s", found["message"])) for found in logged] == [
        ("INFO", "send_review_requests", "started"),
        ("INFO", "send_review_requests",
         "finished in … s: 0 review request(s) sent in 0 email(s), 0 could not be sent, 0 had nobody to go to. "
         "0 change(s) waiting for approval sent to the moderators in 0 email(s). "
         "Moderators' changes sent to 0 organisation(s) in 0 email(s)."),
        ("INFO", "prune_personal_data", "started"),
        ("INFO", "prune_personal_data",
         "finished in … s: 0 sign-in records, 0 failed sign-in records, 0 ended lock-outs and failed sign-in counts, "
         "0 invitations, 0 resolved problem reports, 0 review request addresses removed."),
        ("INFO", "build_renderings", "started"),
        ("INFO", "build_renderings",
         "finished in … s: 0 published services, oruk-full, oruk-summary, card in en, cy: stale or missing ones built."),
        ("INFO", "take_gaps_snapshot", "started"),
        ("ERROR", "take_gaps_snapshot", f"failed after … s: {last.removeprefix('CommandError: ')}"),
    ]
    assert last.startswith("CommandError: --date 2999-01-01 is after today")  # manage.py's own line
    assert all(abs(datetime.fromisoformat(found["time"]) - datetime.now(UTC)) < timedelta(minutes=5)
               for found in logged)


def _stream_id(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_dev}:{stat.st_ino}"


def test_under_systemd_the_journal_keeps_the_time_and_elsewhere_each_line_has_it(tmp_path):
    """systemd's journal times every line itself (JOURNAL_STREAM names the stream it reads); a job
    started from a unit with its output sent to a file still times its lines."""
    journal, elsewhere = tmp_path / "journal", tmp_path / "file.log"
    journal.touch()
    for log, stream in ((journal, _stream_id(journal)), (elsewhere, _stream_id(journal))):
        env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
               "JOURNAL_STREAM": stream}
        _run_as_cron("take_gaps_snapshot --date 2999-01-01", env, log)

    assert journal.read_text().splitlines()[0] == "INFO servicemap.jobs.take_gaps_snapshot: started"
    assert journal.read_text().splitlines()[1].startswith("ERROR servicemap.jobs.take_gaps_snapshot: failed after")
    assert LOGGED.fullmatch(elsewhere.read_text().splitlines()[0])


def test_no_logger_writes_a_query_string_to_the_log():
    """Not only the development server's request lines: any URL any code logs (an error's, a
    harvester's) may hold a search's criteria."""
    with job_log() as log:
        logging.getLogger("directory.anything").warning("Could not fetch %s", "/search/?postcode=CF10+1EP&age=9")
        logging.getLogger("gaps").error("Not rendered: /gaps/?need=prevalence&area=W06000015")

    assert "Could not fetch /search/\n" in log.getvalue()
    assert "Not rendered: /gaps/\n" in log.getvalue()
    assert "CF10" not in log.getvalue() and "W06000015" not in log.getvalue()
