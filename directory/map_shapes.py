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
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.utils.cache import patch_cache_control, patch_vary_headers
from jinja2 import Template

from directory.boundaries import AreaShapes


def script_link() -> tuple[str, str]:
    """The (name, url) to add to a map's default_js, after Leaflet and before the map's own script."""
    return ("map_shapes", static("js/map-shapes.js"))


class _FromShapesFile(MacroElement):
    _template = Template("""
        {% macro script(this, kwargs) %}
        function {{ this._parent.get_name() }}_add(data) {
            smDrawShapes({{ this._parent.get_name() }}, data, {{ this.url|tojson }}, {{ this.key|tojson }});
        }
        {% endmacro %}
    """)

    def __init__(self, url: str, key: str) -> None:
        super().__init__()
        self._name = "FromShapesFile"
        self.url = url
        self.key = key


def without_geometry(features: Sequence[dict]) -> list[dict]:
    """The features as the page carries them: code, names and figures; the shapes are in the file."""
    return [{**feature, "geometry": None} for feature in features]


def areas_layer(features: Sequence[dict], shapes_url: str, key: str = "lad_code", **options: Any) -> folium.GeoJson:
    """A GeoJson layer of these areas (each with its code under `key` in its properties), drawn from the file."""
    layer = folium.GeoJson({"type": "FeatureCollection", "features": without_geometry(features)}, **options)
    _FromShapesFile(shapes_url, key).add_to(layer)
    return layer


def file_response(request: HttpRequest, shapes: AreaShapes, digest: str) -> HttpResponse:
    """The shapes file, kept by browsers for a year: the address names the content. An older digest
    (a page made before the shapes changed, still in the search cache) is sent on to the current
    file, and that answer not kept."""
    if digest != shapes.digest:
        response: HttpResponse = HttpResponseRedirect(shapes.url())
        patch_cache_control(response, no_cache=True)
        return response
    # Compressed here, once per process, as whitenoise does for static files: 130 kB → 30 kB, whatever
    # the proxy in front does with this content type.
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
    response = HttpResponse(shapes.gzipped if gzipped else shapes.body, content_type="application/geo+json")
    if gzipped:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    patch_cache_control(response, public=True, max_age=365 * 24 * 3600, immutable=True)
    response.same_for_everyone = True  # servicemap/private_pages.py: cached even for a signed-in user
    return response
