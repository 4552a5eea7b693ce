"""Maps, built by functions from rows the view already fetched (no queries, no request).

Each returns an HTML fragment (Leaflet links, the map element and its script) to embed in our
own page; folium's full-page template is not used because it sets `user-scalable=no` and page
styles. Leaflet comes from our static files, never a CDN, and no jQuery: folium's popups need it
only to parse their HTML, which Leaflet's own `bindPopup` does (`HtmlPopup`). Given `shapes_url`, the
areas' shapes are fetched from that cached file (directory/map_shapes.py), not put in the page.
Only locations whose address may be published are ever drawn.

Without JavaScript a map cannot draw: servicemap.css leaves its box and key out (base.html marks
the body `js-enabled` before anything is painted), and the search map's places are also written
out as a list beneath it (`_places`), so the map view is still the list of where the services are.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import folium
from branca.element import MacroElement
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from jinja2 import Template

from directory import map_motion, map_shapes
from directory.map_icons import NoDefaultIcon
from directory.map_scale import ControlNames, ScaleBar
from directory.map_text import text
from directory.models import Location, Service
from directory.selectors import Group

WALES_CENTRE = (52.35, -3.75)
WALES_BOUNDS = [[51.37, -5.35], [53.43, -2.65]]
# A result's marker by its group: a shape (styles in servicemap.css, .sm-pin--<group's slug>) as
# well as a colour, so the groups are told apart without colour (WCAG 1.4.1), as the key beside the
# map shows. Named by the group, not its place in the list: a shape means the same group in any order.
OUTLINE = {"color": "#0b0c0c", "weight": 3, "fillColor": "#ffdd00", "fillOpacity": 0.15}
COVERAGE = {"color": "#1d70b8", "weight": 1, "fillColor": "#1d70b8", "fillOpacity": 0.25}
BACKDROP = {"color": "#6f777b", "weight": 1, "fillColor": "#ffffff", "fillOpacity": 0.6}
PLACES_ID = "map-places"
# A map's fit keeps what it shows clear of Leaflet's controls over its corners: the zoom buttons at
# top left reach 44 px in and 75 px down, the scale bar at bottom left 39 px up (93 px wide), the
# attribution at bottom right 17 px up. With 16 px all round, a phone's search map drew a service
# that takes referrals from the child's area under the "+" button (from Wrexham), and near-by ones
# under the scale bar (from Cardiff, Caerphilly, Newport). Past the buttons' width and the scale's
# height by half a marker (24 px) and a few pixels; the other sides keep 16 px.
CLEAR_OF_CONTROLS = {"padding_top_left": (60, 16), "padding_bottom_right": (16, 56)}


def _new_map(tiles_url: str, attribution: str, shapes_url: str) -> folium.Map:
    m = folium.Map(location=WALES_CENTRE, zoom_start=7, tiles=None)
    NoDefaultIcon().add_to(m)  # before any marker
    ScaleBar().add_to(m)  # folium's control_scale, in the page's language
    ControlNames().add_to(m)
    if tiles_url:
        folium.TileLayer(tiles=tiles_url, attr=attribution or " ").add_to(m)
    # On the instance: add_js_link() would change the list shared by every map.
    m.default_js = [("leaflet", static("vendor/leaflet/leaflet.js")), map_motion.script_link()]
    if shapes_url:
        m.default_js.append(map_shapes.script_link())
    m.default_css = [("leaflet_css", static("vendor/leaflet/leaflet.css"))]
    return m


def _embed(m: folium.Map, label: str) -> SafeString:
    _KeyboardAccess(_("Close")).add_to(m)  # after every layer: it walks them
    root = m.get_root()
    root.render()
    script = root.script.render()
    links = "".join(f'<link rel="stylesheet" href="{html.escape(url)}">' for _name, url in m.default_css)
    scripts = "".join(f'<script src="{html.escape(url)}"></script>' for _name, url in m.default_js)
    # Safe: every provider-written string went through text() or html.escape().
    return mark_safe(
        f'{links}{scripts}<div class="sm-map" role="region" aria-label="{html.escape(label)}">'
        f"{root.html.render()}</div><script>{script}</script>"
    )


def _bounds_of(features: Sequence[dict], points: Sequence[tuple[float, float]]) -> list[list[float]] | None:
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    for feature in features:
        for polygon in feature["geometry"]["coordinates"]:
            for lon, lat in polygon[0]:
                lats.append(lat)
                lons.append(lon)
    if not lats:
        return None
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def _add_outline(m: folium.Map, features: Sequence[dict], style: dict, shapes_url: str) -> None:
    # The Welsh name on Welsh pages (the boundary file carries both; the English one if it lacks it).
    welsh = get_language() == "cy"
    for feature in features:
        properties = feature["properties"]
        name = text((welsh and properties.get("lad_name_cy")) or properties.get("lad_name", ""))
        options = {"style_function": lambda _f, s=style: s, "tooltip": name}
        if shapes_url:
            map_shapes.areas_layer([feature], shapes_url, **options).add_to(m)
        else:
            folium.GeoJson(feature, **options).add_to(m)


def _group_label(group: Group, in_wales: bool) -> str:
    """As the map's key names the group: outside Wales the services for anywhere are "national"."""
    if group == Group.FALLBACK:
        return _("all-Wales") if in_wales else _("national")
    return {Group.LOCAL: _("takes referrals from the area"), Group.NEARBY: _("near by, not covering it")}[group]


