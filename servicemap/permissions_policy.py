"""`Permissions-Policy` on every response: the browser features no page of this site uses are off.

No page asks for a location, a camera, a microphone or a payment (the maps are Leaflet's, which
asks for a location only when told to, `map.locate`, and ours never is). With them off, nothing in
a page or its frames can ask either: a layer after escaping and the CSP. A location prompt on this
site would alarm whoever saw it, and a location is personal data the site must never hold.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# The features browsers ask a person about, or that reveal where or who a device is.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
    "microphone", "midi", "payment", "publickey-credentials-get", "serial", "usb",
))


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
