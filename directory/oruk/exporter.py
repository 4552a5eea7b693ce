"""`export_oruk`: every service as its full ORUK 3.0 document, as one JSON array or as NDJSON.

Services are written in public-id order, so two exports of the same data are byte-identical and
an export -> import into an empty database -> export round trip can be compared directly.
Organisations appear nested in their services; our taxonomies are in each service's attributes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from django.utils import translation

from directory.models import Service
from directory.oruk import documents
from directory.oruk.selectors import service_feed_rows

CHUNK = 200


def export_documents() -> Iterator[dict]:
    """Every published service, fully nested (what `serializers.service_document` gives, built from
    plain rows). One query for the ids, then four per CHUNK services, whatever the total."""
    public_ids = list(Service.objects.published().order_by("public_id").values_list("public_id", flat=True))
    with translation.override("en"):
        for start in range(0, len(public_ids), CHUNK):
            chunk = public_ids[start : start + CHUNK]
            built = documents.service_documents(service_feed_rows(public_ids=chunk, full=True), full=True)
            yield from (built[public_id] for public_id in chunk if public_id in built)


def write_export(stream: TextIO, *, ndjson: bool = False) -> int:
    """Write the feed to `stream`; returns how many services were written."""
    count = 0
    if not ndjson:
        stream.write("[")
    for document in export_documents():
        line = json.dumps(document, ensure_ascii=False, sort_keys=False)
        if ndjson:
            stream.write(line + "\n")
        else:
            stream.write(("," if count else "") + "\n" + line)
        count += 1
    if not ndjson:
        stream.write("\n]\n")
    return count