def _drawn(result) -> list:
    """A result's locations the search map draws: never a do-not-publish address, even if a caller passed one."""
    return [location for location in result.locations if location.has_public_point]


def search_map_groups(results: Sequence) -> list[Group]:
    """The groups build_search_map draws a marker of, in the results' order: the map's key names these
    alone (it listed all three when the map drew, say, only local services)."""
    drawn = {Group(result.group) for result in results if _drawn(result)}
    return [group for group in Group if group in drawn]


def _places(results: Sequence, service_url, in_wales: bool) -> str:
    """The places the search map draws, as a list by group: what the map view gives without
    JavaScript, and to anyone who would rather read than look at a map."""
    items: list[tuple[Group, str]] = []
    for result in results:
        places = _drawn(result)
        if not places:
            continue
        group = Group(result.group)
        # text(), as in the map's script: the page shows the same, and no provider-written `${…}`
        # is left anywhere in the fragment to land in a script by a later change.
        where = "; ".join(_location_name(location) for location in places)
        if result.distance_km is not None:
            where += ", " + html.escape(_("%(km).1f km away") % {"km": result.distance_km})
        lang = getattr(result.service, "name_lang", "")  # a MapService knows; a full Service is named as it is
        lang_attr = f' lang="{lang}"' if lang else ""
        items.append((group, f'<li><a class="govuk-link" href="{html.escape(service_url(result.service))}"{lang_attr}>'
                             f"{text(result.service.name)}</a> – {where}</li>"))
    if not items:
        return ""
    heading = html.escape(_("Places on the map"))  # not inside the f-string: makemessages would miss it
    # The target of the map's skip link (SKIP_TO_PLACES): focusable, so a screen reader goes on from here.
    out = [f'<div class="sm-map-places"><h3 class="govuk-heading-s" id="{PLACES_ID}" tabindex="-1">{heading}</h3>']
    for group in Group:  # in the results' order
        listed = [item for item_group, item in items if item_group == group]
        if listed:
            out.append(f'<h4 class="govuk-body govuk-!-font-weight-bold govuk-!-margin-bottom-1">'
                       f'<span class="sm-key sm-key--{group.slug}" aria-hidden="true"></span> '
                       f"{html.escape(capfirst(_group_label(group, in_wales)))}</h4>"
                       f'<ul class="govuk-list sm-map-places__list">{"".join(listed)}</ul>')
    out.append("</div>")
    return "".join(out)


