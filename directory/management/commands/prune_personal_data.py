"""Remove personal data about staff kept past its period (directory/retention.py): nightly from
deploy/crontab. Idempotent: a second run finds nothing more."""

from __future__ import annotations

import logging

from django.utils import timezone

from directory.retention import personal_data_prune
from servicemap.scheduled_jobs import ScheduledCommand


class Command(ScheduledCommand):
    help = (
        "Remove personal data about staff that is past the period the settings keep it for: sign-in records "
        "(RETAIN_SIGN_IN_RECORDS_DAYS), ended sign-in lock-outs, used or expired invitations "
        "(RETAIN_INVITATIONS_DAYS), resolved problem reports (RETAIN_RESOLVED_PROBLEM_REPORTS_DAYS), and the "
        "addresses review requests went to (RETAIN_REVIEW_REQUEST_ADDRESSES_DAYS). Open reports, current "
        "lock-outs and the change history are kept. Logs counts only, never an address."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be removed; remove nothing.")

    def run(self, log: logging.Logger, *, dry_run: bool = False, **options) -> str:
        counts = personal_data_prune(now=timezone.now(), dry_run=dry_run)
        done = "would be removed (dry run: nothing removed)" if dry_run else "removed"
        return f"{', '.join(f'{count} {what}' for what, count in counts.items())} {done}."
