"""Headers on the static files whitenoise serves, which answer before the CSP and framing middleware.

Most of them are scripts, styles and images loaded by our pages, where a policy does nothing; but an
SVG (the favicon) or an HTML file (Swagger UI's oauth2-redirect.html, from drf-spectacular-sidecar)
opened on its own is a document of this site like any page. They get a policy that runs nothing
and cannot be framed, as every page's does (`frame-ancestors`, X-Frame-Options).
"""

from __future__ import annotations

from servicemap.permissions_policy import PERMISSIONS_POLICY

STATIC_POLICY = "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; frame-ancestors 'none'; sandbox"


def add_headers(headers, path: str, url: str) -> None:
    headers["Content-Security-Policy"] = STATIC_POLICY
    headers["X-Frame-Options"] = "DENY"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