def _location_name(location) -> str:
    """A location's name in the page's language (a Location or a MapLocation), escaped for folium,
    in a `lang="en"` span where its English name stands in on a Welsh page, as the service's name is."""
    lang = location.name_language
    return f'<span lang="{lang}">{text(location.display_name)}</span>' if lang else text(location.display_name)


def _add_location(
    m: folium.Map, service: Service, location: Location, group: Group, url: str, note: str, in_wales: bool,
) -> None:
    # An English name on a Welsh page is marked, as in the list of places beneath the map and on the
    # cards, so a screen reader says it in English, not with Welsh sounds.
    lang = getattr(service, "name_lang", "")
    name = f'<span lang="{lang}">{text(service.name)}</span>' if lang else text(service.name)
    popup = f'<a href="{html.escape(url)}">{name}</a><br>{_location_name(location)}'
    if note:
        popup += f"<br>{text(note)}"
    # A Leaflet marker, not a circle drawn in SVG: its icon is in the page's tab order and opens its
    # popup with Enter (Leaflet's `keyboard` option), and its text is its name for a screen reader.
    spoken = ", ".join(part for part in (name, _location_name(location), _group_label(group, in_wales), text(note)) if part)
    icon = folium.DivIcon(
        html=f'<span class="sm-pin sm-pin--{group.slug}"></span><span class="govuk-visually-hidden">{spoken}</span>',
        class_name="sm-pin-icon", icon_size=(24, 24), icon_anchor=(12, 12), popup_anchor=(0, -8),
    )
    marker = folium.Marker(
        location=(location.latitude, location.longitude), icon=icon, tooltip=text(service.name),
        z_index_offset=_stacking(group),
    )
    HtmlPopup(popup, max_width=260).add_to(marker)
    marker.add_to(m)


class HtmlPopup(MacroElement):
    """A marker's popup, its HTML given to Leaflet's `bindPopup` as a string. folium.Popup builds it
    with jQuery (`$(`…`)[0]`, to parse the HTML into an element, which Leaflet does itself): 88 kB
    (30 kB compressed) of blocking script on every search map for that alone. `tojson` escapes
    `<`, `>`, `&` and `'`, so no text can end the script; the HTML itself is escaped by the caller."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup({{ this.html|tojson }}, {{ this.options|tojson }});
        {% endmacro %}
    """)

    def __init__(self, html: str, *, max_width: int) -> None:
        super().__init__()
        self._name = "Popup"
        self.html = html
        self.options = {"maxWidth": max_width}


def _stacking(group: Group) -> int:
    """Leaflet's zIndexOffset for a group's markers: where two share a place, the group earlier in
    the results is drawn on top (Leaflet otherwise stacks by latitude alone, so a near-by service's
    diamond could hide a covering service's circle at the same address). Steps far larger than any
    map's height in pixels, which is what Leaflet adds to it."""
    return (len(Group) - list(Group).index(group)) * 100_000


