from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.oruk.exporter import write_export


class Command(BaseCommand):
    help = (
        "Write every published service as its full Open Referral UK 3.0 document to FILE: a JSON array, or NDJSON "
        "(one service per line) with --ndjson or a .ndjson file name. FILE '-' writes to standard output."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write; '-' for standard output.")
        parser.add_argument("--ndjson", action="store_true", help="One JSON document per line.")

    def handle(self, *args, file: str, ndjson: bool, **options):
        ndjson = ndjson or file.endswith(".ndjson")
        if file == "-":
            write_export(sys.stdout, ndjson=ndjson)  # not self.stdout: it would add line endings
            return
        path = Path(file)
        try:
            with path.open("w", encoding="utf-8") as stream:
                count = write_export(stream, ndjson=ndjson)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from exc
        self.stdout.write(f"Wrote {count} services to {path} ({'NDJSON' if ndjson else 'JSON'}).")
