"""Text that goes into a folium map: the names of services, places and areas."""

from __future__ import annotations

import html


def text(value: object) -> str:
    """Escape provider-written text for folium, which pastes it into JS template literals.

    Braces too: branca renders each element's script, then parses what it wrote as a Jinja template
    of its own (`Element(script(...))`) and renders that, so a service named `{{ 7*7 }}` showed 49 on
    the map, and Jinja's globals reached the server's `os` module (a provider's name ran a shell
    command on every search map that drew it). As entities they are text to the browser and to Jinja."""
    escaped = html.escape(str(value)).replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")
    return escaped.replace("{", "&#123;").replace("}", "&#125;")
