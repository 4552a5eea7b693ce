"""What the scheduled jobs write to their log file, read in the test's process."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO


@contextmanager
def job_log() -> Iterator[StringIO]:
    """Everything logged meanwhile, as LOGGING's own console handler (formatter and filters) writes it
    to the stderr that deploy/crontab appends to a file."""
    console = next(handler for handler in logging.getLogger().handlers if handler.get_name() == "console")
    written = StringIO()
    stderr = console.setStream(written)
    try:
        yield written
    finally:
        console.setStream(stderr)
