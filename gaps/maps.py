"""The gaps choropleth: a folium map of the 22 local authorities, embedded in our own page.

`build_gaps_map(...)` returns HTML (Leaflet from our static files, no tiles by default) and is
unit-tested on plain rows. The legend is plain HTML beside the map (see the template), so it
is read by screen readers and needs no d3.

In a regional view each local authority takes its region's colour, so two neighbouring regions
in one class read as one: each region's edge is drawn over the local authorities' (a thick line on
a white casing, seen on every fill) with its name at a point inside it, from the regions' outlines
(directory/boundaries.region_shapes).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import folium
from branca.element import MacroElement
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from jinja2 import Template
from shapely import affinity
from shapely.geometry import Point, shape
from shapely.ops import polylabel

from directory import map_motion, map_shapes
from directory.bilingual import area_display_name
from directory.boundaries import AreaShapes
from directory.map_icons import NoDefaultIcon
from directory.map_scale import ControlNames, ScaleBar
from directory.map_text import text
from gaps import notes
from gaps.layers import BASIS_SERVICES, NEED_CHILDREN, AreaResult

NO_PROVISION_FILL = "url(#sm-no-provision)"  # an SVG hatch pattern defined in the page


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    color: str
    label: str


# Access against the Wales level (`normalised`, 1.0 = the Wales level). A diverging orange–purple
# scheme (ColorBrewer PuOr, safe for colour-blind readers); "no provision" is hatched and labelled,
# not just coloured.
BINS = (
    Bin(0.0, 0.5, "#e66101", gettext_lazy("less than half the Wales level")),
    Bin(0.5, 0.8, "#fdb863", gettext_lazy("half to 0.8 of the Wales level")),
    Bin(0.8, 1.25, "#f7f7f7", gettext_lazy("near the Wales level (0.8 to 1.25)")),
    Bin(1.25, 2.0, "#b2abd2", gettext_lazy("1.25 to twice the Wales level")),
    Bin(2.0, float("inf"), "#5e3c99", gettext_lazy("more than twice the Wales level")),
)


def bin_for(result: AreaResult) -> Bin | None:
    """The legend class of an area; None means no provision."""
    if result.no_provision:
        return None
    # The value as the table shows it (two places): 0.7996 reads "0.80", and is coloured as 0.80.
    shown = round(result.normalised, 2)
    return next(b for b in BINS if shown < b.high)


# What the key and the map's caption say for each view: the areas the colours are the figures of.
# (Keys are the views' codes, gaps.forms.VIEWS: Area.Kind's values.)
KEY_HEADINGS = {
    "local_authority": gettext_lazy("Key: each local authority's access against the Wales level"),
    "health_board": gettext_lazy("Key: each health board's access against the Wales level"),
    "safeguarding_region": gettext_lazy("Key: each regional safeguarding board's access against the Wales level"),
}
KEY_NO_PROVISION = {
    "local_authority": gettext_lazy("no service covers the area (hatched, and labelled “None” where the map has "
                                    "room: zoom in for more)"),
    "health_board": gettext_lazy(
        "no service covers the local authority, whatever its health board's figure (hatched, and labelled “None” "
        "where the map has room: zoom in for more)"),
    "safeguarding_region": gettext_lazy(
        "no service covers the local authority, whatever its safeguarding board's figure (hatched, and labelled "
        "“None” where the map has room: zoom in for more)"),
}
# The same on paper, without "zoom in for more": a printed map does not zoom.
KEY_NO_PROVISION_PRINTED = {
    "local_authority": gettext_lazy("no service covers the area (hatched, and labelled “None” where the map has "
                                    "room)"),
    "health_board": gettext_lazy(
        "no service covers the local authority, whatever its health board's figure (hatched, and labelled “None” "
        "where the map has room)"),
    "safeguarding_region": gettext_lazy(
        "no service covers the local authority, whatever its safeguarding board's figure (hatched, and labelled "
        "“None” where the map has room)"),
}
MAP_CAPTIONS = {
    "local_authority": gettext_lazy("Access against the Wales level, by local authority. The table below the map has "
                                    "the same figures."),
    "health_board": gettext_lazy("Access against the Wales level, by health board: each local authority is coloured "
                                 "by its health board's figure, the mean of its local authorities' access weighted by "
                                 "need. The table below the map has the same figures."),
    "safeguarding_region": gettext_lazy("Access against the Wales level, by regional safeguarding board: each local "
                                        "authority is coloured by its safeguarding board's figure, the mean of its "
                                        "local authorities' access weighted by need. The table below the map has the "
                                        "same figures."),
}


def areas_count(kind: str, n: int) -> str:
    """"3 local authorities", "1 health board" … in the page's language; "none on this map" for 0."""
    if n == 0:
        return _("none on this map")
    if kind == "health_board":
        return ngettext("%(n)s health board", "%(n)s health boards", n) % {"n": n}
    if kind == "safeguarding_region":
        return ngettext("%(n)s regional safeguarding board", "%(n)s regional safeguarding boards", n) % {"n": n}
    return ngettext("%(n)s local authority", "%(n)s local authorities", n) % {"n": n}


