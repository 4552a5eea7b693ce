from __future__ import annotations

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from directory.context_processors import SAMPLE_CACHE_KEY
from directory.sample_directory import load_sample_directory, remove_sample_directory, sample_service_ids
from gaps.services import snapshots_delete_holding


class Command(BaseCommand):
    help = (
        "Load (or refresh) the FICTIONAL sample directory: about 80 services across Wales with "
        "deliberate gaps. Every page says 'Sample data' while it is loaded. --remove takes it out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--remove", action="store_true",
                            help="Delete the sample directory instead, and the gaps snapshots taken while it was loaded.")

    def handle(self, *args, **options):
        cache.delete(SAMPLE_CACHE_KEY)
        if options["remove"]:
            with transaction.atomic():
                ids = sample_service_ids()
                counts = remove_sample_directory()
                # Its figures counted the fictional services: none of them describes the real directory.
                counts["snapshots"] = snapshots_delete_holding(service_public_ids=ids)
            self.stdout.write(
                "Removed the sample directory: {organisations} organisations, {services} services (with their "
                "waits), {locations} locations, and {snapshots} gaps snapshot(s) taken with it.".format(**counts)
            )
            return
        try:
            counts = load_sample_directory()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            "Sample directory (fictional): {organisations} organisations, {services} services, "
            "{locations} locations, {waits} waiting-time reports.".format(**counts)
        )
