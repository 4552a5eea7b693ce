"""No image icon for folium's markers before their own is set.

folium makes each marker with Leaflet's default icon (`L.marker(latlng, options)`) and only then
gives it ours (`setIcon`, a DivIcon: a pin or a "None" label). Leaflet loads the default icon's
images for that moment, from a folder it guesses from leaflet.css's address; with the hashed static
files the guess is wrong (the page's own folder), so every search map, and every gaps map with
an area labelled "None", asked for marker-icon.png and marker-shadow.png and got two 404 pages.
This element, first in the map's script, makes the default an empty DivIcon: nothing is loaded.
"""

from __future__ import annotations

from branca.element import MacroElement
from jinja2 import Template


class NoDefaultIcon(MacroElement):
    _template = Template("""
        {% macro script(this, kwargs) %}
        L.Marker.prototype.options.icon = L.divIcon({className: "sm-no-icon", iconSize: [0, 0]});
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "NoDefaultIcon"
