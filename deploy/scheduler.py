"""The scheduled jobs of deploy/crontab, for a container with no cron: `python deploy/scheduler.py`
(deploy/compose.yaml's `cron` service).

It reads deploy/crontab itself, so the two schedules can never disagree: each line's five time
fields and its `manage.py …` command, run here as `python manage.py …` in this container's
environment. Lines running anything else (the nightly `pg_dump`, which needs PostgreSQL's client
tools) are named at start and left to the host (docs/deploy.md, "Docker").

Times are the container's clock (UTC in the image), as cron's are the host's. A job whose minute
passed while another job ran is run as soon as that one ends, not skipped: a long `build_renderings`
must not cost a quarter its gaps snapshot. The time fields may be numbers, `*` or lists of numbers
(`1,4,7,10`), all deploy/crontab uses; anything else is refused at start, not misread.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CRONTAB = BASE_DIR / "deploy" / "crontab"
MANAGE_COMMAND = re.compile(r"manage\.py\s+([^>&|;]+?)\s*(?:>>|>|&&|\|\||;|$)")
# Each field's allowed values, in crontab order: minute, hour, day of month, month, day of week.
FIELD_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Job:
    schedule: tuple[frozenset[int] | None, ...]  # per field: the values it allows, None for `*`
    arguments: tuple[str, ...]  # after `manage.py`

    def is_due(self, moment: datetime) -> bool:
        minute, hour, day, month, weekday = self.schedule
        cron_weekday = (moment.weekday() + 1) % 7  # cron: 0 (or 7) is Sunday; Python: 0 is Monday
        if not all(allowed is None or value in allowed
                   for allowed, value in ((minute, moment.minute), (hour, moment.hour), (month, moment.month))):
            return False
        day_matches = day is None or moment.day in day
        weekday_matches = weekday is None or cron_weekday in weekday or (cron_weekday == 0 and 7 in weekday)
        if day is not None and weekday is not None:
            return day_matches or weekday_matches  # cron's rule when both are restricted
        return day_matches and weekday_matches


def _field(text: str, low: int, high: int) -> frozenset[int] | None:
    if text == "*":
        return None
    if not re.fullmatch(r"\d+(,\d+)*", text):
        raise ValueError(f"crontab field {text!r}: only numbers, * and lists of numbers are understood here")
    values = frozenset(int(part) for part in text.split(","))
    if not all(low <= value <= high for value in values):
        raise ValueError(f"crontab field {text!r}: values must be from {low} to {high}")
    return values


def read_crontab(text: str) -> tuple[list[Job], list[str]]:
    """The jobs running `manage.py`, and the other scheduled lines (left to the host)."""
    jobs, others = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or re.match(r"^[A-Z_]+=", line):  # comments, SHELL=…
            continue
        *fields, command = line.split(None, 5)
        found = MANAGE_COMMAND.search(command)
        if found is None:
            others.append(command)
            continue
        schedule = tuple(_field(field, low, high) for field, (low, high) in zip(fields, FIELD_RANGES, strict=True))
        jobs.append(Job(schedule, tuple(shlex.split(found[1]))))
    return jobs, others


def due_between(jobs: list[Job], after: datetime, until: datetime) -> list[Job]:
    """The jobs due in each minute after `after` up to and including `until`, in order."""
    due, moment = [], after + MINUTE
    while moment <= until:
        due.extend(job for job in jobs if job.is_due(moment))
        moment += MINUTE
    return due


def _this_minute() -> datetime:
    return datetime.now().replace(second=0, microsecond=0)


def run_forever(jobs: list[Job]) -> None:
    checked = _this_minute()
    while True:
        time.sleep(max(0.0, (checked + MINUTE - datetime.now()).total_seconds()) + 1)
        now = _this_minute()
        for job in due_between(jobs, checked, now):
            print(f"{datetime.now():%Y-%m-%d %H:%M} manage.py {' '.join(job.arguments)}", flush=True)
            finished = subprocess.run([sys.executable, "manage.py", *job.arguments], cwd=BASE_DIR, check=False)
            if finished.returncode:
                print(f"{datetime.now():%Y-%m-%d %H:%M} manage.py {job.arguments[0]} exited with {finished.returncode}",
                      flush=True)
        checked = now


def main() -> None:
    jobs, others = read_crontab(CRONTAB.read_text())
    for job in jobs:
        print("scheduled: manage.py", " ".join(job.arguments), flush=True)
    for command in others:
        print("not run here (left to the host):", command, flush=True)
    run_forever(jobs)


if __name__ == "__main__":
    main()
