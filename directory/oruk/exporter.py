"""`export_oruk`: every service as its full ORUK 3.0 document, as one JSON array or as NDJSON.

Services are written in public-id order, so two exports of the same data are byte-identical and
an export -> import into an empty database -> export round trip can be compared directly.
Organisations appear nested in their services; our taxonomies are in each service's attributes.

Each document is the one the API serves (`/api/oruk/services/{id}`, in English), as stored
(directory/renderings.py): the national feed of 20,000 services is read in about a second, where
building every document again took 10–15 s. Any not stored yet (or stale) are built and stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from django.utils import translation

from directory import renderings, version
from directory.models import Service

CHUNK = 200  # documents read (or built) per query


def export_texts() -> Iterator[str]:
    """Every published service's full document as JSON text, in public-id order. One query for
    the ids, then one per CHUNK services (a few more for any that must be built)."""
    public_ids = list(Service.objects.published().order_by("public_id").values_list("public_id", flat=True))
    _token, generation = version.read()  # as the database holds it now, not a process's copy
    with translation.override("en"):
        for start in range(0, len(public_ids), CHUNK):
            chunk = public_ids[start : start + CHUNK]
            found = renderings.oruk_json(chunk, full=True, generation=generation)
            yield from (found[public_id] for public_id in chunk if public_id in found)


def export_documents() -> Iterator[dict]:
    """`export_texts`, parsed."""
    return (json.loads(text) for text in export_texts())


def write_export(stream: TextIO, *, ndjson: bool = False) -> int:
    """Write the feed to `stream`; returns how many services were written."""
    count = 0
    if not ndjson:
        stream.write("[")
    for text in export_texts():
        if ndjson:
            stream.write(text + "\n")
        else:
            stream.write(("," if count else "") + "\n" + text)
        count += 1
    if not ndjson:
        stream.write("\n]\n")
    return count
