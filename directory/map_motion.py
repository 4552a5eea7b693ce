"""The maps' motion: their opening view set at once, and no animation for anyone who asks for none.

A map opens fitted to what it shows (`fit_at_once`). Leaflet animates a fit by default: it starts on
the next frame, often after the page has loaded, so labels and markers were placed for the view it
was leaving, a screenshot or test could catch the map mid-flight, and a reader who has asked their
system for reduced motion was flown across Wales on every page. Unanimated, the map's view is final
once its script has run.

For that reader (`prefers-reduced-motion: reduce`) static/js/map-motion.js, loaded after Leaflet and
before any map is made, turns Leaflet's other animations off as well: zooming (the buttons, the
keyboard, a double click) jumps to the new level, and panning (the arrow keys, a popup brought into
view) jumps to the new place.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
from django.templatetags.static import static


def script_link() -> tuple[str, str]:
    """The (name, url) to add to a map's default_js, after Leaflet and before the map's own script."""
    return ("map_motion", static("js/map-motion.js"))


def fit_at_once(m: folium.Map, bounds: Sequence[Sequence[float]], **options: object) -> None:
    """Fit the map to `bounds` (folium's FitBounds options: max_zoom, padding…) with no animation."""
    fit = folium.map.FitBounds(bounds, **options)
    fit.options["animate"] = False
    fit.add_to(m)
