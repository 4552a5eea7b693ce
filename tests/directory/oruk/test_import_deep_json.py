"""JSON nested deeper than Python's parser can follow is a clear error, never a traceback."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError

from directory.oruk import sources
from tests.directory.oruk.test_import_export import counts, export_text, run_import

DEEP = "[" * 2000 + "]" * 2000


def _one_deep_field(documents: list[dict]) -> list[str]:
    """The documents as JSON texts, the second with one field nested 2,000 levels deep."""
    texts = [json.dumps(document) for document in documents]
    texts[1] = texts[1][:-1] + ', "x_deep": ' + DEEP + "}"
    return texts


@pytest.mark.parametrize(("build", "message"), [
    (lambda documents: DEEP, r"deep\.json, record 1, nests JSON arrays or objects too deeply"),
    (lambda documents: '{"contents": ' + DEEP + "}", r"deep\.json nests JSON arrays or objects too deeply"),
    (lambda documents: "[" + ", ".join(_one_deep_field(documents)) + "]", r"deep\.json, record 2, nests"),
    (lambda documents: "\n".join(_one_deep_field(documents)) + "\n", r"deep\.json(, line 2,)? nests"),
])
def test_deeply_nested_json_stops_the_import_with_a_message(feed, tmp_path, build, message):
    path = tmp_path / "deep.json"
    path.write_text(build(json.loads(export_text())))
    before = counts()

    with pytest.raises(CommandError, match=message):
        run_import(path)

    assert counts() == before


def test_a_deeply_nested_page_from_a_url_is_a_source_error():
    with pytest.raises(sources.SourceError, match="too deeply"):
        sources.decode_json(DEEP.encode(), "https://example.org/api/oruk/services?page=1")
