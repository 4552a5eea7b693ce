"""The choropleth builder, on plain rows (no database)."""

from __future__ import annotations

import json
import re

from django.utils import translation
from shapely.geometry import Point, shape

from directory.boundaries import la_shapes, simplify_ring
from gaps import maps
from gaps.layers import AreaResult


def result(code: str, normalised: float, access: float = 0.0001) -> AreaResult:
    return AreaResult(code, f"Area {code}", f"Ardal {code}", "local_authority", 10_000,
                      access if normalised else 0.0, normalised, frozenset({1}) if normalised else frozenset())


def _labels(html: str) -> tuple[dict, list[dict]]:
    """What the map's one label routine (maps.MapLabels) is given: the "None" labels' text and points,
    and the regions' names with their places."""
    found = re.search(r'\}\)\(map_\w+, (\{"html": .*?\}), (\[.*?\])\);', html, re.S)
    assert found, "no MapLabels call in the map's script"
    return json.loads(found.group(1)), json.loads(found.group(2))


def test_bins_put_no_provision_apart_and_the_rest_by_normalised_access():
    assert maps.bin_for(result("a", 0)) is None
    assert maps.bin_for(result("a", 0.3)).color == "#e66101"
    assert maps.bin_for(result("a", 1.0)).label == maps.BINS[2].label
    assert maps.bin_for(result("a", 9.0)) is maps.BINS[-1]


def test_an_area_is_coloured_by_the_value_the_table_shows():
    """0.7996 reads "0.80" in the table (two places), so it is coloured as 0.80, not as under 0.8."""
    assert maps.bin_for(result("a", 0.7996)) is maps.BINS[2]
    assert maps.bin_for(result("a", 0.7949)) is maps.BINS[1]


def test_areas_with_no_wait_come_last_whichever_way_waits_are_sorted():
    from gaps.layers import sort_results

    rows = [result(code, 1.0) for code in "abcd"]
    rows[0].median_wait, rows[1].median_wait, rows[3].median_wait = 4.0, 12.0, 8.0  # c has none
    assert [r.code for r in sort_results(rows, "-wait")] == ["b", "d", "a", "c"]
    assert [r.code for r in sort_results(rows, "wait")] == ["a", "d", "b", "c"]
    rows[2].longest_wait = 3
    assert [r.code for r in sort_results(rows, "-longest")] == ["c", "a", "b", "d"]


def test_the_boundaries_are_simplified_but_keep_all_22_areas():
    data = la_shapes().collection()
    assert len(data["features"]) == 22
    points = sum(len(ring) for f in data["features"] for poly in f["geometry"]["coordinates"] for ring in poly)
    assert 2_000 < points < 15_000  # from about 34,000


def test_a_ring_is_simplified_to_its_shape():
    square_with_noise = [[0, 0], [0.5, 0.00001], [1, 0], [1, 1], [0, 1], [0, 0]]
    assert simplify_ring(square_with_noise, 0.001) == [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]


def test_the_map_uses_our_leaflet_no_tiles_hatches_and_labels_no_provision():
    data = la_shapes().collection()
    codes = [f["properties"]["lad_code"] for f in data["features"]]
    results = [result(code, 0 if i < 2 else 1.0) for i, code in enumerate(codes)]
    html = maps.build_gaps_map(data, results, label_points=maps.label_points(la_shapes()))
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "cdn" not in html and "tile.openstreetmap" not in html
    assert "user-scalable" not in html
    assert html.count(maps.NO_PROVISION_FILL) >= 1
    none, _names = _labels(html)
    assert len(none["points"]) == 2 and none["html"] == "None" and "sm-map-label" in html
    assert "Ardal" in html  # Welsh names in the tooltips


def test_tiles_are_added_only_when_configured():
    data = la_shapes().collection()
    codes = [f["properties"]["lad_code"] for f in data["features"]]
    results = [result(code, 1.0) for code in codes]
    assert "tiles.example" not in maps.build_gaps_map(data, results)
    html = maps.build_gaps_map(data, results, tiles_url="https://tiles.example/{z}/{x}/{y}.png", tiles_attribution="X")
    assert "tiles.example" in html


