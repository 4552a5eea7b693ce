from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError
from django.test.utils import override_settings

from directory import version

NOT_AN_EXPORT = (
    "{problem} ({cause}): it is not a dumpdata export made as docs/deploy.md section 4 says "
    "(an export_oruk file is a feed for import_oruk). Nothing was restored."
)
NOT_EMPTY = (
    "The database already holds {services} services, {organisations} organisations and {accounts} accounts: "
    "an export is loaded into a freshly migrated database (docs/deploy.md section 4; reference data loaded "
    "there is fine), or its rows replace those with the same ids and two directories are mixed. "
    "Nothing was restored."
)
NOT_LOADED = "{problem}. Nothing was restored: load an export into a freshly migrated, empty database."


class Command(BaseCommand):
    help = (
        "Load a `dumpdata` export (made as docs/deploy.md says) into a freshly migrated database. "
        "Change history is switched off while loading: the export already holds every historical "
        "record, and loading coverage areas would otherwise add a spurious one per service. "
        "All or nothing: a file that fails to load leaves the database as it was."
    )

    def add_arguments(self, parser):
        parser.add_argument("fixture", nargs="+", help="export file(s), e.g. servicemap-2025-03-01.json.gz")

    def handle(self, *args, **options):
        held = _held()
        if any(held.values()):
            raise CommandError(NOT_EMPTY.format(**held))
        # simple_history records many-to-many changes even for raw (fixture) saves, unless disabled.
        # One new directory version at the end (not one per loaded row), so no cache outlives the restore.
        # loaddata runs in one transaction: whatever fails, nothing it loaded stays.
        try:
            with override_settings(SIMPLE_HISTORY_ENABLED=False), version.paused():
                call_command("loaddata", *options["fixture"], verbosity=options["verbosity"])
        except DeserializationError as exc:
            cause = exc.__cause__
            detail = f"{type(cause).__name__}: {cause}" if cause else "unreadable"
            raise CommandError(NOT_AN_EXPORT.format(problem=str(exc).rstrip(": "), cause=detail)) from exc
        except DatabaseError as exc:
            raise CommandError(NOT_LOADED.format(problem=exc)) from exc


def _held() -> dict[str, int]:
    from django.contrib.auth import get_user_model

    from directory.models import Organisation, Service

    return {"services": Service.objects.count(), "organisations": Organisation.objects.count(),
            "accounts": get_user_model().objects.count()}