# The key's line for the regions' edges, in a regional view.
KEY_EDGES = {
    "health_board": gettext_lazy("Thick line: the edge of a health board, whose name is on the map"),
    "safeguarding_region": gettext_lazy("Thick line: the edge of a regional safeguarding board, whose name is on "
                                        "the map"),
}
EDGE_COLOUR, EDGE_WEIGHT = "#0b0c0c", 3  # over the local authorities' 1 px lines
CASING_COLOUR, CASING_WEIGHT = "#ffffff", 6  # under it: the edge stands out on the darkest fill too
REGIONS_PANE = "sm-regions"  # above the areas (overlayPane, 400), below the labels (markerPane, 600)


@dataclass(frozen=True)
class KeyEntry:
    bin: Bin | None  # None: no provision (hatched)
    label: str
    areas: list[AreaResult]  # what the map shows in it, by name
    count: str  # how many, in the view's areas ("2 health boards")
    names: str  # the regions', in a regional view (the table names the local authorities)
    printed_label: str = ""  # on paper instead of `label`, if it says what only a screen does


@dataclass(frozen=True)
class MapKey:
    heading: str
    caption: str
    entries: list[KeyEntry]
    edges: str = ""  # in a regional view: what its thick lines are


def _by_name(rows: Sequence[AreaResult]) -> list[AreaResult]:
    return sorted(rows, key=lambda r: area_display_name(r.name, r.name_cy).casefold())


def map_key(view: str, rows: Sequence[AreaResult], local_authorities: Sequence[AreaResult]) -> MapKey:
    """The key for what the map shows in a view: its areas' colours (`rows`: the local authorities, or
    the view's regions, whose figure colours each of their local authorities) and the local
    authorities hatched for no provision of their own (whatever their region's figure, as
    `gaps_features` draws them). Each class says which of the view's areas are in it. Pure."""
    hatched = _by_name([la for la in local_authorities if la.no_provision])
    regional = view != "local_authority"
    known = view if view in KEY_HEADINGS else "local_authority"
    entries = [KeyEntry(None, str(KEY_NO_PROVISION[known]), hatched, areas_count("local_authority", len(hatched)), "",
                        printed_label=str(KEY_NO_PROVISION_PRINTED[known]))]
    for b in BINS:
        inside = _by_name([row for row in rows if bin_for(row) is b])
        names = ", ".join(area_display_name(r.name, r.name_cy) for r in inside) if regional else ""
        entries.append(KeyEntry(b, str(b.label), inside, areas_count(view, len(inside)), names))
    return MapKey(str(KEY_HEADINGS[known]), str(MAP_CAPTIONS[known]), entries, str(KEY_EDGES.get(known, "")))


def _fmt(value: float | None, places: int = 1) -> str:
    return "–" if value is None else f"{value:.{places}f}"