class _KeyboardAccess(MacroElement):
    """What the map's keyboard and screen-reader users need beyond Leaflet's own:

    - the areas drawn (outlines, and the coverage map's bases) out of the tab order: Chromium
      stops on each SVG shape Leaflet makes clickable, twenty-odd unnamed stops before the first
      result (their names are in the page's text, and in each tooltip for the mouse);
    - and out of the accessibility tree: the SVG holding them was an image with no name, the first
      thing a screen reader met in the map (said as "image", or "unlabelled graphic");
    - an opened popup takes the focus, so its link is the next thing reached, not the last; its
      close button is named in the page's language; Escape closes it wherever the focus is in it;
      closed, it gives the focus back to its marker.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map) {
            function untab(layer) {
                if (layer instanceof L.Path && layer.getElement()) { layer.getElement().setAttribute("tabindex", "-1"); }
            }
            map.getPanes().overlayPane.setAttribute("aria-hidden", "true");
            map.eachLayer(untab);
            map.on("layeradd", function (e) { untab(e.layer); });  // areas drawn once their shapes come
            map.on("popupopen", function (e) {
                var box = e.popup.getElement(), link = box.querySelector(".leaflet-popup-content a"),
                    close = box.querySelector(".leaflet-popup-close-button");
                if (close) { close.setAttribute("aria-label", {{ this.close_label|tojson }}); }
                if (!box.smEscape) {  // Leaflet's Escape works only while the map itself has the focus
                    box.smEscape = true;
                    L.DomEvent.on(box, "keydown", function (event) { if (event.key === "Escape") { map.closePopup(); } });
                }
                if (link) { link.focus(); }
            });
            map.on("popupclose", function (e) {
                var marker = e.popup._source, active = document.activeElement;
                if (marker && marker.getElement && (active === document.body || e.popup.getElement().contains(active))) {
                    marker.getElement().focus();
                }
            });
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, close_label: str) -> None:
        super().__init__()
        self._name = "KeyboardAccess"
        self.close_label = close_label


def build_search_map(
    *, results: Sequence, outline: Sequence[dict], service_url, backdrop: Sequence[dict] = (),
    tiles_url: str = "", attribution: str = "", shapes_url: str = "", in_wales: bool = True,
) -> str:
    """Search results' published locations over the child's local authority outline.

    `results` are `selectors.SearchResult`s (anything with .service, .group, .locations and
    .distance_km); `service_url(service)` gives each popup's link. `in_wales`: whether the child's
    area is in Wales, where the services for anywhere are "all-Wales" (elsewhere "national").
    """
    m = _new_map(tiles_url, attribution, shapes_url)
    _add_outline(m, backdrop, BACKDROP, shapes_url)
    _add_outline(m, outline, OUTLINE, shapes_url)
    points = []
    for result in results:
        for location in _drawn(result):
            note = _("%(km).1f km away") % {"km": result.distance_km} if result.distance_km is not None else ""
            _add_location(m, result.service, location, Group(result.group), service_url(result.service), note,
                          in_wales)
            points.append((location.latitude, location.longitude))
    map_motion.fit_at_once(m, _bounds_of(outline, points) or WALES_BOUNDS, max_zoom=12, **CLEAR_OF_CONTROLS)
    places = _places(results, service_url, in_wales)
    # Safe: _places escapes every provider-written string.
    return mark_safe(_skip_to_places(places) + _embed(m, _("Map of the services found")) + places)


def _skip_to_places(places: str) -> str:
    """A link past the map to the list of its places, before the map: each marker is a tab stop, and
    a city's search drew 25 of them, with the zoom buttons, between the sort links and the list (the
    gaps map has "Skip to the table" for the same reason). Nothing to skip to, or without
    JavaScript (no map drawn, sm-js-only), no link."""
    if not places:
        return ""
    label = html.escape(_("Skip to the places on the map"))
    return (f'<p class="govuk-body-s govuk-!-margin-bottom-2 sm-js-only sm-no-print">'
            f'<a class="govuk-link" href="#{PLACES_ID}">{label}</a></p>')


def build_coverage_map(
    *, service: Service, areas: Sequence[dict], locations: Sequence[Location], backdrop: Sequence[dict] = (),
    tiles_url: str = "", attribution: str = "", shapes_url: str = "",
) -> str:
    """The local authorities a service takes referrals from, and its published locations."""
    m = _new_map(tiles_url, attribution, shapes_url)
    _add_outline(m, backdrop, BACKDROP, shapes_url)
    _add_outline(m, areas, COVERAGE, shapes_url)
    points = []
    for location in locations:
        if location.has_public_point:
            folium.CircleMarker(
                location=(location.latitude, location.longitude), radius=8, color="#0b0c0c", weight=2,
                fill=True, fill_color="#f47738", fill_opacity=0.9, tooltip=_location_name(location),
            ).add_to(m)
            points.append((location.latitude, location.longitude))
    map_motion.fit_at_once(m, _bounds_of(areas, points) or WALES_BOUNDS, max_zoom=11, **CLEAR_OF_CONTROLS)
    return _embed(m, _("Map of the areas %(service)s takes referrals from") % {"service": service.name})
