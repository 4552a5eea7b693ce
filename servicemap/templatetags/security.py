"""Template helpers for the Content-Security-Policy.

`{% load security %}{{ map_html|csp_nonce:request }}` gives every inline `<script>`/`<style>` in
server-built HTML (a folium map) this response's nonce, so it runs under a policy without
'unsafe-inline'. Only HTML already marked safe gets nonces; anything else is escaped, so the
filter can never bless text that came from a user.
"""

from __future__ import annotations

import re

from django import template
from django.http import HttpRequest
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe

register = template.Library()

_OPENING_TAG = re.compile(r"<(script|style)\b(?![^>]*\bnonce=)", re.IGNORECASE)


def add_nonce(html: str, nonce: str) -> str:
    """Add `nonce="…"` to every <script> and <style> opening tag that has none (pure)."""
    return _OPENING_TAG.sub(lambda m: f'<{m[1]} nonce="{nonce}"', html)


@register.filter
def csp_nonce(html: str, request: HttpRequest | None) -> SafeString:
    if not isinstance(html, SafeData):
        return conditional_escape(html)
    nonce = getattr(request, "csp_nonce", None)
    if not nonce:
        return mark_safe(html)  # already safe; no CSP middleware on this request
    return mark_safe(add_nonce(str(html), str(nonce)))  # the input was already marked safe
