"""`/api/gaps/?layer=...`: the gaps table as JSON, with its source, period, method and limits."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from directory.oruk import openapi
from directory.oruk.api import AlwaysJson, too_many
from directory.oruk.params import ParameterError
from directory.oruk.throttling import GapsAnonThrottle
from directory.oruk.unknown_parameters import refuse_repeated, refuse_unknown
from gaps import layers, notes, selectors
from gaps.forms import VIEW_LA, GapsForm
from gaps.serializers import AreaResultSerializer, GapsQuerySerializer, GapsResponseSerializer


class GapsView(APIView):
    """Access per area for one layer (a question, optionally an age band)."""

    # Open data, the same for everyone: no sign-in to read it, so no session looked at. With the
    # default session authentication the docs page showed it locked ("Authorize" with the session
    # cookie) and every answer said `Vary: Cookie`, one copy per reader in a shared cache.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    # `format` is a parameter here (json only), not DRF's renderer switch: its 404 for ?format=xml
    # was {"detail": "Not found."}.
    content_negotiation_class = AlwaysJson
    # Per client (settings.GAPS_API_ANON_RATE): an answer not yet cached costs a worker ~0.5 s.
    throttle_classes = (GapsAnonThrottle,)

    @extend_schema(parameters=[GapsQuerySerializer],
                   responses={200: GapsResponseSerializer, 400: openapi.ERROR, 429: openapi.ERROR},
                   operation_id="gaps_layer")
    def get(self, request: Request) -> Response:
        _refuse_unknown_parameters(request)
        refuse_repeated(dict(request.query_params.lists()))
        query = GapsQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise _bad_value(next(iter(query.errors)), request)
        params = query.validated_data
        layer = layers.Layer(params["layer"], params.get("age") or "")
        version = selectors.directory_version()
        result = selectors.gaps_layer(layer=layer, basis=params["basis"], need=params["need"], version=version)
        rows = result.areas
        # Which local authorities have none, on each region's row and on Wales's, as the CSV says.
        none_within = {result.wales.code: layers.sort_results(result.no_provision, "name")}
        if params["view"] != VIEW_LA:
            regions = selectors.gaps_regions(kind=params["view"], version=version)
            rows = layers.regional(result, regions)
            none_within |= {row.code: members for row, members in
                            zip(rows, layers.no_provision_within(result, regions), strict=True)}
        context = {"no_provision_within": none_within}
        as_of = selectors.directory_as_of(version)
        return Response({
            "layer": layer.key,
            "label": layer.label,
            "basis": result.basis,
            "need": result.need,
            "unit": notes.access_unit(result.basis, result.need),
            "view": params["view"],
            "directory_as_of": as_of.isoformat() if as_of else None,
            "notes": dict(notes.figure_notes(result, as_of)),
            # The map and table with the same choices, in the answer's language, as the CSV's "Web page" row.
            "web_page": notes.web_page("gaps:index", GapsForm(
                {name: params.get(name) or "" for name in GapsForm.base_fields}).shown_query()),
            "wales": AreaResultSerializer(result.wales, context=context).data,
            "areas": AreaResultSerializer(layers.sort_results(rows, params["sort"]), many=True, context=context).data,
        })

    def handle_exception(self, exc: Exception) -> Response:
        # The ORUK API's error shape, {"status", "detail", "parameter" for a 400}: one for both APIs.
        if isinstance(exc, ParameterError):
            return Response({"status": 400, "detail": exc.message, "parameter": exc.parameter}, status=400)
        if isinstance(exc, exceptions.Throttled):
            return too_many(f"Too many requests: this open API allows {settings.GAPS_API_ANON_RATE} requests per "
                            "client.", exc.wait)
        response = super().handle_exception(exc)
        if isinstance(response.data, dict):
            response.data = {"status": response.status_code, **response.data}
        return response


def _refuse_unknown_parameters(request: Request) -> None:
    """A 400 naming a parameter this API does not read (`unknown_parameters`): ignored, ?question=cse
    was answered with the default layer (every service), a wrong table that looked right."""
    refuse_unknown(request.query_params, list(GapsQuerySerializer().fields), "/api/gaps/")


def _bad_value(name: str, request: Request) -> ParameterError:
    """The parameter's value is not one of its choices (the only way these fail): say which they are."""
    choices = ", ".join(str(choice) for choice in GapsQuerySerializer().fields[name].choices if choice)
    return ParameterError(name, f"{name} must be one of {choices}, not {request.query_params.get(name)!r}")