def _properties(result: AreaResult, region: AreaResult | None) -> dict[str, str]:
    """The tooltip's values. In a regional view the figures are the region's, and the tooltip says
    so: it names the region and gives the local authority's own count of covering services, so a
    local authority with none is never shown as having its region's provision."""
    shown = region or result
    closed = (
        _("all %(n)s closed") % {"n": shown.closed_lists} if shown.all_lists_closed else str(shown.closed_lists)
    )
    # The tooltip writes these as HTML, and branca renders the map's script again as a Jinja template:
    # names escaped as the search map escapes a provider's (directory/maps.py: text).
    # The name in the page's language first, as the table and the key give it; the other one second.
    name = area_display_name(result.name, result.name_cy)
    props = {
        "sm_name": text(name),
        "sm_name_other": text(result.name if name != result.name else result.name_cy),
        # "No provision" for both figures, as the table beneath the map gives them (not "0", nor "0.00",
        # which reads as a figure rounded down).
        "sm_access": _("No provision") if shown.no_provision else _fmt(shown.per_10k, 2),
        "sm_normalised": _("No provision") if shown.no_provision else _fmt(shown.normalised, 2),
        "sm_services": str(shown.n_services),
        "sm_wait": _fmt(shown.median_wait) + (" " + _("weeks") if shown.median_wait is not None else ""),
        "sm_closed": closed,
    }
    if region:
        props["sm_here"] = (
            _("none: no provision") if result.no_provision else str(result.n_services)
        )
        props["sm_region"] = text(area_display_name(region.name, region.name_cy))
    return props


def gaps_features(
    boundaries: Mapping, results: Sequence[AreaResult], regions: Mapping[str, AreaResult] | None = None
) -> list[dict]:
    """One GeoJSON feature per local authority with its tooltip values and fill. In a regional view
    an area takes its region's colour, except a local authority with no provision of its own: it is
    hatched, as in the local authority view (no provision is never hidden)."""
    by_code = {r.code: r for r in results}
    regions = regions or {}
    features = []
    for feature in boundaries["features"]:
        code = feature["properties"]["lad_code"]
        if code not in by_code:
            continue
        own = by_code[code]
        props = {"lad_code": code, **_properties(own, regions.get(code))}
        found = None if own.no_provision else bin_for(regions.get(code) or own)
        props["sm_fill"] = found.color if found else NO_PROVISION_FILL
        features.append({"type": "Feature", "properties": props, "geometry": feature["geometry"]})
    return features


def _tooltip_fields(regional: bool, unit: str) -> tuple[list[str], list[str]]:
    fields = ["sm_name", "sm_name_other"]
    welsh_page = (get_language() or "").startswith("cy")
    aliases = [_("Local authority") if regional else _("Area"), _("English name") if welsh_page else _("Welsh name")]
    if regional:
        fields += ["sm_here", "sm_region"]
        aliases += [_("Services covering this local authority"), _("Figures below are for its region")]
    fields += ["sm_access", "sm_normalised", "sm_services", "sm_wait", "sm_closed"]
    aliases += [_("Access (%(unit)s)") % {"unit": unit}, _("Against Wales (1 = Wales)"), _("Covering services"),
                _("Median wait"), _("Closed lists")]
    return fields, aliases


