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

from directory.oruk.selectors import service_feed_queryset
from directory.oruk.serializers import service_document

CHUNK = 200


def export_documents() -> Iterator[dict]:
    """Every service, fully nested. A few queries per CHUNK services, whatever the total."""
    queryset = service_feed_queryset(full=True).order_by("public_id")
    with translation.override("en"):
        for service in queryset.iterator(chunk_size=CHUNK):
            yield service_document(service, full=True)


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