def test_a_regional_view_hatches_its_local_authorities_with_none_and_says_whose_figures_it_shows():
    data = la_shapes().collection()
    codes = [f["properties"]["lad_code"] for f in data["features"]]
    results = [result(code, 0 if i == 0 else 1.0) for i, code in enumerate(codes)]
    board = AreaResult("W11000028", "Aneurin Bevan University Health Board", "Bwrdd Iechyd Prifysgol Aneurin Bevan",
                       "health_board", 50_000, 0.0001, 0.9, frozenset({1, 2}))
    features = {f["properties"]["lad_code"]: f["properties"] for f in maps.gaps_features(data, results,
                                                                                        dict.fromkeys(codes, board))}
    none, some = features[codes[0]], features[codes[1]]
    assert none["sm_fill"] == maps.NO_PROVISION_FILL  # not the board's colour
    assert some["sm_fill"] == maps.bin_for(board).color
    assert none["sm_name"] == f"Area {codes[0]}"  # its own name, not the board's
    assert none["sm_here"] == "none: no provision" and some["sm_here"] == "1"
    assert none["sm_region"] == "Aneurin Bevan University Health Board"
    html = maps.build_gaps_map(data, results, regions=dict.fromkeys(codes, board))
    assert "Figures below are for its region" in html


def test_each_label_point_is_inside_its_own_area_and_no_other():
    data = la_shapes().collection()
    points = maps.label_points(la_shapes())
    assert len(points) == 22
    for feature in data["features"]:
        lat, lon = points[feature["properties"]["lad_code"]]
        holding = [f["properties"]["lad_code"] for f in data["features"]
                   if shape(f["geometry"]).contains(Point(lon, lat))]
        assert holding == [feature["properties"]["lad_code"]]


def test_the_none_labels_sit_on_the_label_points_of_the_areas_with_none():
    data = la_shapes().collection()
    codes = [f["properties"]["lad_code"] for f in data["features"]]
    points = maps.label_points(la_shapes())
    results = [result(code, 0 if code in {"W06000019", "W06000024"} else 1.0) for code in codes]
    html = maps.build_gaps_map(data, results, label_points=points)
    placed = [tuple(point) for point in _labels(html)[0]["points"]]
    assert sorted(placed) == sorted([points["W06000019"], points["W06000024"]])
    assert "[20, 8]" in html  # each label is centred on its point


def test_the_none_labels_take_their_places_the_larger_areas_first():
    # Where two would touch, the one placed first is shown: the larger area's, where it has more room.
    data = la_shapes().collection()
    codes = [f["properties"]["lad_code"] for f in data["features"]]
    points = maps.label_points(la_shapes())
    none = {"W06000019": "Blaenau Gwent", "W06000023": "Powys", "W06000015": "Cardiff", "W06000018": "Caerphilly"}
    results = [result(code, 0 if code in none else 1.0) for code in reversed(codes)]
    html = maps.build_gaps_map(data, results, label_points=points)
    sizes = {f["properties"]["lad_code"]: shape(f["geometry"]).area for f in data["features"]}
    largest_first = sorted(none, key=lambda code: -sizes[code])
    assert largest_first[0] == "W06000023"  # Powys
    assert [tuple(point) for point in _labels(html)[0]["points"]] == [points[code] for code in largest_first]


def test_area_names_on_the_gaps_map_are_text_never_markup_or_a_template():
    # The tooltip writes them as HTML, and branca renders the map's script again as a Jinja template.
    data = la_shapes().collection()
    codes = [f["properties"]["lad_code"] for f in data["features"]]
    results = [result(code, 1.0) for code in codes]
    results[0] = AreaResult(codes[0], "{{ 7*7 }} <b>bold</b>", "{% if 1 %}yes{% endif %}", "local_authority", 10_000,
                            0.0001, 1.0, frozenset({1}))
    built = maps.build_gaps_map(data, results)
    html = built.replace("\\u0026", "&").replace("\\u003c", "<").replace("\\u003e", ">")  # as tojson wrote them
    assert "&#123;&#123; 7*7 &#125;&#125; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "&#123;% if 1 %&#125;yes" in html
    assert "<b>bold" not in html and '"49 ' not in html


