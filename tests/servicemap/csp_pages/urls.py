"""A page with a folium map like the app's own (GeoJSON + tooltip, DivIcon labels, markers with
popups), to prove our Content-Security-Policy lets folium maps run. Test-only URLconf."""

from __future__ import annotations

import folium
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.templatetags.static import static
from django.urls import path
from django.utils.safestring import mark_safe

from directory.maps import HtmlPopup
from servicemap import urls as project_urls

SQUARE = {
    "type": "FeatureCollection",
    "features": [{
        "type": "Feature",
        "properties": {"name": "Cardiff", "access": "1.2"},
        "geometry": {"type": "Polygon", "coordinates": [[[-3.3, 51.4], [-3.1, 51.4], [-3.1, 51.6], [-3.3, 51.6],
                                                         [-3.3, 51.4]]]},
    }],
}


def build_test_map() -> str:
    m = folium.Map(location=[51.5, -3.2], zoom_start=9, tiles=None)
    m.default_js = [("leaflet", static("vendor/leaflet/leaflet.js"))]
    m.default_css = [("leaflet_css", static("vendor/leaflet/leaflet.css"))]
    folium.GeoJson(
        SQUARE, style_function=lambda f: {"fillColor": "#1d70b8", "color": "#0b0c0c", "weight": 1},
        tooltip=folium.GeoJsonTooltip(fields=["name", "access"], aliases=["Area", "Access"], sticky=True),
    ).add_to(m)
    marker = folium.Marker([51.3, -2.9], tooltip="A service")
    HtmlPopup("A service", max_width=200).add_to(marker)  # the app's popups: Leaflet's bindPopup, no jQuery
    marker.add_to(m)
    folium.Marker([51.7, -3.5], icon=folium.DivIcon(html='<span class="sm-map-label">No provision</span>')).add_to(m)
    root = m.get_root()
    root.render()
    links = "".join(f'<link rel="stylesheet" href="{url}">' for _n, url in m.default_css)
    scripts = "".join(f'<script src="{url}"></script>' for _n, url in m.default_js)
    sizing = "<style>.folium-map { height: 400px; }</style>"  # an inline style element needs the nonce too
    return f"{links}{scripts}{sizing}{root.html.render()}<script>{root.script.render()}</script>"


PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% load security %}{% block content %}<h1 class="govuk-heading-l">Map</h1>'
    '<div class="sm-test-map">{{ map_html|csp_nonce:request }}</div>{% endblock %}'
)


def map_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE.render({"map_html": mark_safe(build_test_map())}, request))


# The project's own URLs too: base.html links to them.
urlpatterns = [path("csp-test-map/", map_page), *project_urls.urlpatterns]