def build_gaps_map(
    boundaries: Mapping,
    results: Sequence[AreaResult],
    *,
    regions: Mapping[str, AreaResult] | None = None,
    tiles_url: str = "",
    tiles_attribution: str = "",
    label_no_provision: bool = True,
    label_points: Mapping[str, tuple[float, float]] | None = None,
    more_points: Mapping[str, Sequence[tuple[float, float]]] | None = None,
    unit: str = "",
    shapes_url: str = "",
    region_outlines: AreaShapes | None = None,
) -> str:
    """A choropleth of access against the Wales level (HTML to embed). `regions` maps LA code → its region's result,
    to colour each local authority by its region's figure in the regional views; with
    `region_outlines` (directory/boundaries.region_shapes) those regions' edges and names are drawn
    over them. `unit` names what access counts (notes.access_unit: it follows the basis and need
    chosen). With `shapes_url` the page carries each area's figures and colour and its script
    fetches the shapes (the local authorities' from there, the regions' from their own file:
    directory/boundaries.py, cached by the browser); without it, the shapes are in the page."""
    unit = unit or notes.access_unit(BASIS_SERVICES, NEED_CHILDREN)
    by_code = {r.code: r for r in results}
    regions = regions or {}
    features = gaps_features(boundaries, results, regions)
    fields, aliases = _tooltip_fields(bool(regions), unit)

    m = folium.Map(
        location=[52.35, -3.75], zoom_start=7, tiles=None, min_zoom=6, max_zoom=11,
        zoom_snap=0.25, zoom_delta=0.5,  # fractional zoom, so Wales fills the frame
    )
    NoDefaultIcon().add_to(m)  # before the "None" labels' markers
    ScaleBar().add_to(m)  # folium's control_scale, in the page's language
    ControlNames().add_to(m)
    m.default_js = [("leaflet", static("vendor/leaflet/leaflet.js")), map_motion.script_link()]
    if shapes_url:
        m.default_js.append(map_shapes.script_link())
    m.default_css = [("leaflet_css", static("vendor/leaflet/leaflet.css"))]
    if tiles_url:
        folium.TileLayer(tiles=tiles_url, attr=tiles_attribution or " ", name="base").add_to(m)

    options = dict(
        name="gaps",
        style_function=lambda f: {
            "fillColor": f["properties"]["sm_fill"], "fillOpacity": 1, "color": "#0b0c0c", "weight": 1,
        },
        highlight_function=lambda f: {"weight": 3},
        # No features before the areas are loaded: folium refuses a tooltip over fields no feature has.
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True) if features else None,
    )
    if shapes_url:
        map_shapes.areas_layer(features, shapes_url, **options).add_to(m)
    else:
        folium.GeoJson({"type": "FeatureCollection", "features": features}, **options).add_to(m)
    la_points = _largest_first(boundaries, label_points or {})
    nones = [point for code, point in la_points.items() if code in by_code and by_code[code].no_provision]
    names = []
    if regions and region_outlines is not None:
        names = _draw_regions(m, regions, region_outlines, la_points, from_file=bool(shapes_url))
    elif not regions and len(by_code) <= MAX_NAMED_AREAS:
        # The local authority view names its areas, so a printed or pictured map can be read without the
        # tooltips. A regional view names its regions instead: both would crowd out each other.
        names = _area_names(results, boundaries, la_points, more_points or {})
    if (label_no_provision and nones) or names:
        MapLabels(nones if label_no_provision else [], names).add_to(m)
    drawn = bool(regions and names)  # the regions' pane exists only where their edges are drawn
    ShapesHidden(["overlayPane", REGIONS_PANE] if drawn else ["overlayPane"]).add_to(m)  # after the regions' pane
    # Fitted at once: an animated fit would start on the next frame, after the page may have loaded,
    # and the labels be placed for the view it was about to leave until it ended (map_motion).
    map_motion.fit_at_once(m, [[51.35, -5.35], [53.45, -2.65]])
    return render_embed(m)


class ShapesHidden(MacroElement):
    """The areas' and the regions' edges' panes out of the accessibility tree: the SVG in each was an
    image with no name, the first thing a screen reader met in the map (said as "image", or
    "unlabelled graphic"). The figures are in the table beneath, reached by the link before the map,
    and the map's region is named (the search and service maps do the same: directory/maps.py)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this.panes|tojson }}.forEach(function (name) {
            {{ this._parent.get_name() }}.getPane(name).setAttribute("aria-hidden", "true");
        });
        {% endmacro %}
    """)

    def __init__(self, panes: list[str]) -> None:
        super().__init__()
        self._name = "ShapesHidden"
        self.panes = panes


