from __future__ import annotations

from django.core.management.base import BaseCommand

from directory.reference_data import load_areas, load_postcodes


class Command(BaseCommand):
    help = (
        "Load Welsh areas (nation, 22 local authorities, 7 health boards, 6 safeguarding boards, "
        "children 0–17) and postcode look-ups from data/. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--skip-postcodes", action="store_true", help="Load areas only (faster, for tests).")

    def handle(self, *args, **options):
        areas = load_areas()
        self.stdout.write(f"Areas: {areas} in the database.")
        if not options["skip_postcodes"]:
            units, prefixes = load_postcodes()
            self.stdout.write(
                f"Postcodes: {units} unit postcodes and {prefixes} sectors/districts loaded"
                + (" (already up to date)." if not (units or prefixes) else ".")
            )