def _region(code: str, kind: str, normalised: float, name: str) -> AreaResult:
    return AreaResult(code, name, f"{name} (cy)", kind, 20_000, 0.0001 if normalised else 0.0, normalised,
                      frozenset({1}) if normalised else frozenset())


def _entries(key: maps.MapKey) -> dict[str, tuple[str, str]]:
    """Each class of the key (its colour, or "none" for the hatch) → (how many, which)."""
    return {e.bin.color if e.bin else "none": (e.count, e.names) for e in key.entries}


def test_the_key_of_the_local_authorities_counts_them_in_each_class():
    las = [result("a", 0), result("b", 0.3), result("c", 1.0), result("d", 1.1)]

    key = maps.map_key("local_authority", las, las)

    assert key.heading == "Key: each local authority's access against the Wales level"
    assert key.caption.startswith("Access against the Wales level, by local authority.")
    assert _entries(key) == {
        "none": ("1 local authority", ""), "#e66101": ("1 local authority", ""), "#fdb863": ("none on this map", ""),
        "#f7f7f7": ("2 local authorities", ""), "#b2abd2": ("none on this map", ""),
        "#5e3c99": ("none on this map", ""),
    }
    assert [a.code for a in key.entries[3].areas] == ["c", "d"]


def test_a_regional_key_names_the_regions_in_each_class_and_counts_the_local_authorities_hatched():
    """The key listed the local authority view's classes whatever the map showed: in a health
    board view each colour is a board's figure, and a hatched local authority has none of its own
    though its board is coloured."""
    las = [result("a", 0), result("b", 0.3), result("c", 1.0), result("d", 2.5)]
    boards = [_region("H1", "health_board", 0.4, "Hywel"), _region("H2", "health_board", 1.0, "Betsi"),
              _region("H3", "health_board", 1.1, "Aneurin"), _region("H4", "health_board", 0, "Empty")]

    key = maps.map_key("health_board", boards, las)

    assert key.heading == "Key: each health board's access against the Wales level"
    assert "coloured by its health board's figure" in key.caption
    assert "whatever its health board's figure" in key.entries[0].label
    assert _entries(key) == {
        "none": ("1 local authority", ""), "#e66101": ("1 health board", "Hywel"),
        "#fdb863": ("none on this map", ""), "#f7f7f7": ("2 health boards", "Aneurin, Betsi"),
        "#b2abd2": ("none on this map", ""), "#5e3c99": ("none on this map", ""),
    }
    boards_key = maps.map_key("safeguarding_region", [_region("S1", "safeguarding_region", 1.0, "North")], las)
    assert boards_key.heading == "Key: each regional safeguarding board's access against the Wales level"
    assert _entries(boards_key)["#f7f7f7"] == ("1 regional safeguarding board", "North")


def test_a_welsh_page_tooltip_names_the_area_in_welsh_first_and_gives_the_english_name_second():
    # A Welsh page's table, key and regions name areas in Welsh; its tooltip led with the English
    # name under "Awdurdod lleol" and gave the Welsh one as "Enw Cymraeg".
    from django.utils import translation

    data = la_shapes().collection()
    codes = [f["properties"]["lad_code"] for f in data["features"]]
    results = [result(code, 1.0) for code in codes]
    with translation.override("cy"):
        props = maps.gaps_features(data, results)[0]["properties"]
        fields, aliases = maps._tooltip_fields(False, "unit")
    code = props["lad_code"]
    shown = dict(zip(aliases, (props[f] for f in fields[:2]), strict=False))
    assert shown == {"Ardal": f"Ardal {code}", "Enw Saesneg": f"Area {code}"}
    with translation.override("en"):
        props = maps.gaps_features(data, results)[0]["properties"]
        fields, aliases = maps._tooltip_fields(False, "unit")
    shown = dict(zip(aliases, (props[f] for f in fields[:2]), strict=False))
    assert shown == {"Area": f"Area {code}", "Welsh name": f"Ardal {code}"}


