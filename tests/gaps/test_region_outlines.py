"""The regions' outlines on the gaps map: dissolved from their local authorities' shapes, served as one
cached file whose URL follows the boundaries and the membership, drawn in the regional views only."""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import shutil
from pathlib import Path

import pytest
import shapely
from django.conf import settings
from shapely.geometry import box, mapping, shape

from directory import boundaries
from directory.models import Area
from gaps import maps, selectors
from gaps.layers import AreaResult

DATA = Path(settings.BASE_DIR) / "data"
GWENT, CARDIFF_VALE, CTM = "gwent", "cardiff-vale", "cwm-taf-morgannwg"
NEWPORT, CARDIFF = "W06000022", "W06000015"


def _health_boards() -> dict[str, list[str]]:
    with open(DATA / "wales_local_health_boards.csv", encoding="utf-8") as f:
        return {row["lhb_code"]: row["la_codes"].split(";") for row in csv.DictReader(f)}


def _safeguarding_boards() -> dict[str, list[str]]:
    members: dict[str, list[str]] = {}
    with open(DATA / "wales_safeguarding_regions.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            members.setdefault(row["safeguarding_region_code"], []).append(row["lad_code"])
    return members


def _outlines(shapes: boundaries.AreaShapes) -> dict[str, shapely.Geometry]:
    return {f["properties"]["region_code"]: shape(f["geometry"]) for f in shapes.features}


def _raw_shapes() -> dict[str, shapely.Geometry]:
    collection = json.loads(boundaries.BOUNDARIES_PATH.read_text(encoding="utf-8"))
    return {f["properties"]["lad_code"]: shape(f["geometry"]) for f in collection["features"]}


def test_a_region_is_the_union_of_its_members_and_neighbours_share_one_edge():
    """Three squares: two make one region, one the other; the simplified edges are those of the union."""
    parts = {"a": mapping(box(0, 0, 1, 1)), "b": mapping(box(1, 0, 2, 1)), "c": mapping(box(0, 1, 2, 2))}

    outlines = {code: shape(g) for code, g in boundaries.dissolve(parts, {"R1": ["a", "b"], "R2": ["c"]}, 0.01).items()}

    assert outlines["R1"].normalize().equals(box(0, 0, 2, 1).normalize())
    assert len(outlines["R1"].geoms[0].exterior.coords) == 5  # a–b's edge and its corners are gone
    assert outlines["R1"].touches(outlines["R2"])
    assert outlines["R1"].intersection(outlines["R2"]).length == pytest.approx(2)


@pytest.mark.parametrize("members", [_health_boards(), _safeguarding_boards()], ids=["health", "safeguarding"])
def test_each_outline_covers_its_members_area_and_no_other(members):
    outlines = _outlines(boundaries.region_shapes(members))
    raw = _raw_shapes()
    la_points = maps.label_points(boundaries.la_shapes())

    assert set(outlines) == set(members)
    for code, las in members.items():
        union = shapely.union_all([raw[la] for la in las])
        assert outlines[code].is_valid
        # As simplified as the local authorities are (~100 m): within 1.5% of the members' area, none missed.
        assert outlines[code].symmetric_difference(union).area < 0.015 * union.area, code
        for la in las:
            lat, lon = la_points[la]
            holding = [region for region, outline in outlines.items() if outline.contains(shapely.Point(lon, lat))]
            assert holding == [code], la


@pytest.mark.parametrize("members", [_health_boards(), _safeguarding_boards()], ids=["health", "safeguarding"])
def test_neighbouring_regions_touch_with_neither_a_gap_nor_an_overlap(members):
    outlines = _outlines(boundaries.region_shapes(members))
    codes = sorted(outlines)

    for i, one in enumerate(codes):
        for other in codes[i + 1:]:
            assert outlines[one].intersection(outlines[other]).area < 1e-9, (one, other)
    # No gap between regions: the union's only holes are inlets of the coast whose simplified mouth the
    # ~10 m rounding closed (a few hectares in all), where slivers between regions would be far more.
    wales = shapely.union_all(list(outlines.values()))
    holes = sum(shapely.Polygon(ring).area for piece in shapely.get_parts(wales) for ring in piece.interiors)
    assert holes < 0.0001 * wales.area


def test_gwent_and_cardiff_and_the_vale_share_their_edge():
    outlines = _outlines(boundaries.region_shapes(_safeguarding_boards()))

    assert outlines[GWENT].touches(outlines[CARDIFF_VALE])
    assert outlines[GWENT].intersection(outlines[CARDIFF_VALE]).length > 0.1  # a line, not a point
    assert not outlines[GWENT].touches(outlines["north-wales"])


def test_the_url_follows_the_membership_not_its_order():
    members = _safeguarding_boards()
    before = boundaries.region_shapes(members).url()
    moved = {**members, GWENT: [la for la in members[GWENT] if la != NEWPORT], CARDIFF_VALE: [*members[CARDIFF_VALE],
                                                                                                 NEWPORT]}

    assert re.fullmatch(r"/maps/regions-[0-9a-f]{16}\.geojson", before)
    assert boundaries.region_shapes({code: list(reversed(las)) for code, las in reversed(members.items())}).url() == before
    assert boundaries.region_shapes(moved).url() != before


def test_the_url_follows_the_boundaries(tmp_path, monkeypatch):
    members = _health_boards()
    before = boundaries.region_shapes(members).url()
    copy = tmp_path / "wales_local_authorities.geojson"
    shutil.copy(boundaries.BOUNDARIES_PATH, copy)
    monkeypatch.setattr(boundaries, "BOUNDARIES_PATH", copy)
    collection = json.loads(copy.read_text(encoding="utf-8"))
    ring = collection["features"][0]["geometry"]["coordinates"][0][0]
    ring[1] = [ring[1][0] + 0.05, ring[1][1] + 0.05]  # one corner moved far enough to show
    copy.write_text(json.dumps(collection), encoding="utf-8")
    os.utime(copy, ns=(0, copy.stat().st_mtime_ns + 1_000_000_000))

    assert boundaries.region_shapes(members).url() != before


# The map.

def _result(code: str, normalised: float, kind: str = "local_authority", name: str = "") -> AreaResult:
    return AreaResult(code, name or f"Area {code}", f"Ardal {code}", kind, 10_000, 0.0001 if normalised else 0.0,
                      normalised, frozenset({1}) if normalised else frozenset())


def _regional_map(**options) -> str:
    shapes = boundaries.la_shapes()
    members = _health_boards()
    las = [_result(code, 1.0) for code in (f["properties"]["lad_code"] for f in shapes.features)]
    boards = {code: _result(code, 1.0, "health_board", f"Board {code}") for code in members}
    region_of = {la: boards[code] for code, codes in members.items() for la in codes}
    outlines = boundaries.region_shapes({**members, **_safeguarding_boards()})
    return maps.build_gaps_map(shapes.collection(), las, regions=region_of, label_points=maps.label_points(shapes),
                               region_outlines=outlines, **options), outlines


def test_a_regional_map_draws_its_regions_edges_from_their_file_and_names_them():
    html, outlines = _regional_map(shapes_url=boundaries.la_shapes().url())

    assert html.count(f'"{outlines.url()}", "region_code"') == 2  # the casing and the line over it
    assert maps.REGIONS_PANE in html and '"interactive": false' in html
    for code in _health_boards():
        assert f"Board {code}" in html  # its name
    assert "north-wales" not in html  # the other kind's regions are not drawn


def test_without_a_shapes_file_the_regions_edges_are_in_the_page():
    html, _outlines = _regional_map()
    assert "/maps/regions-" not in html and "MultiPolygon" in html and "RegionNames" not in html
    assert "Board W11000024" in html


def test_the_local_authority_map_draws_no_regions():
    shapes = boundaries.la_shapes()
    las = [_result(f["properties"]["lad_code"], 1.0) for f in shapes.features]
    outlines = boundaries.region_shapes(_health_boards())

    html = maps.build_gaps_map(shapes.collection(), las, label_points=maps.label_points(shapes),
                               shapes_url=shapes.url(), region_outlines=outlines)

    assert "/maps/regions-" not in html and maps.REGIONS_PANE not in html and "sm-region-label" not in html


# The page and the file.

@pytest.mark.django_db
def test_the_regional_views_link_the_outlines_file_and_the_local_authority_view_does_not(client, wales_areas):
    url = selectors.region_outlines().url()

    for view in ("health_board", "safeguarding_region"):
        body = client.get(f"/gaps/?view={view}").content.decode()
        assert url in body
    local = client.get("/gaps/").content.decode()
    assert "/maps/regions-" not in local


@pytest.mark.django_db
def test_the_outlines_file_holds_every_region_and_is_kept_for_a_year(client, wales_areas):
    response = client.get(selectors.region_outlines().url(), HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
    served = json.loads(gzip.decompress(response.content))
    kinds = (Area.Kind.HEALTH_BOARD, Area.Kind.SAFEGUARDING_REGION)
    assert {f["id"] for f in served["features"]} == set(
        Area.objects.filter(kind__in=kinds).values_list("code", flat=True))


@pytest.mark.django_db
def test_a_change_of_membership_gives_a_new_file_and_the_old_address_is_sent_on(
        client, wales_areas, django_capture_on_commit_callbacks):
    before = selectors.region_outlines().url()
    newport, gwent, cardiff_vale = wales_areas[NEWPORT], wales_areas[GWENT], wales_areas[CARDIFF_VALE]
    with django_capture_on_commit_callbacks(execute=True):  # the directory's version moves on as it commits
        newport.parents.remove(gwent)
        newport.parents.add(cardiff_vale)

    after = selectors.region_outlines().url()

    assert after != before
    assert client.get(after).status_code == 200
    old = client.get(before)
    assert old.status_code == 302 and old["Location"] == after


def test_the_map_names_each_region_by_its_place_leaving_out_the_kind_of_board():
    """The key, the table and the tooltips give the full name; the map, where the south-east's four
    regions share a few centimetres, the part a reader knows the board by."""
    names: dict[str, str] = {}
    with open(DATA / "wales_local_health_boards.csv", encoding="utf-8") as f:
        names |= {row["lhb_code"]: row["lhb_name"] for row in csv.DictReader(f)}
    with open(DATA / "wales_safeguarding_regions.csv", encoding="utf-8") as f:
        names |= {row["safeguarding_region_code"]: row["safeguarding_region_name"] for row in csv.DictReader(f)}
    with open(DATA / "wales_area_names_cy.csv", encoding="utf-8") as f:
        welsh = {row["code"]: row["name_cy"] for row in csv.DictReader(f) if row["code"] in names}

    assert len(names) == len(welsh) == 13
    assert sorted(maps.map_name(name) for name in names.values()) == [
        "Aneurin Bevan", "Betsi Cadwaladr", "Cardiff and Vale", "Cardiff and Vale of Glamorgan", "Cwm Taf Morgannwg",
        "Cwm Taf Morgannwg", "Gwent", "Hywel Dda", "Mid and West Wales", "North Wales", "Powys", "Swansea Bay",
        "West Glamorgan"]
    assert sorted(maps.map_name(name) for name in welsh.values()) == [
        "Aneurin Bevan", "Bae Abertawe", "Betsi Cadwaladr", "Caerdydd a Bro Morgannwg", "Caerdydd a'r Fro", "Canolbarth a Gorllewin Cymru",
        "Cwm Taf Morgannwg", "Cwm Taf Morgannwg", "Gogledd Cymru", "Gorllewin Morgannwg", "Gwent", "Hywel Dda",
        "Powys"]
    assert maps.map_name("Health Board") == "Health Board"  # never nothing


def test_a_regions_name_takes_one_line_or_two_as_even_as_its_words_allow_and_is_text():
    assert maps.name_shapes("Powys") == ["Powys"]
    assert maps.name_shapes("West Glamorgan") == ["West Glamorgan", "West<br>Glamorgan"]
    # Longer than 16 characters: two lines first.
    assert maps.name_shapes("Cwm Taf Morgannwg") == ["Cwm Taf<br>Morgannwg", "Cwm Taf Morgannwg"]
    assert maps.name_shapes("Cardiff and Vale of Glamorgan") == [
        "Cardiff and Vale<br>of Glamorgan", "Cardiff and Vale of Glamorgan"]
    assert maps.name_shapes("<b>{{ 7*7 }}") == ["&lt;b&gt;&#123;&#123; 7*7 &#125;&#125;", "&lt;b&gt;&#123;&#123;<br>7*7 &#125;&#125;"]


def test_each_regions_name_may_take_only_places_inside_it():
    html, outlines = _regional_map()
    regions = _outlines(outlines)
    found = re.search(r'\}\)\(map_\w+, \{"html": .*?\}, (\[.*?\])\);', html, re.S)  # MapLabels' names
    names = {name["shapes"][0]: name["points"] for name in json.loads(found.group(1))}

    assert set(names) == {f"Board {code}" for code in _health_boards()}
    for code, points in ((code, names[f"Board {code}"]) for code in _health_boards()):
        assert len(points) > 3 and len(set(map(tuple, points))) == len(points)
        assert all(regions[code].buffer(0.002).contains(shapely.Point(lon, lat)) for lat, lon in points), code
