"""The import keeps unmapped data it is not given again, and its report says what really changed."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError

from directory.models import Service
from directory.oruk import bulk_import
from tests.directory.oruk.test_import_export import export_text, run_import

KEPT = {"pc_metadata": {"source": "another publisher"}, "url": "https://example.org/service"}


@pytest.fixture(params=["in bulk", "record by record"])
def path_taken(request, monkeypatch):
    if request.param == "record by record":
        monkeypatch.setattr(bulk_import.FastPath, "offer", lambda self, *args: False)
    return request.param


@pytest.fixture
def kept(feed):
    """The Cardiff service as imported from another publisher, with data we cannot map."""
    Service.objects.filter(pk=feed.cardiff_therapy.pk).update(raw_extensions=KEPT)
    return Service.objects.get(pk=feed.cardiff_therapy.pk)


def test_reimporting_our_own_export_keeps_unmapped_data_and_changes_nothing(kept, tmp_path, path_taken):
    path = tmp_path / "feed.json"
    path.write_text(export_text())

    out, err = run_import(path)

    assert "0 created, 0 updated, 5 unchanged, 0 rejected (saved)" in out, err
    service = Service.objects.get(pk=kept.pk)
    assert service.raw_extensions == KEPT
    assert service.updated_at == kept.updated_at


def test_a_change_to_unmapped_data_alone_is_kept_and_said_but_leaves_last_modified(kept, api, tmp_path, path_taken):
    document = next(d for d in json.loads(export_text()) if d["id"] == str(kept.public_id))
    before = api(f"services/{kept.public_id}").json()
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([document | {"url": "https://example.org/moved"}]))

    out, err = run_import(path)

    assert "0 created, 1 updated, 0 unchanged" in out, err
    assert "only unmapped data changed (kept, not published)" in out
    service = Service.objects.get(pk=kept.pk)
    assert service.raw_extensions == KEPT | {"url": "https://example.org/moved"}
    assert service.updated_at == kept.updated_at
    assert api(f"services/{kept.public_id}").json() == before


def test_a_feed_listing_a_service_twice_reports_the_second(feed, tmp_path, path_taken):
    documents = json.loads(export_text())
    renamed = documents[0] | {"name": "Another name"}
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([documents[0], documents[1], renamed]))

    with pytest.raises(CommandError, match="1 of 3 records are invalid"):
        out, err = run_import(path)
    out, err = run_import(path, "--skip-invalid")

    assert "0 updated, 2 unchanged, 1 rejected (saved)" in out, err
    assert f"rejected service {documents[0]['id']}: the feed gave this id already, in record 1" in err
    assert not Service.objects.filter(name="Another name").exists()
