"""The base of the management commands deploy/crontab runs: they report through logging.

Cron appends a job's output to a file (/var/log/servicemap/reminders.log, …) with nothing of its own:
printed lines said what a run did but not when, nor whether it finished. Logged through
`servicemap.jobs.<command>`, each line has the time and level (servicemap/log_format.py; LOGGING's
console handler, on stderr, which the crontab's `2>&1` appends to the same file), and each run has a
start line and an end line with its counts and how long it took, or a failure line with the reason,
so an operator sees a run that did not finish, a day with none, and `grep ERROR` finds the failures.
"""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand, CommandError

JOBS_LOGGER = "servicemap.jobs"


def job_logger(command_name: str) -> logging.Logger:
    return logging.getLogger(f"{JOBS_LOGGER}.{command_name}")


class ScheduledCommand(BaseCommand):
    """A command run on a schedule. Subclasses implement `run(log, **options)`: the run's work, logging
    what it did to `log` (never a person's email address: the lines go to a file every day), and
    returning the counts for the end line."""

    def run(self, log: logging.Logger, **options) -> str:
        raise NotImplementedError

    def handle(self, *args, **options) -> None:
        log = job_logger(type(self).__module__.rsplit(".", 1)[-1])
        started = time.monotonic()
        log.info("started")
        try:
            summary = self.run(log, **options)
        except CommandError as error:
            log.error("failed after %.1f s: %s", time.monotonic() - started, error)
            raise
        except Exception as error:
            # The traceback follows on stderr from manage.py itself; this line gives it a time.
            log.error("failed after %.1f s: %s: %s", time.monotonic() - started, type(error).__name__, error)
            raise
        log.info("finished in %.1f s: %s", time.monotonic() - started, summary)
