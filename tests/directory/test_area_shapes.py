"""The maps' shapes file: one cached copy of the local authorities' shapes, at a URL that follows them."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil

import pytest

from directory import boundaries
from tests.factories import UserFactory

YEAR = 365 * 24 * 3600


@pytest.fixture
def boundary_file(tmp_path, monkeypatch):
    """A copy of the boundary file that a test may change, as a reload of the reference data would."""
    copy = tmp_path / "wales_local_authorities.geojson"
    shutil.copy(boundaries.BOUNDARIES_PATH, copy)
    monkeypatch.setattr(boundaries, "BOUNDARIES_PATH", copy)
    return copy


def test_the_shapes_file_is_kept_by_browsers_for_a_year_and_compressed(client):
    response = client.get(boundaries.shapes_url(), HTTP_ACCEPT_ENCODING="gzip, br")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert cache == {"public", f"max-age={YEAR}", "immutable"}
    assert response["Content-Encoding"] == "gzip" and "Accept-Encoding" in response["Vary"]
    assert "Cookie" not in response.get("Vary", "")  # the same file for everyone, whoever asks
    shapes = json.loads(gzip.decompress(response.content))
    assert len(shapes["features"]) == 22
    assert {feature["id"] for feature in shapes["features"]} == {
        feature["properties"]["lad_code"] for feature in boundaries.wales_backdrop()}
    assert all(feature["properties"] == {} for feature in shapes["features"])  # shapes alone: names are in the page

    plain = client.get(boundaries.shapes_url())
    assert "Content-Encoding" not in plain and json.loads(plain.content) == shapes


@pytest.mark.django_db
def test_a_signed_in_user_is_given_the_same_cacheable_file(client):
    """Pages for a signed-in provider are never stored (servicemap/private_pages.py); the shapes file
    is public data, the same for everyone: their maps would fetch it afresh on every page."""
    client.force_login(UserFactory())

    response = client.get(boundaries.shapes_url())

    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"] and "no-store" not in response["Cache-Control"]


def test_the_url_changes_when_the_boundaries_change_and_an_old_one_is_sent_on(client, boundary_file):
    before = boundaries.shapes_url()
    collection = json.loads(boundary_file.read_text(encoding="utf-8"))
    collection["features"][0]["geometry"]["coordinates"][0][0][0] = [-4.6, 53.3]  # one corner moved
    boundary_file.write_text(json.dumps(collection), encoding="utf-8")
    os.utime(boundary_file, ns=(0, boundary_file.stat().st_mtime_ns + 1_000_000_000))

    after = boundaries.shapes_url()

    assert after != before
    assert client.get(after).status_code == 200
    old = client.get(before)
    assert old.status_code == 302 and old["Location"] == after
    assert "no-cache" in old["Cache-Control"] and "immutable" not in old["Cache-Control"]


def test_the_same_boundaries_keep_the_same_url(boundary_file):
    before = boundaries.shapes_url()
    boundary_file.write_bytes(boundary_file.read_bytes())  # rewritten, unchanged
    os.utime(boundary_file, ns=(0, boundary_file.stat().st_mtime_ns + 1_000_000_000))

    assert boundaries.shapes_url() == before


@pytest.mark.django_db  # the 404 page
@pytest.mark.parametrize("path", ["/maps/areas-XYZ.geojson", "/maps/areas-0123456789ABCDEF.geojson",
                                  "/maps/areas-.geojson", "/maps/areas-0123456789abcdef0.geojson"])
def test_a_malformed_address_is_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_the_gaps_page_carries_figures_and_colours_but_not_shapes(client):
    from directory.reference_data import load_areas

    load_areas()
    for path in ("/gaps/", "/cy/gaps/?view=health_board&basis=capacity"):
        page = client.get(path).content.decode()

        assert boundaries.shapes_url() in page
        assert '"geometry": null' in page and '"coordinates"' not in page
        assert len(re.findall(r'"sm_fill": "(#[0-9a-f]{6}|url\(#sm-no-provision\))"', page)) == 22
        # Was ~184 kB with the shapes in it; ~62 kB since the map names its 22 areas (their label
        # points and the placing script): the shapes alone would take it past 180 kB again.
        assert len(page) < 90_000
