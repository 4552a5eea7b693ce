from __future__ import annotations

import logging
from datetime import date

from django.core.management.base import CommandError
from django.utils import timezone

from gaps.services import snapshot_take
from servicemap.scheduled_jobs import ScheduledCommand


class Command(ScheduledCommand):
    help = (
        "Take a dated snapshot of provision (every service's coverage, forms, audiences and current wait; "
        "every local authority's access for every layer) for the trends page. Idempotent for a date: "
        "running it again replaces that date's snapshot. Meant for a quarterly cron."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="The date to file the snapshot under (YYYY-MM-DD, not after today); "
                            "default today.")

    def run(self, log: logging.Logger, **options) -> str:
        raw = options.get("date")
        try:
            taken_on = date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD, not {raw!r}") from exc
        today = timezone.localdate()
        if taken_on > today:
            # Back-dating files a missed quarter late; a later date would show provision not yet seen.
            raise CommandError(f"--date {taken_on:%Y-%m-%d} is after today, {today:%Y-%m-%d}: a snapshot records "
                               "the directory as it is now (a date before today files a missed one late).")
        snapshot = snapshot_take(taken_on=taken_on)
        return (f"snapshot {snapshot.taken_on:%Y-%m-%d}: {snapshot.services.count()} services, "
                f"{snapshot.access.count()} area × layer figures.")
