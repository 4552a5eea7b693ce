"""Build every published service's stored Open Referral documents and search card ahead of the
first request: after an import or a deploy, and for the cards (which say "reported 3 days ago")
once a day, e.g. `5 0 * * * ... manage.py build_renderings --kind card`. Pages build what is
missing anyway; this only moves the work off the first visitors. Idempotent: fresh ones are kept."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from directory import renderings


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser) -> None:
        parser.add_argument("--kind", action="append", choices=renderings.KINDS,
                            help="only this kind (repeatable; default: all)")
        parser.add_argument("--language", action="append", choices=[code for code, _ in settings.LANGUAGES],
                            help="only this language (repeatable; default: all)")

    def handle(self, *args, kind=None, language=None, **options) -> None:
        def progress(kind: str, language: str, done: int, total: int) -> None:
            if options["verbosity"] >= 1 and (done == total or options["verbosity"] >= 2):
                self.stdout.write(f"{kind} ({language}): {done} of {total} services")

        renderings.build_all(kinds=kind or renderings.KINDS, languages=language, progress=progress)
