"""What the API answers to OPTIONS: the methods an address takes, in `Allow`, and nothing else.

DRF's default (SimpleMetadata) answered with the view's name, its developer docstring and the
renderers and parsers it was built with ("parses": forms and multipart, on a read-only API):
internals no client can use, documented nowhere, changing whenever a docstring does. An empty 200
with `Allow` is what Django's own views answer, and what RFC 9110 asks of OPTIONS. The API's
documentation is its OpenAPI document (/api/schema/). CORS preflights never reach a view: the CORS
middleware answers them (directory/oruk/middleware.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.metadata import BaseMetadata

if TYPE_CHECKING:  # DRF imports this module while defining APIView
    from rest_framework.request import Request
    from rest_framework.views import APIView


class AllowOnlyMetadata(BaseMetadata):
    def determine_metadata(self, request: Request, view: APIView) -> None:
        return None  # an empty body: DRF then sends no Content-Type, and Allow says it all
