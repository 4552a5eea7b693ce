"""How log lines look: time, level, logger, message, except where systemd's journal already keeps the time.

Cron appends a job's output to a file as it comes (deploy/crontab), and the Docker `cron` container's
output is read with `docker compose logs`, which shows no time unless asked (`-t`): there, a line
without its own time cannot say when a run happened or failed. So every line carries one, local time
with its offset (Europe/London changes at the clocks' change: 07:15+01:00 and 07:15+00:00 are
different moments), to the second.

systemd's journal records each line's time itself, and prints it: under systemd (gunicorn's unit in
docs/deploy.md) a second time on every line is noise. systemd tells a program its stderr is the
journal by JOURNAL_STREAM, "device:inode" of that stream; it is compared with stderr's own, as
systemd's documentation asks, because a child process inherits the variable even when its output
goes elsewhere (`manage.py … >> file` typed in a unit's shell still gets the time).
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime


def stderr_is_journal(stream=None) -> bool:
    """Whether `stream` (default stderr) is systemd's journal stream (JOURNAL_STREAM names it)."""
    expected = os.environ.get("JOURNAL_STREAM", "")
    try:
        device, inode = (int(part) for part in expected.split(":"))
        stat = os.fstat((stream or sys.stderr).fileno())
    except (ValueError, OSError, AttributeError):  # unset or malformed; a stream with no file (tests)
        return False
    return (stat.st_dev, stat.st_ino) == (device, inode)


class TimestampedFormatter(logging.Formatter):
    """`2026-01-15T07:15:02+00:00 INFO servicemap.jobs.send_review_requests: started` (local time with
    its offset; `time.strftime`'s `%z` would give "+0000", not ISO 8601's extended form)."""

    def __init__(self) -> None:
        super().__init__("{asctime} {levelname} {name}: {message}", style="{")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="seconds")


class JournalFormatter(logging.Formatter):
    """The same line less the time, which the journal keeps (`journalctl -u servicemap` shows it)."""

    def __init__(self) -> None:
        super().__init__("{levelname} {name}: {message}", style="{")


def console_formatter() -> logging.Formatter:
    """LOGGING's console formatter ("()" factory): chosen once, when logging is configured."""
    return JournalFormatter() if stderr_is_journal() else TimestampedFormatter()
