from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import time
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from directory.oruk.importer import ImportReport, import_records
from directory.oruk.sources import (
    Deadlines,
    FeedText,
    SourceError,
    fetch_details,
    fetch_json,
    read_file,
    walk_feed,
)


def _page_size(text: str) -> int:
    """A page size a feed can answer: a feed asked for 0 or fewer per page gives nothing, or
    every record in one response."""
    try:
        size = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= size <= 1000:
        raise argparse.ArgumentTypeError(f"{size} is not between 1 and 1000")
    return size


class Command(BaseCommand):
    help = (
        "Import services from an Open Referral (ORUK 3.0 / HSDS 3.0) feed URL, walking every page, or from a "
        "JSON / NDJSON file of services (a list, a page, or one service). Upserts organisations, services, "
        "locations, areas and taxonomy terms by their ids and maps our published taxonomies back to our "
        "fields. All or nothing: one bad record aborts the import and leaves the database as it was, "
        "unless --skip-invalid. Every rejected record is listed with its id."
    )
    # No system checks first: they import every URL and view (1.6 s here) that reading and writing
    # data never uses; `manage.py check --deploy` checks a deployment (docs/deploy.md).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("source", help="A feed URL (its base or its /services URL) or a JSON/NDJSON file.")
        parser.add_argument("--dry-run", action="store_true", help="Check and report, then roll everything back.")
        parser.add_argument(
            "--skip-invalid", action="store_true",
            help="Import the valid records and report the others (still an error if none is valid)."
        )
        parser.add_argument("--per-page", type=_page_size, default=100,
                            help="Page size to ask a feed for, 1 to 1000 (default 100).")
        parser.add_argument(
            "--fetch-details", action="store_true",
            help="Fetch each service's /services/{id} (for feeds whose list pages hold only summaries).",
        )

    def handle(self, *args, source: str, dry_run: bool, skip_invalid: bool, per_page: int, fetch_details: bool,
               verbosity: int, **options):
        started = time.monotonic()
        say = self.stdout.write if verbosity >= 1 else (lambda message: None)
        with _collector_paused():  # see the note at the end of this module
            try:
                records = self._read(source, per_page=per_page, details=fetch_details, say=say)
            except SourceError as exc:
                raise CommandError(str(exc)) from exc
            # Left out of the collector's passes: the feed and whatever else is alive now. Before the
            # collector resumes, or its first pass walks every object made while it was paused.
            gc.freeze()
        try:
            self._import(records, source, dry_run=dry_run, skip_invalid=skip_invalid, verbosity=verbosity,
                         say=say, started=started)
        finally:
            gc.unfreeze()  # the collector takes it all back (call_command runs in a long-lived process)

    def _import(self, records: Sequence, source: str, *, dry_run: bool, skip_invalid: bool, verbosity: int, say,
                started: float) -> None:
        if not records:
            # A feed or file with no records imports nothing: a nightly job must not pass as if it had.
            raise CommandError(f"No records in {source}, so nothing was imported.")
        say(f"{len(records)} records read from {source}")
        every = 1 if verbosity >= 2 else max(1, len(records) // 10)
        progress_count = iter(range(1, len(records) + 1))

        def progress(message: str) -> None:
            # A rejected record is listed on stderr at the end (`_summary`), with its reason, once:
            # printed here as well, a file of 860 organisations gave 1,725 lines for 860 reasons.
            number = next(progress_count)
            if verbosity >= 2 or number % every == 0:
                say(message)

        report = import_records(records, dry_run=dry_run, skip_invalid=skip_invalid, progress=progress)
        self._summary(report, verbosity, elapsed=time.monotonic() - started)
        if report.rejected and (not skip_invalid or len(report.rejected) == report.total):
            if len(report.rejected) == report.total:
                # A file of organisations, a 1.0-era feed: "use --skip-invalid to import the rest" led
                # an ops person to a second run that imports nothing. With --skip-invalid too (a
                # nightly job's feed changed format): a success there hid that nothing came in.
                raise CommandError(
                    f"None of the {report.total} records could be imported, so nothing was imported: "
                    "each is listed above with why."
                )
            invalid = len(report.rejected)
            raise CommandError(
                f"{invalid} of {report.total} records {'is' if invalid == 1 else 'are'} invalid, so nothing was "
                f"imported (fix {'it' if invalid == 1 else 'them'}, or use --skip-invalid to import the rest)."
            )

    def _read(self, source: str, *, per_page: int, details: bool, say) -> Sequence:
        if source.startswith(("http://", "https://")):
            deadlines = Deadlines(settings.ORUK_IMPORT_DOCUMENT_SECONDS, settings.ORUK_IMPORT_TOTAL_SECONDS)
            fetch = functools.partial(fetch_json, deadlines=deadlines)
            records = walk_feed(source, per_page=per_page, fetch=fetch, progress=say)
            if details:
                records = fetch_details(list(records), source, fetch=fetch, progress=say)
            return FeedText.of(records)
        path = Path(source)
        if not path.exists():
            raise SourceError(f"{source} is neither a URL nor an existing file")
        return read_file(path)

    def _summary(self, report: ImportReport, verbosity: int, *, elapsed: float) -> None:
        for record_id, message in report.rejected:
            self.stderr.write(f"  rejected service {record_id}: {message}")
        if len(report.rejected) > 1:
            self.stderr.write("Rejected, by reason:")
            for kind, count in report.rejection_counts().most_common():
                self.stderr.write(f"  {count} x {kind}")
        if verbosity >= 2:
            for record_id, message in report.notes:
                self.stdout.write(f"  service {record_id}: {message}")
        elif report.notes:
            self.stdout.write("Normalised (use -v 2 for each record):")
            for kind, count in report.note_counts().most_common():
                self.stdout.write(f"  {count} x {kind}")
        if report.held:
            held = f"{report.held} new {'service' if report.held == 1 else 'services'}"
            if report.dry_run:
                held += " would not be published until a moderator confirmed"
            else:
                held += " not published until a moderator confirms"
            self.stdout.write(f"{held} their criteria (not stated in their records): see the moderation page.")
        self._named_alike(report)
        self.stdout.write(
            f"{_outcome(report)}: {report.created} new, {report.updated} updated, {report.unchanged} unchanged, "
            f"{len(report.rejected)} rejected, of {report.total} {'record' if report.total == 1 else 'records'}, "
            f"in {elapsed:.1f}s."
        )

    def _named_alike(self, report: ImportReport) -> None:
        """Warned, not refused: the feed's ids tell the listings apart, and a publisher may list one
        service at two places under one name; a moderator decides (the web forms refuse a second one)."""
        if not report.named_alike:
            return
        kept = "They would be kept" if report.dry_run else "Kept"  # a dry run keeps nothing
        self.stdout.write(
            f"{len(report.named_alike)} {'name is' if len(report.named_alike) == 1 else 'names are'} shared by "
            f"listings of one organisation, which look the same on its dashboard and in the search. {kept}, as "
            "the feed's ids tell them apart: check each, and rename or close one that should not be there."
        )
        for alike in report.named_alike:
            ids = ", ".join(str(public_id) for public_id in alike.public_ids)
            self.stdout.write(f"  {alike.organisation}: \"{alike.name}\": services {ids}")


def _outcome(report: ImportReport) -> str:
    """What the run did to the database, in its own words: "saved" alone read as if something was
    written when every record was unchanged, or every one rejected (--skip-invalid)."""
    if report.dry_run:
        return "Dry run, nothing saved"
    if not report.committed:
        return "Nothing saved"
    return "Saved" if report.created or report.updated else "Nothing changed"


# A whole feed parsed is millions of small dicts and lists, kept to the end of the import. Python's
# cycle collector walks every object it tracks each time enough new ones have outlived a few passes,
# so while the feed grows, and then while the import makes its rows, it walked the feed again and
# again: ~10% of an import's CPU here (user CPU 41–45 s → 39–40 s for the bench's 20,000 records on
# SQLite). The feed holds no cycles, so it is built with the collector paused and then frozen.
# (A feed is now kept as JSON text and parsed a chunk at a time as the import reaches it,
# `sources.FeedText`: a file's as it is, a URL's pages written back as text as they are read.)


@contextlib.contextmanager
def _collector_paused():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
