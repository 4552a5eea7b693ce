"""Warn, close and erase unused staff accounts (directory/accounts/dormancy.py): daily from
deploy/crontab. Safe to run twice: a warning is sent once for each lapse, and what is closed or
erased is not done again."""

from __future__ import annotations

import logging

from django.core.management.base import CommandError
from django.utils import timezone

from directory.accounts.unused_accounts import unused_accounts_close
from servicemap.scheduled_jobs import ScheduledCommand


class Command(ScheduledCommand):
    help = (
        "Email the holder of each account not signed in to for CLOSE_UNUSED_ACCOUNTS_DAYS less "
        "UNUSED_ACCOUNT_WARNING_DAYS; close accounts not signed in to for CLOSE_UNUSED_ACCOUNTS_DAYS, at least "
        "UNUSED_ACCOUNT_WARNING_DAYS after their warning, telling the moderators (never the last active "
        "moderator, who is told instead that the account is kept open); and erase the email address and name of accounts closed ERASE_CLOSED_ACCOUNTS_DAYS ago. "
        "Logs counts only, never an address."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what is due; change and send nothing.")

    def run(self, log: logging.Logger, *, dry_run: bool = False, **options) -> str:
        outcome = unused_accounts_close(now=timezone.now(), dry_run=dry_run)
        summary = outcome.summary(dry_run=dry_run)
        if outcome.kept_as_last_moderator:
            # Left open for now, and said each run until someone acts: the operator's part.
            log.warning("The last active moderator account is unused past the limit and was left open: sign in "
                        "with it, or make another moderator (manage.py create_moderator).")
        if outcome.not_warned:
            # A failing exit, so cron tells whoever reads its mail; nothing recorded, tried again next run.
            raise CommandError(f"{summary} {outcome.not_warned} warning(s) could not be sent: the mail server "
                               "refused; they will be tried again on the next run, and those accounts stay open.")
        return summary