class MapLabels(MacroElement):
    """Every label on the map, placed by one routine: a "None" on each area with no provision (`nones`:
    each one's point, the largest area first), and each region's name (`names`: the shapes it may take,
    one line or two, as HTML, and its points: one well inside the region, one inside each of its local
    authorities, the largest first, then more well inside it; the smaller regions first).

    A "None" that would touch one already placed (the larger areas') is hidden at this zoom and shown
    again once zoomed in far enough: the crowded south-east has nine local authorities in a few
    centimetres at the opening zoom. The hatching still marks every such area at any zoom, and the
    warning above the map names them. A name takes the first of its places (each point, in each shape)
    that touches no name and no "None" shown; failing that, the first that touches no name and the fewest
    "None"s, which give way to it: a region unnamed is a region the reader cannot read, where the hatch
    still marks an area with none. A name left out at every place is placed first in a second try, and
    so on while that leaves out fewer; one still left out is hidden at this zoom. Each local authority's
    tooltip names its region, in full (the map leaves out the kind of board: `map_name`).

    Placed once the map has settled: when it is ready, when the page has loaded (its styles), and after
    each zoom, move or resize, never mid-zoom (the markers are scaled in flight; zoomend follows).
    There is no timer. `smPlaceLabels()` on the map's element places them now, and `smLabelsAt` is the
    view they were last placed for, so a test can tell the placing has caught up with the map.

    Seen, not heard or tabbed to: Leaflet makes every marker a focusable "button" unless `keyboard` is
    off, "None" alone names no area, and the key and the table name the regions."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map, none, names) {
            function label(point, className, html, size, anchor) {
                var icon = L.divIcon({className: className + "-icon", iconSize: size, iconAnchor: anchor,
                    html: '<span class="' + className + '" aria-hidden="true">' + html + "</span>"});
                return L.marker(point, {icon: icon, interactive: false, keyboard: false}).addTo(map);
            }
            var nones = none.points.map(function (point) {
                return label(point, "sm-map-label", none.html, [40, 16], [20, 8]);
            });
            names.forEach(function (name, i) {
                name.index = i;
                name.marker = label(name.points[0], name.cls, name.shapes[0], [0, 0], [0, 0]);
            });
            function text(marker) { return marker.getElement().firstChild; }
            // Clear of every box taken, by 2 px: two labels that touch read as one.
            function clear(box, taken) {
                return !taken.some(function (o) {
                    return box.left < o.right + 2 && o.left < box.right + 2 && box.top < o.bottom + 2 && o.top < box.bottom + 2;
                });
            }
            function view() { return [map.getZoom(), map.getCenter(), map.getSize()].join(" "); }
            // Each name's places: each of its points, in each of its shapes (one line, two), and the box it
            // takes there. A shape is measured once, where the name is, and its box moved with the point
            // (Leaflet sets a marker at its point's whole pixel), so trying a place costs no layout.
            function measure(name) {
                var at = map.latLngToLayerPoint(name.marker.getLatLng()).round(),
                    offsets = name.points.map(function (point) { return map.latLngToLayerPoint(point).round().subtract(at); });
                name.places = [];
                var boxes = name.shapes.map(function (shape) {
                    text(name.marker).innerHTML = shape;
                    return text(name.marker).getBoundingClientRect();
                });
                offsets.forEach(function (d, point) {
                    boxes.forEach(function (box, shape) {
                        name.places.push({point: point, shape: shape, box: {left: box.left + d.x, right: box.right + d.x,
                                                                             top: box.top + d.y, bottom: box.bottom + d.y}});
                    });
                });
            }
            // Where a name goes (the index of its place, or -1): the first of its places clear of the
            // names placed and of every "None" shown; failing that, the first clear of the names that
            // covers the fewest "None"s, which give way to it. A local authority's name (`yields`) never
            // covers a "None": it is the table's name, where the "None" is what the map alone says.
            function spot(name, named, shown) {
                var best = -1, fewest = name.yields ? 1 : Infinity;
                for (var i = 0; i < name.places.length && fewest > 0; i++) {
                    var box = name.places[i].box;
                    if (!clear(box, named)) { continue; }
                    var covered = shown.filter(function (other) { return !clear(box, [other]); }).length;
                    if (covered < fewest) { best = i; fewest = covered; }
                }
                return best;
            }
            // The names placed in this order, then each "None" (the larger areas' first) where it touches
            // no name nor any "None" before it: one hidden for a "None" that gave way to a name may have
            // room now.
            function arrange(order, boxes) {
                var shown = [], named = [], spots = [], missing = [], taken;
                boxes.forEach(function (box) { if (clear(box, shown)) { shown.push(box); } });
                order.forEach(function (name) {
                    var i = spot(name, named, shown);
                    spots[name.index] = i;
                    if (i < 0) { missing.push(name); return; }
                    named.push(name.places[i].box);
                    shown = shown.filter(function (other) { return clear(name.places[i].box, [other]); });
                });
                taken = named.slice();
                var visible = boxes.map(function (box) {
                    var free = clear(box, taken);
                    if (free) { taken.push(box); }
                    return free;
                });
                var hidden = visible.filter(function (free) { return !free; }).length;
                return {spots: spots, visible: visible, missing: missing, score: missing.length * 1000 + hidden};
            }
            function place() {
                if (map._animatingZoom) { return; }
                // Leaflet ends a zoom on a 250 ms timer, not when the markers' CSS transitions to their new
                // places end: on a busy machine some were still under way, the farthest from the zoom's
                // centre (moving most) a few px short of where they came to rest, and measured there, so
                // a name and a "None" placed apart then touched. Ended now, at the places Leaflet set.
                var markers = map.getPane("markerPane");
                (markers.getAnimations ? markers.getAnimations({subtree: true}) : []).forEach(function (animation) {
                    if (animation instanceof CSSTransition) { animation.finish(); }
                });
                var boxes = nones.map(function (marker) { return text(marker).getBoundingClientRect(); });
                names.forEach(measure);
                // The smaller regions first (they have the fewest places); a name left out goes first
                // next time, while that leaves out fewer.
                var order = names.slice(), tried = arrange(order, boxes), best = tried;
                for (var attempt = 1; attempt < names.length && tried.missing.length; attempt++) {
                    order = tried.missing.concat(order.filter(function (name) { return tried.missing.indexOf(name) < 0; }));
                    tried = arrange(order, boxes);
                    if (tried.score < best.score) { best = tried; }
                }
                names.forEach(function (name) {
                    var place = name.places[Math.max(best.spots[name.index], 0)];
                    name.marker.setLatLng(name.points[place.point]);
                    text(name.marker).innerHTML = name.shapes[place.shape];
                    text(name.marker).style.visibility = best.spots[name.index] < 0 ? "hidden" : "";
                });
                nones.forEach(function (marker, i) { text(marker).style.visibility = best.visible[i] ? "" : "hidden"; });
                // Checked where they now are, in case a box moved with its point lands off the one measured
                // (it did, onto a "None", while the markers' transitions were still under way: ended above).
                // Then a local authority's name gives way, as everywhere; a "None" gives way to a region's.
                names.forEach(function (name) {
                    var element = text(name.marker);
                    nones.forEach(function (marker, i) {
                        if (!best.visible[i] || element.style.visibility === "hidden" ||
                            clear(element.getBoundingClientRect(), [text(marker).getBoundingClientRect()])) { return; }
                        if (name.yields) { element.style.visibility = "hidden"; return; }
                        best.visible[i] = false;
                        text(marker).style.visibility = "hidden";
                    });
                });
                map.getContainer().smLabelsAt = view();
            }
            map.whenReady(place);
            window.addEventListener("load", place);
            map.on("zoomend moveend resize", place);
            map.getContainer().smPlaceLabels = place;
        })({{ this._parent.get_name() }}, {{ this.none|tojson }}, {{ this.names|tojson }});
        {% endmacro %}
    """)

    def __init__(self, nones: Sequence[tuple[float, float]], names: Sequence[dict]) -> None:
        super().__init__()
        self._name = "MapLabels"
        # Escaped here, outside any f-string (makemessages cannot see a gettext call inside one).
        self.none = {"html": escape(_("None")), "points": list(nones)}
        self.names = list(names)


