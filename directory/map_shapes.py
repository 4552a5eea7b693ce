"""Map layers whose areas' shapes come from the shapes file (directory/boundaries.py), not the page.

`areas_layer(features, shapes_url, ...)` is a folium GeoJson like any other (style, highlight,
tooltips from each feature's properties), given its features without their geometry. folium
declares `function <layer>_add(data)` and calls it with the features at once; `_FromShapesFile`
declares the same function again, later in the same script, which replaces folium's before the
script runs (a script's function declarations are all made first, and of one name the last wins):
it hands the features to static/js/map-shapes.js, which adds them to the layer with their shapes
once the file has come (from the browser's cache after the first map). So the page's inline script
stays the one folium makes, with this response's CSP nonce, and nothing else inline is needed.
A browser test (tests/browser/test_map_shapes.py) counts the areas drawn: it fails if folium ever
names or calls that function otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
from branca.element import MacroElement
from django.templatetags.static import static
from jinja2 import Template


def script_link() -> tuple[str, str]:
    """The (name, url) to add to a map's default_js, after Leaflet and before the map's own script."""
    return ("map_shapes", static("js/map-shapes.js"))


class _FromShapesFile(MacroElement):
    _template = Template("""
        {% macro script(this, kwargs) %}
        function {{ this._parent.get_name() }}_add(data) {
            smDrawShapes({{ this._parent.get_name() }}, data, {{ this.url|tojson }});
        }
        {% endmacro %}
    """)

    def __init__(self, url: str) -> None:
        super().__init__()
        self._name = "FromShapesFile"
        self.url = url


def without_geometry(features: Sequence[dict]) -> list[dict]:
    """The features as the page carries them: code, names and figures; the shapes are in the file."""
    return [{**feature, "geometry": None} for feature in features]


def areas_layer(features: Sequence[dict], shapes_url: str, **options: Any) -> folium.GeoJson:
    """A GeoJson layer of these areas (each with `lad_code` in its properties), drawn from the file."""
    layer = folium.GeoJson({"type": "FeatureCollection", "features": without_geometry(features)}, **options)
    _FromShapesFile(shapes_url).add_to(layer)
    return layer
