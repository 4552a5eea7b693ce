from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from directory import version


class Command(BaseCommand):
    help = (
        "Load a `dumpdata` export (made as docs/deploy.md says) into a freshly migrated database. "
        "Change history is switched off while loading: the export already holds every historical "
        "record, and loading coverage areas would otherwise add a spurious one per service."
    )

    def add_arguments(self, parser):
        parser.add_argument("fixture", nargs="+", help="export file(s), e.g. servicemap-2025-03-01.json.gz")

    def handle(self, *args, **options):
        # simple_history records many-to-many changes even for raw (fixture) saves, unless disabled.
        # One new directory version at the end (not one per loaded row), so no cache outlives the restore.
        with override_settings(SIMPLE_HISTORY_ENABLED=False), version.paused():
            call_command("loaddata", *options["fixture"], verbosity=options["verbosity"])
