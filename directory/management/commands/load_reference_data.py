from __future__ import annotations

import csv

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from directory.reference_data import load_areas, load_postcodes

MISSING = "data/{name} is missing: restore data/ from the repository (data/README.md lists its files). Nothing was loaded."
INCOMPLETE = (
    "data/ is incomplete or unreadable ({error}): restore it from the repository (data/README.md lists "
    "its files and sources). Nothing was loaded."
)


class Command(BaseCommand):
    help = (
        "Load Welsh areas (nation, 22 local authorities, 7 health boards, 6 safeguarding boards, "
        "children 0–17) and postcode look-ups from data/. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--skip-postcodes", action="store_true", help="Load areas only (faster, for tests).")

    def handle(self, *args, **options):
        # One transaction: a bad postcode file does not leave the areas loaded without their postcodes.
        try:
            with transaction.atomic():
                self._load(skip_postcodes=options["skip_postcodes"])
        except FileNotFoundError as exc:
            raise CommandError(MISSING.format(name=exc.filename.rsplit("/", 1)[-1])) from exc
        except (OSError, KeyError, ValueError, csv.Error) as exc:
            raise CommandError(INCOMPLETE.format(error=f"{type(exc).__name__}: {exc}")) from exc

    def _load(self, *, skip_postcodes: bool) -> None:
        areas = load_areas()
        self.stdout.write(f"Areas: {areas} in the database.")
        if not skip_postcodes:
            units, prefixes = load_postcodes()
            self.stdout.write(
                f"Postcodes: {units} unit postcodes and {prefixes} sectors/districts loaded"
                + (" (already up to date)." if not (units or prefixes) else ".")
            )