def test_an_area_with_no_provision_has_no_figures_in_its_tooltip_as_in_the_table():
    # The tooltip said "Against Wales: 0" where the table beneath the map says "No provision".
    from django.utils import translation

    data = la_shapes().collection()
    codes = [f["properties"]["lad_code"] for f in data["features"]]
    results = [result(code, 0 if i == 0 else 1.0) for i, code in enumerate(codes)]
    for language, none in (("en", "No provision"), ("cy", "Dim darpariaeth")):
        with translation.override(language):
            features = maps.gaps_features(data, results)
        empty, some = features[0]["properties"], features[1]["properties"]
        assert (empty["sm_access"], empty["sm_normalised"]) == (none, none)
        assert (some["sm_access"], some["sm_normalised"]) == ("1.00", "1.00")


def test_the_keys_no_provision_entry_says_a_none_label_is_shown_only_where_the_map_has_room():
    # At the opening zoom a "None" that would touch another is hidden (the hatching is always drawn):
    # the key said every such area was labelled.
    for view in ("local_authority", "health_board", "safeguarding_region"):
        assert "“None” where the map has room: zoom in for more" in maps.map_key(view, [], []).entries[0].label
        with translation.override("cy"):
            assert "“Dim” lle mae digon o le ar y map: chwyddwch i mewn" in maps.map_key(view, [], []).entries[0].label


def test_the_local_authority_map_names_each_area_in_the_pages_language_where_the_none_labels_leave_room():
    """A printed or pictured map has no tooltips: it named no area, so a reader could not tell which shape
    was which. Each local authority's name is now a label (seen, not read out: the table is the accessible
    form), placed by the one label routine, which never lets it cover a "None"."""
    shapes = la_shapes()
    data = shapes.collection()
    codes = [f["properties"]["lad_code"] for f in data["features"]]
    results = [result(code, 0 if i < 2 else 1.0) for i, code in enumerate(codes)]
    points = maps.label_points(shapes)
    for language, prefix in (("en", "Area"), ("cy", "Ardal")):
        with translation.override(language):
            html = maps.build_gaps_map(data, results, label_points=points, more_points=maps.inner_points(shapes))
        none, names = _labels(html)
        assert len(none["points"]) == 2
        assert len(names) == 22 and {n["cls"] for n in names} == {"sm-area-label"} and all(n["yields"] for n in names)
        assert sorted(n["shapes"][0] for n in names) == sorted(f"{prefix} {code}" for code in codes)
        # Each name first tries its area's label point, then more places inside it.
        by_name = {n["shapes"][0]: n for n in names}
        for code in codes:
            first = by_name[f"{prefix} {code}"]["points"]
            assert first[0] == [round(points[code][0], 4), round(points[code][1], 4)] and len(first) > 1
    assert 'aria-hidden="true"' in html  # each label's text (the routine's markup)


def test_a_regional_view_names_its_regions_not_its_local_authorities():
    shapes = la_shapes()
    data = shapes.collection()
    codes = [f["properties"]["lad_code"] for f in data["features"]]
    results = [result(code, 1.0) for code in codes]
    region = AreaResult("R1", "Region One", "Rhanbarth Un", "health_board", 10_000, 0.0001, 1.0, frozenset({1}))
    html = maps.build_gaps_map(data, results, regions={code: region for code in codes},
                               label_points=maps.label_points(shapes), more_points=maps.inner_points(shapes))
    assert "sm-area-label" not in html


def test_a_map_of_more_areas_than_wales_names_none_of_them():
    """England's ~300 local authorities would open with nearly every name hidden by its neighbours'; the
    table names them. (Their shapes here: Wales's, under more codes than the map names.)"""
    shapes = la_shapes()
    data = shapes.collection()
    features = [{**f, "properties": {"lad_code": f"{f['properties']['lad_code']}-{copy}"}}
                for copy in range(2) for f in data["features"]]
    results = [result(f["properties"]["lad_code"], 1.0) for f in features]
    points = {f"{code}-{copy}": point for code, point in maps.label_points(shapes).items() for copy in range(2)}
    html = maps.build_gaps_map({"type": "FeatureCollection", "features": features}, results, label_points=points)
    assert len(results) > maps.MAX_NAMED_AREAS and "sm-area-label" not in html
