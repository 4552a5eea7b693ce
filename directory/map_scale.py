"""The maps' scale bar, with its units in the page's language, and their zoom buttons' names.

Leaflet's scale control writes its units in English ("500 ft", "5 mi"), with no option to change
them, and folium's `control_scale=True` adds it with no handle to reach it. So the maps add it
themselves, through this element, in the map's own (nonced) script: no other script, and nothing
for the Content-Security-Policy to allow. Welsh keeps "m" and "km"; miles are "milltir" and feet
"troedfedd", as on Welsh road signs and public bodies' pages (a Welsh number takes the singular).
"""

from __future__ import annotations

from branca.element import MacroElement
from django.utils.translation import gettext, pgettext
from jinja2 import Template


def scale_units() -> dict[str, str]:
    """Leaflet's unit → the page language's word for it (each after a number, on the scale bar)."""
    return {
        "m": pgettext("map scale, after a number of metres", "m"),
        "km": pgettext("map scale, after a number of kilometres", "km"),
        "ft": pgettext("map scale, after a number of feet", "ft"),
        "mi": pgettext("map scale, after a number of miles", "mi"),
    }


class ScaleBar(MacroElement):
    """Leaflet's scale control (metric and imperial, as `control_scale=True` gives), its units
    translated. It wraps the control's `_updateScale(line, "5 mi", ratio)`, Leaflet 1.9's one place
    that writes a line's text (tests/servicemap/test_csp_browser.py reads the bar in a browser)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map, units) {
            var scale = L.control.scale({maxWidth: {{ this.max_width }}}), write = scale._updateScale;
            scale._updateScale = function (line, text, ratio) {
                var parts = text.split(" ");
                write.call(this, line, parts[0] + " " + (units[parts[1]] || parts[1]), ratio);
            };
            scale.addTo(map);
        })({{ this._parent.get_name() }}, {{ this.units|tojson }});
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "ScaleBar"
        self.units = scale_units()
        # A line is as long as its round distance (1, 2, 3 or 5 of a unit), so as short as about half
        # the longest allowed: Leaflet's 100 px holds "300 ft" but not "300 troedfedd", which would
        # run past the line's end.
        self.max_width = 100 if all(len(word) <= 2 for word in self.units.values()) else 200


class ControlNames(MacroElement):
    """Leaflet's own words on a map in the page's language: its + and − buttons said "Zoom in" and
    "Zoom out" (their title and accessible name) on Welsh pages too, and the "Leaflet" link in the
    corner "A JavaScript library for interactive maps". Leaflet takes them only from the controls'
    options when the map is made, which folium gives no handle to, so they are renamed once made.
    The link is renamed in the attribution's prefix, not in the page: Leaflet writes the corner
    afresh from the prefix whenever a layer's attribution is added.

    The link is also taken out of the tab order (still there to click, and read in a screen reader's
    reading of the page): it was the last Tab stop in every map, a credit that takes a keyboard user
    off to leafletjs.com; the About the data page credits Leaflet. The + and − buttons stay Tab stops,
    named: the map itself is one too (its arrow keys pan it, its + and − keys zoom), but nothing says
    so, and the buttons are what a keyboard user is shown."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map, names) {
            var zoom = map.zoomControl, attribution = map.attributionControl;
            if (zoom) {
                [[zoom._zoomInButton, names.in], [zoom._zoomOutButton, names.out]].forEach(function (pair) {
                    pair[0].title = pair[1];
                    pair[0].setAttribute("aria-label", pair[1]);
                });
            }
            if (attribution && typeof attribution.options.prefix === "string") {
                attribution.setPrefix(attribution.options.prefix.replace(
                    'title="A JavaScript library for interactive maps"', 'tabindex="-1" title="' + names.leaflet + '"'));
            }
        })({{ this._parent.get_name() }}, {{ this.names|tojson }});
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "ControlNames"
        # Leaflet's title, in words with no quote or markup (it goes into an attribute as it is).
        self.names = {"in": gettext("Zoom in"), "out": gettext("Zoom out"),
                      "leaflet": gettext("A JavaScript library for interactive maps")}
