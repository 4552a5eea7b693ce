"""Build every published service's stored Open Referral documents and search card ahead of the
first request: after an import or a deploy, and for the cards (which say "reported 3 days ago")
once a day, e.g. `5 0 * * * ... manage.py build_renderings --kind card`. Pages build what is
missing anyway; this only moves the work off the first visitors. Idempotent: fresh ones are kept."""

from __future__ import annotations

import logging

from django.conf import settings

from directory import renderings
from servicemap.scheduled_jobs import ScheduledCommand


class Command(ScheduledCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser) -> None:
        parser.add_argument("--kind", action="append", choices=renderings.KINDS,
                            help="only this kind (repeatable; default: all)")
        parser.add_argument("--language", action="append", choices=[code for code, _ in settings.LANGUAGES],
                            help="only this language (repeatable; default: all)")

    def run(self, log: logging.Logger, *, kind=None, language=None, **options) -> str:
        kinds = kind or renderings.KINDS
        languages = language or [code for code, _name in settings.LANGUAGES]
        services = 0

        # -v0 (deploy/crontab) leaves the start and end lines alone; -v2 logs every batch.
        def progress(kind: str, language: str, done: int, total: int) -> None:
            nonlocal services
            services = total
            if options["verbosity"] >= 1 and (done == total or options["verbosity"] >= 2):
                log.info("%s (%s): %d of %d services", kind, language, done, total)

        renderings.build_all(kinds=kinds, languages=languages, progress=progress)
        return (f"{services} published services, {', '.join(kinds)} in {', '.join(languages)}: "
                "stale or missing ones built.")