def _draw_regions(
    m: folium.Map, regions: Mapping[str, AreaResult], outlines: AreaShapes, la_points: Mapping[str, tuple[float, float]],
    *, from_file: bool,
) -> list[dict]:
    """Each region's edge (a white casing, then a thick dark line) over the local authorities coloured
    by its figure; returns its name's shapes and the places it may take, for `MapLabels`. `regions`: LA code →
    its region's result; `la_points`: LA code → a point inside it, in the order the names try them.

    The edges do not take the pointer (their pane lets it through), so the local authorities under
    them keep their tooltips, and are no tab stop."""
    by_code = {feature["properties"][outlines.key]: feature for feature in outlines.features}
    members: dict[str, list[str]] = {}
    rows: dict[str, AreaResult] = {}
    for la, region in regions.items():
        if region.code in by_code:
            members.setdefault(region.code, []).append(la)
            rows[region.code] = region
    if not rows:
        return []
    folium.map.CustomPane(REGIONS_PANE, z_index=450, pointer_events=False).add_to(m)
    features = [by_code[code] for code in rows]
    for colour, weight in ((CASING_COLOUR, CASING_WEIGHT), (EDGE_COLOUR, EDGE_WEIGHT)):
        style = {"color": colour, "weight": weight, "opacity": 1, "fill": False}
        options = dict(style_function=lambda _f, style=style: style, interactive=False, pane=REGIONS_PANE,
                       name="regions")
        if from_file:
            map_shapes.areas_layer(features, outlines.url(), key=outlines.key, **options).add_to(m)
        else:
            folium.GeoJson({"type": "FeatureCollection", "features": features}, **options).add_to(m)
    points, deeper, sizes = label_points(outlines), inner_points(outlines), _areas(outlines)
    names = []
    for code in sorted(rows, key=lambda c: sizes[c]):  # the smaller first: they have the fewest places
        inside = [points[code], *(point for la, point in la_points.items() if la in members[code]), *deeper[code]]
        row = rows[code]
        names.append({"shapes": name_shapes(map_name(area_display_name(row.name, row.name_cy))),
                      "points": list(dict.fromkeys(inside)), "cls": "sm-region-label", "yields": False})
    return names


# The most areas the map names: Wales's 22 local authorities. A map of more (the bench's ~360 of Great
# Britain, England's ~300) would open with nearly every name hidden by its neighbours' at the zoom that
# shows them all, and carry every name's places in the page for that; its table names them, and its
# tooltips do on the screen.
MAX_NAMED_AREAS = 30


def _area_names(
    results: Sequence[AreaResult], boundaries: Mapping, la_points: Mapping[str, tuple[float, float]],
    more_points: Mapping[str, Sequence[tuple[float, float]]],
) -> list[dict]:
    """Each local authority's name, in the page's language, for `MapLabels`: the places it may take are
    its label point, then the other points well inside it (`inner_points`); the smaller areas first (they
    have the fewest places). A name gives way to a "None" (`yields`), and one with no room is hidden at
    that zoom: zoomed in, the valleys' names have room."""
    by_code = {r.code: r for r in results}
    sizes = {f["properties"]["lad_code"]: shape(f["geometry"]).area for f in boundaries["features"]}
    names = []
    for code in sorted((c for c in la_points if c in by_code), key=lambda c: sizes.get(c, 0)):
        row = by_code[code]
        points = [la_points[code], *more_points.get(code, ())]
        names.append({"shapes": name_shapes(area_display_name(row.name, row.name_cy)),
                      # To 4 places (~10 m): the page carries 22 × 9 of them.
                      "points": list(dict.fromkeys((round(lat, 4), round(lng, 4)) for lat, lng in points)),
                      "cls": "sm-area-label", "yields": True})
    return names


# What a region's name on the map leaves out: the kind of board, which the key says ("the edge of a
# health board, whose name is on the map"), and a parenthesis. "Cwm Taf Morgannwg University Health
# Board" took three lines where the south-east's four regions share a few centimetres; "Cwm Taf
# Morgannwg" takes two. The key, the table and each local authority's tooltip give the full name.
_BRACKETED = re.compile(r"\s*\([^)]*\)")  # "(CYSUR / CWMPAS)"
_BOARD_WORDS = re.compile(
    r"\s+(?:University |Teaching )?Health Board$|\s+(?:Regional )?Safeguarding Board$"
    r"|^Bwrdd (?:Iechyd (?:Prifysgol |Addysgu )?|Diogelu (?:Rhanbarthol )?)"
)


def map_name(name: str) -> str:
    """A region's name as the map writes it: the place without the kind of board (its full name if
    nothing is left)."""
    return _BOARD_WORDS.sub("", _BRACKETED.sub("", name)).strip() or name


def name_shapes(name: str) -> list[str]:
    """The ways the map may set a name, as HTML, the likelier to fit first: on one line, and broken
    into two lines as even as its words allow (a name of more than 16 characters the other way round).
    Broken here, not by the browser: a wrapped box keeps its full width, wider than either line."""
    words = name.split()
    if len(words) < 2:
        return [text(name)]
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    first, second = min(splits, key=lambda pair: max(len(pair[0]), len(pair[1])))
    shapes = [text(name), f"{text(first)}<br>{text(second)}"]
    return shapes if len(name) <= 16 else shapes[::-1]


def _largest_first(boundaries: Mapping, points: Mapping[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Each local authority's label point, the largest area first: the order their labels take places
    (~1 ms)."""
    if not points:
        return {}
    sizes = {f["properties"]["lad_code"]: shape(f["geometry"]).area for f in boundaries["features"]}
    return dict(sorted(points.items(), key=lambda item: -sizes.get(item[0], 0)))


@lru_cache(maxsize=4)
def label_points(shapes: AreaShapes) -> dict[str, tuple[float, float]]:
    """Area code → (latitude, longitude) of a point well inside its largest piece, once per version
    of the shapes (the local authorities', or the regions').

    The piece's pole of inaccessibility (the inside point farthest from its edge: shapely's
    polylabel): unlike a centroid it is always inside, however concave (Monmouthshire, Newport) or
    narrow (the valleys) the area. Longitude is scaled by cos(latitude) first, so that "farthest"
    is measured on the ground."""
    points = {}
    for feature in shapes.features:
        area = shape(feature["geometry"])
        largest = max(getattr(area, "geoms", [area]), key=lambda piece: piece.area)
        scale = math.cos(math.radians(largest.centroid.y))
        pole = polylabel(affinity.scale(largest, xfact=scale, yfact=1, origin=(0, 0)), tolerance=0.001)
        points[feature["properties"][shapes.key]] = (pole.y, pole.x / scale)
    return points


@lru_cache(maxsize=4)
def inner_points(shapes: AreaShapes, most: int = 8) -> dict[str, list[tuple[float, float]]]:
    """Area code → up to `most` more points well inside its largest piece, for a name that finds its
    pole and its local authorities' taken: the deepest first (farthest from the edge, on the ground),
    spread out, none nearer the edge than a third of the deepest. On a grid of ~15 × 15 (~20 ms for
    the 13 regions), once per version of the shapes."""
    found = {}
    for feature in shapes.features:
        area = shape(feature["geometry"])
        largest = max(getattr(area, "geoms", [area]), key=lambda piece: piece.area)
        scale = math.cos(math.radians(largest.centroid.y))
        piece = affinity.scale(largest, xfact=scale, yfact=1, origin=(0, 0))
        west, south, east, north = piece.bounds
        step = max(east - west, north - south) / 15
        grid = [Point(west + (i + 0.5) * step, south + (j + 0.5) * step)
                for i in range(math.ceil((east - west) / step)) for j in range(math.ceil((north - south) / step))]
        depths = sorted(((piece.boundary.distance(p), p) for p in grid if piece.contains(p)), key=lambda d: -d[0])
        chosen: list[Point] = []
        for depth, point in depths:
            if len(chosen) == most or depth < depths[0][0] / 3:
                break
            if all(point.distance(other) >= 2 * step for other in chosen):
                chosen.append(point)
        found[feature["properties"][shapes.key]] = [(round(p.y, 4), round(p.x / scale, 4)) for p in chosen]
    return found


@lru_cache(maxsize=2)
def _areas(shapes: AreaShapes) -> dict[str, float]:
    return {feature["properties"][shapes.key]: shape(feature["geometry"]).area for feature in shapes.features}


def render_embed(m: folium.Map) -> str:
    """The map's own assets, its div and its script: folium's full page (with its viewport
    meta and CDN links) is left out so the map sits inside our page."""
    root = m.get_root()
    root.render()
    links = "".join(f'<link rel="stylesheet" href="{url}">' for _name, url in m.default_css)
    scripts = "".join(f'<script src="{url}"></script>' for _name, url in m.default_js)
    return f"{links}{scripts}{root.html.render()}<script>{root.script.render()}</script>"
