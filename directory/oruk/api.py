"""The Open Referral UK 3.0 read API at /api/oruk/ (thin views: parse, select, build documents).

Open to anyone without a key; anonymous clients are throttled (settings.ORUK_API_ANON_RATE) and
get a JSON 429 saying when to come back. Every error is JSON with a message: a bad parameter, or
one the endpoint does not read, is a 400 naming it; an unknown id or path a 404.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from directory import local_authorities, renderings
from directory.models import Area, Organisation, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from directory.oruk import caching, documents, openapi, page_query, selectors
from directory.oruk import serializers as docs
from directory.oruk import taxonomy as published
from directory.oruk.params import (
    Paging,
    ParameterError,
    ServiceFilters,
    parse_bool,
    parse_format,
    parse_lang,
    parse_modified_after,
    parse_paging,
    parse_search,
    parse_service_filters,
    parse_uuid,
)
from directory.oruk.throttling import OrukAnonThrottle
from directory.oruk.unknown_parameters import refuse_repeated, refuse_unknown
from servicemap import rate_limits

NDJSON_CHUNK = 200


class AlwaysJson(BaseContentNegotiation):
    """Always JSON. Here `format` is ORUK's parameter (json/ndjson), not DRF's renderer switch."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _error(status_code: int, detail: str, **extra) -> Response:
    return Response({"status": status_code, "detail": detail, **extra}, status=status_code)


class FeedLimited(Exception):
    """A client past settings.ORUK_API_FEED_RATE asked for another whole feed (format=ndjson)."""

    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait


def too_many(detail: str, wait: float | None) -> Response:
    seconds = math.ceil(wait or 1)
    response = _error(429, f"{detail} Try again in {seconds} seconds.", retry_after_seconds=seconds)
    response["Retry-After"] = str(seconds)
    return response


class OrukView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (OrukAnonThrottle,)
    content_negotiation_class = AlwaysJson
    # The query parameters this endpoint reads: its OpenAPI description's. Any other is refused
    # (`_refuse_unknown_parameters`); None: not checked (the catch-all 404). Every endpoint reads
    # `lang` (servicemap/vary_language.py).
    parameters: list | None = openapi.DETAIL_PARAMETERS

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        # A NUL character can be sent (%00) but never stored or searched for: PostgreSQL refuses it
        # in any text parameter, which would be a server error. Refused here for every parameter.
        for name, values in request.query_params.lists():
            if "\x00" in name:
                raise ParameterError(name.replace("\x00", "%00"),
                                     f"A parameter's name must not contain a NUL character (%00): {name!r}")
            if any("\x00" in value for value in values):
                raise ParameterError(name, f"{name} must not contain a NUL character (%00)")
        _refuse_unknown_parameters(request, self.parameters)
        refuse_repeated(dict(request.query_params.lists()), repeatable=openapi.REPEATABLE)
        if self.parameters is not None:
            parse_lang(request.query_params)  # already the active language: a value it is not is refused
        # A whole feed (every match, streamed) costs a worker a second or more, where a page costs a
        # millisecond: the rate that suits pages would let one client keep every worker streaming.
        try:
            whole_feed = parse_format(request.query_params) == "ndjson"
        except ParameterError:
            whole_feed = False  # the view says what is wrong
        if whole_feed and any(p.name == "page" for p in self.parameters or ()):
            _refuse_pages_of_a_whole_feed(request.query_params)
        if whole_feed:
            wait = rate_limits.wait_before("oruk_feed", request, settings.ORUK_API_FEED_RATE)
            if wait is not None:
                raise FeedLimited(wait)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ParameterError):
            exc = _named_area(exc, self.request.query_params)
            return _error(400, exc.message, parameter=exc.parameter)
        if isinstance(exc, exceptions.Throttled):
            return too_many(f"Too many requests: this open API allows {settings.ORUK_API_ANON_RATE} requests per "
                             "client.", exc.wait)
        if isinstance(exc, FeedLimited):
            return too_many(f"Too many whole feeds (format=ndjson): this open API streams {settings.ORUK_API_FEED_RATE} "
                             "per client; the paged lists are not limited by it.", exc.wait)
        response = super().handle_exception(exc)
        if isinstance(response.data, dict):  # DRF's {"detail": ...}, with the status alongside
            response.data = {"status": response.status_code, **response.data}
        return response

    def cached(self, request: Request, build: Callable[[str], dict]) -> HttpResponse:
        """The JSON body `build(version token)` gives, rendered as DRF would and cached per
        directory version, path, query and language (`caching`). Errors `build` raises are not cached."""
        renderer = self.get_renderers()[0]  # AlwaysJson always picks the first
        return self.cached_body(
            request,
            lambda state: renderer.render(build(state.token), renderer.media_type, self.get_renderer_context()),
        )

    def cached_body(self, request: Request, render: Callable[[caching.VersionState], bytes]) -> HttpResponse:
        """As `cached`, for a body `render(version state)` gives already rendered (as DRF would)."""
        state = caching.current_state()
        key = caching.response_key(request.path, _query_pairs(request), state.token)
        return caching.cached_json(key, lambda: render(state), self.get_renderers()[0].media_type)


# The ORUK parameters this feed does not offer: refused saying what to ask instead.
_NOT_OFFERED = {name: f"This feed does not offer the ORUK parameter {name}: {instead}."
                for name, instead in openapi.NOT_OFFERED.items()}


def _refuse_unknown_parameters(request: Request, parameters: list | None) -> None:
    """A 400 naming a parameter this endpoint does not read (`unknown_parameters`)."""
    if parameters is None:
        return

    def where() -> str:
        # "/services", as the ORUK standard names its endpoints; the root's read "/the API root".
        path = request.path.removeprefix(reverse("oruk:root")).rstrip("/")
        return f"/{path}" if path else "The API root"

    refuse_unknown(request.query_params, [p.name for p in parameters], where, explained=_NOT_OFFERED)


def _refuse_pages_of_a_whole_feed(query) -> None:
    """format=ndjson streams every match, without pages: page and per_page are checked as for a
    page, and a page past the first refused. It streamed the whole feed again, so a client paging
    through one never reached an end (and spent its whole-feed limit on the same feed). per_page,
    which clients send out of habit, is taken and ignored."""
    if parse_paging(query).page != 1:
        raise ParameterError("page", "format=ndjson streams every match in one answer, without pages: leave out "
                                     "page (or ask page=1), or leave out format=ndjson to page through the list.")


def _named_area(exc: ParameterError, query) -> ParameterError:
    """`exc` saying which code to ask for, when its postcode or coverage is a local authority's
    name ("Cardiff", "Wrecsam": the search page's postcode box takes one). The API does not take
    names: a client asks by the code, which no spelling or language changes. A look-up only on
    this error's path (no query once the authorities are held: `local_authorities`)."""
    if exc.parameter not in ("postcode", "coverage"):
        return exc
    raw = (query.get(exc.parameter) or "").strip()
    area = local_authorities.by_name(raw)
    if area is None:
        return exc
    what = "not a postcode" if exc.parameter == "postcode" else "not an area code"
    named = area.name if raw.casefold() == area.name.casefold() else f"{area.name} ({raw})"
    return ParameterError(exc.parameter, f"{raw!r} is the name of a local authority, {what}: for the services "
                                         f"covering {named}, ask coverage={area.code}.")


def _query_pairs(request: Request) -> list[tuple[str, str]]:
    return [(name, value) for name, values in request.query_params.lists() for value in values]


def _page(items: list[dict], *, total: int, paging: Paging) -> dict:
    total_pages = math.ceil(total / paging.per_page) if total else 0
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": paging.page,
        "size": len(items),
        "first_page": paging.page == 1,
        "last_page": paging.page >= total_pages,
        "empty": not items,
        "contents": items,
    }


def _paged_queryset(queryset: QuerySet, paging: Paging, *, total: int | None = None) -> tuple[list, int]:
    """The page's rows and the total; `total` when the caller already knows it (a cached count)."""
    if total is None:
        total = queryset.count()
    rows = list(queryset[paging.offset : paging.offset + paging.per_page]) if paging.offset < total else []
    return rows, total


def _ndjson(items: Iterable[dict]) -> StreamingHttpResponse:
    # Each line as the list writes the document (`documents.json_text`): compact, and with U+2028
    # and U+2029 escaped, which `str.splitlines()` and other readers would take as line ends.
    return _ndjson_lines(lambda: (documents.json_text(item) for item in items))


def _ndjson_lines(texts: Callable[[], Iterable[str]]) -> StreamingHttpResponse:
    """A line for each JSON text `texts()` gives, made as the response is streamed, after the view
    has returned: in the request's language, held here, not whatever is active then."""
    language = get_language()

    def lines() -> Iterator[str]:
        with translation.override(language):
            for text in texts():
                yield text + "\n"

    return StreamingHttpResponse(lines(), content_type="application/x-ndjson; charset=utf-8")


def _stream(queryset: QuerySet, build: Callable[[object], dict]) -> Iterator[dict]:
    # iterator(chunk_size) keeps prefetch_related working, one batch of queries per chunk.
    for row in queryset.iterator(chunk_size=NDJSON_CHUNK):
        yield build(row)


def _not_found(kind: str, raw_id: str) -> exceptions.NotFound:
    return exceptions.NotFound(f"No {kind} has the id {raw_id!r}")


def _lookup_id(kind: str, raw_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw_id)
    except ValueError:
        raise exceptions.NotFound(f"No {kind} has the id {raw_id!r} (ids are UUIDs)") from None


class ApiRootView(OrukView):
    @extend_schema(operation_id="getApiDetails", summary="API details", parameters=openapi.DETAIL_PARAMETERS,
                   responses=openapi.root_responses(), tags=["ORUK"])
    def get(self, request: Request) -> Response:
        schema_url = request.build_absolute_uri(reverse("api-schema")) + "?format=json"
        return Response(
            {
                "version": docs.ORUK_VERSION,
                "profile": docs.ORUK_PROFILE,
                "openapi_url": schema_url,
                "csa_docs_url": request.build_absolute_uri(reverse("api-docs")),
            }
        )


def _stored_service_documents(rows: list, *, full: bool, generation: str) -> dict[uuid.UUID, str]:
    """{public id: JSON} of these services' documents (rows with `pk`, `public_id` and
    `render_token`, as a page query or the feed's ids give them): the stored ones read in one query
    against the tokens the rows carry, the others built and stored (directory/renderings.py). A
    service gone since its row was read has none."""
    return _with_missing_built(rows, _stored_by_pk(rows, full=full, generation=generation), full=full,
                               generation=generation)


def _stored_by_pk(rows: list, *, full: bool, generation: str, utf8: bool = False) -> dict:
    """{pk: JSON} of these rows' valid stored documents: one query, against the rows' tokens.
    `utf8`: each JSON as its UTF-8 bytes (`renderings.fetch`)."""
    kind = renderings.ORUK_FULL if full else renderings.ORUK_SUMMARY
    return renderings.fetch(kind, [row.pk for row in rows], generation=generation,
                            tokens={row.pk: row.render_token for row in rows}, utf8=utf8)


def _with_missing_built(rows: list, by_pk: dict[int, str], *, full: bool, generation: str) -> dict[uuid.UUID, str]:
    """{public id: JSON} of the rows' documents: those in `by_pk`, the others built and stored."""
    return renderings.oruk_json([row.public_id for row in rows], full=full, generation=generation,
                                found={row.public_id: by_pk[row.pk] for row in rows if row.pk in by_pk})


def _stored_service_json(rows: list, *, full: bool, generation: str) -> list[str]:
    """`_stored_service_documents` in the rows' order."""
    by_pk = _stored_by_pk(rows, full=full, generation=generation)
    if len(by_pk) == len(rows):
        # Every document stored and current, as after `build_renderings`: in the rows' order as
        # read, without keying them by public id (~60 µs of a page of 50).
        return [by_pk[row.pk] for row in rows]
    found = _with_missing_built(rows, by_pk, full=full, generation=generation)
    return [found[row.public_id] for row in rows if row.public_id in found]


def _stored_service_utf8(rows: list, *, full: bool, generation: str) -> list[bytes]:
    """`_stored_service_json` as UTF-8 bytes, for a page spliced as bytes (`documents.utf8_with_items`)."""
    by_pk = _stored_by_pk(rows, full=full, generation=generation, utf8=True)
    if len(by_pk) == len(rows):
        return [by_pk[row.pk] for row in rows]
    # Some to build (and store): as text, then encoded. Rare after `build_renderings`.
    by_pk = {pk: text.decode() for pk, text in by_pk.items()}
    found = _with_missing_built(rows, by_pk, full=full, generation=generation)
    return [found[row.public_id].encode() for row in rows if row.public_id in found]


def _ndjson_texts(items: list, texts_of: Callable[[list], list[str]]) -> StreamingHttpResponse:
    """A line for each JSON text `texts_of(chunk)` gives, for chunks of `NDJSON_CHUNK` items.

    Used with the stored documents (`_stored_service_json`), a chunk a query: the national feed of
    20,000 full services (~140 MB) streams in about a second, where building each document again
    took ~16 s on a fast machine, near gunicorn's 30 s worker timeout on a slower one (BENCHMARKS.md)."""

    def texts() -> Iterator[str]:
        for start in range(0, len(items), NDJSON_CHUNK):
            yield from texts_of(items[start : start + NDJSON_CHUNK])

    return _ndjson_lines(texts)


def _service_json(public_ids: list[uuid.UUID], *, full: bool, state: caching.VersionState) -> list[str]:
    """The JSON of these published services' documents in this order, each built once (from plain
    rows: a few queries and no model instances, however many) and stored until the service or
    anything it shows changes (directory/renderings.py)."""
    found = renderings.oruk_json(public_ids, full=full, generation=state.generation)
    return [found[public_id] for public_id in public_ids if public_id in found]


def _filtered_services(
    filters: ServiceFilters, *, full: bool, base: QuerySet[Service] | None = None
) -> QuerySet[Service]:
    """`base` (default: the feed's rows, `full` or not) with every filter applied."""
    covering = []
    if filters.postcode is not None:
        try:
            covering.append(selectors.area_codes_for_postcode(filters.postcode))
        except LookupError as exc:
            raise ParameterError("postcode", str(exc)) from None
    if filters.coverage is not None:
        try:
            covering.append(selectors.area_codes_covering(filters.coverage))
        except Area.DoesNotExist as exc:
            raise ParameterError("coverage", str(exc)) from None
    if base is None:
        base = selectors.service_feed_queryset(full=full)
    return selectors.service_feed_filter(base, filters, covering_codes=covering)


def _feed_page_services(filters: ServiceFilters) -> QuerySet[Service]:
    """The services a list page chooses among: filtered, in feed order (no documents' rows)."""
    return _filtered_services(filters, full=False, base=selectors.service_feed_order(filters))


class ServiceListView(OrukView):
    parameters = openapi.SERVICE_LIST_PARAMETERS

    @extend_schema(
        operation_id="listServices", summary="Services", parameters=parameters,
        responses=openapi.list_responses(openapi.SERVICE), tags=["ORUK"],
    )
    def get(self, request: Request):
        output = parse_format(request.query_params)
        full = bool(parse_bool(request.query_params, "full"))
        if output == "ndjson":
            # The ids read now, so a bad filter is a 400 before anything is streamed.
            filters = parse_service_filters(request.query_params)
            rows = list(_feed_page_services(filters).values_list("pk", "public_id", "render_token", named=True))
            generation = caching.current_state().generation
            return _ndjson_texts(rows, lambda chunk: _stored_service_json(chunk, full=full, generation=generation))
        paging = parse_paging(request.query_params)

        def render(state: caching.VersionState) -> bytes:
            # The page's ids (from the filter set's ids in feed order, read once per directory
            # version: page_query), then their stored documents; documents not stored yet are built
            # and stored. Their JSON is spliced into the page's (as the renderer would write it).
            filters = parse_service_filters(request.query_params)
            query = page_query.page_query(filters, state.token, get_language() or "en", _feed_page_services)
            rows = query.page(offset=paging.offset, limit=paging.per_page)
            items = _stored_service_utf8(rows, full=full, generation=state.generation)
            return documents.utf8_with_items(_page(items, total=query.total, paging=paging), "contents", items)

        return self.cached_body(request, render)


class ServiceDetailView(OrukView):
    @extend_schema(operation_id="getService", summary="One service, fully nested", parameters=openapi.DETAIL_PARAMETERS,
                   responses=openapi.detail_responses(openapi.SERVICE), tags=["ORUK"])
    def get(self, request: Request, service_id: str) -> Response:
        public_id = _lookup_id("service", service_id)

        def render(state: caching.VersionState) -> bytes:
            found = _service_json([public_id], full=True, state=state)
            if not found:
                raise _not_found("service", service_id)
            return found[0].encode()

        return self.cached_body(request, render)


def _organisations_json(organisations: list[Organisation], services: str, *, generation: str) -> list[str]:
    """These organisations' documents as JSON, each with its published services' stored documents
    (full or summary) spliced in, in feed order: one query for the services' ids and one for their
    stored documents, however many (building each service's document again cost ~0.7 ms: 15 s for
    the national feed of organisations with full services)."""
    rows = list(
        selectors.service_feed_order(ServiceFilters())
        .filter(organisation_id__in=[o.pk for o in organisations])
        .values_list("pk", "public_id", "render_token", "organisation_id", named=True)
    )
    found = _stored_service_documents(rows, full=services == "full", generation=generation)
    by_organisation: dict[int, list[str]] = {o.pk: [] for o in organisations}
    for row in rows:
        if row.public_id in found:
            by_organisation[row.organisation_id].append(found[row.public_id])
    return [
        documents.json_with_items(docs.organisation_document(o, services=[]), "services", by_organisation[o.pk]).decode()
        for o in organisations
    ]


class OrganizationListView(OrukView):
    parameters = openapi.ORGANIZATION_LIST_PARAMETERS

    @extend_schema(
        operation_id="listOrganizations", summary="Organizations", parameters=parameters,
        responses=openapi.list_responses(openapi.ORGANIZATION), tags=["ORUK"],
    )
    def get(self, request: Request):
        query = request.query_params
        output = parse_format(query)
        services = "full" if parse_bool(query, "full_service") else "summary" if parse_bool(query, "full") else None
        search, modified_after = parse_search(query), parse_modified_after(query)
        # Without the services prefetched: with them, they come from the stored documents.
        queryset = selectors.organisation_feed_queryset(search=search, modified_after=modified_after)
        if output == "ndjson":
            if not services:
                return _ndjson(_stream(queryset, docs.organisation_document))
            generation = caching.current_state().generation
            return _ndjson_texts(list(queryset), lambda chunk: _organisations_json(chunk, services, generation=generation))
        paging = parse_paging(query)

        def render(state: caching.VersionState) -> bytes:
            total = caching.cached_count("organizations", (search, modified_after), state.token, queryset.count)
            rows, total = _paged_queryset(queryset, paging, total=total)
            items = (_organisations_json(rows, services, generation=state.generation) if services
                     else [documents.json_text(docs.organisation_document(row)) for row in rows])
            return documents.json_with_items(_page(items, total=total, paging=paging), "contents", items)

        return self.cached_body(request, render)


class OrganizationDetailView(OrukView):
    parameters = openapi.ORGANIZATION_DETAIL_PARAMETERS

    @extend_schema(
        operation_id="getOrganization", summary="One organization with its services", parameters=parameters,
        responses=openapi.detail_responses(openapi.ORGANIZATION), tags=["ORUK"],
    )
    def get(self, request: Request, organization_id: str) -> Response:
        public_id = _lookup_id("organization", organization_id)
        services = "full" if parse_bool(request.query_params, "full_service") else "summary"

        def render(state: caching.VersionState) -> bytes:
            organisation = selectors.organisation_feed_queryset().filter(public_id=public_id).first()
            if organisation is None:
                raise _not_found("organization", organization_id)
            return _organisations_json([organisation], services, generation=state.generation)[0].encode()

        return self.cached_body(request, render)


class ServiceAtLocationListView(OrukView):
    parameters = openapi.SERVICE_AT_LOCATION_LIST_PARAMETERS

    @extend_schema(
        operation_id="listServiceAtLocations", summary="Services at locations", parameters=parameters,
        responses=openapi.list_responses(openapi.SERVICE_AT_LOCATION), tags=["ORUK"],
    )
    def get(self, request: Request):
        output = parse_format(request.query_params)
        filters = parse_service_filters(request.query_params)
        queryset = selectors.service_at_location_feed_queryset(_filtered_services(filters, full=False))
        if output == "ndjson":
            return _ndjson(_stream(queryset, docs.service_at_location_document))
        paging = parse_paging(request.query_params)

        def build(token: str) -> dict:
            total = caching.cached_count("service_at_locations", filters, token, queryset.count)
            rows, total = _paged_queryset(queryset, paging, total=total)
            return _page([docs.service_at_location_document(r) for r in rows], total=total, paging=paging)

        return self.cached(request, build)


class ServiceAtLocationDetailView(OrukView):
    @extend_schema(operation_id="getServiceAtLocation", summary="One service at a location",
                   parameters=openapi.DETAIL_PARAMETERS,
                   responses=openapi.detail_responses(openapi.SERVICE_AT_LOCATION), tags=["ORUK"])
    def get(self, request: Request, link_id: str) -> Response:
        public_id = _lookup_id("service_at_location", link_id)
        # Only a published service's links, as the list: an unpublished service (a new listing
        # awaiting approval) is not public, nor is where it is.
        link = (
            ServiceAtLocation.objects.select_related("service", "location")
            .filter(public_id=public_id, service__in=Service.objects.published())
            .first()
        )
        if link is None:
            raise _not_found("service_at_location", link_id)
        return Response(docs.service_at_location_document(link))


def _union_page(static: list, queryset: QuerySet, paging: Paging) -> tuple[list, list, int]:
    """Page through our code-served items first, then the database rows after them."""
    total = len(static) + queryset.count()
    start, end = paging.offset, paging.offset + paging.per_page
    db_start, db_end = max(0, start - len(static)), max(0, end - len(static))
    rows = list(queryset[db_start:db_end]) if db_end > db_start and db_start < total else []
    return static[start:end], rows, total


def _matches(search: str | None, *texts: object) -> bool:
    return not search or any(search.lower() in str(text).lower() for text in texts)


class TaxonomyListView(OrukView):
    parameters = openapi.TAXONOMY_LIST_PARAMETERS

    @extend_schema(operation_id="listTaxonomies", summary="Taxonomies", parameters=parameters,
                   responses=openapi.list_responses(openapi.TAXONOMY), tags=["ORUK"])
    def get(self, request: Request):
        output = parse_format(request.query_params)
        search = parse_search(request.query_params)
        ours = [t for t in published.published_taxonomies() if _matches(search, t.name, t.description)]
        queryset = selectors.taxonomy_rows(search=search)
        if output == "ndjson":
            documents = [docs.published_taxonomy_document(t) for t in ours]
            return _ndjson([*documents, *_stream(queryset, docs.taxonomy_document)])
        paging = parse_paging(request.query_params)
        static, rows, total = _union_page(ours, queryset, paging)
        items = [docs.published_taxonomy_document(t) for t in static] + [docs.taxonomy_document(r) for r in rows]
        return Response(_page(items, total=total, paging=paging))


class TaxonomyDetailView(OrukView):
    @extend_schema(operation_id="getTaxonomy", summary="One taxonomy with its terms",
                   parameters=openapi.DETAIL_PARAMETERS, responses=openapi.detail_responses(openapi.TAXONOMY),
                   tags=["ORUK"])
    def get(self, request: Request, taxonomy_id: str) -> Response:
        public_id = _lookup_id("taxonomy", taxonomy_id)
        ours = published.taxonomies_by_id().get(public_id)
        if ours is not None:
            return Response(docs.published_taxonomy_document(ours, with_terms=True))
        taxonomy = Taxonomy.objects.filter(public_id=public_id).first()
        if taxonomy is None:
            raise _not_found("taxonomy", taxonomy_id)
        terms = list(selectors.taxonomy_term_rows(taxonomy_id=public_id))
        return Response(docs.taxonomy_document(taxonomy, terms=terms))


def _published_terms(search, taxonomy_id, parent_id) -> list[tuple]:
    if parent_id is not None:  # our terms have no parents
        return []
    return [
        (term, taxonomy)
        for taxonomy in published.published_taxonomies()
        if taxonomy_id is None or taxonomy.public_id == taxonomy_id
        for term in taxonomy.terms
        if _matches(search, term.name, term.code, term.description)
    ]


class TaxonomyTermListView(OrukView):
    parameters = openapi.TAXONOMY_TERM_LIST_PARAMETERS

    @extend_schema(operation_id="listTaxonomyTerms", summary="Taxonomy terms", parameters=parameters,
                   responses=openapi.list_responses(openapi.TAXONOMY_TERM), tags=["ORUK"])
    def get(self, request: Request):
        query = request.query_params
        output = parse_format(query)
        search = parse_search(query)
        taxonomy_id, parent_id = parse_uuid(query, "taxonomy_id"), parse_uuid(query, "parent_id")
        top_only = bool(parse_bool(query, "top_only"))
        ours = _published_terms(search, taxonomy_id, parent_id)
        queryset = selectors.taxonomy_term_rows(
            search=search, taxonomy_id=taxonomy_id, parent_id=parent_id, top_only=top_only
        )
        if output == "ndjson":
            documents = [docs.published_term_document(term, taxonomy) for term, taxonomy in ours]
            return _ndjson([*documents, *_stream(queryset, docs.taxonomy_term_document)])
        paging = parse_paging(query)
        static, rows, total = _union_page(ours, queryset, paging)
        items = [docs.published_term_document(t, tax) for t, tax in static]
        items += [docs.taxonomy_term_document(row) for row in rows]
        return Response(_page(items, total=total, paging=paging))


class TaxonomyTermDetailView(OrukView):
    @extend_schema(operation_id="getTaxonomyTerm", summary="One taxonomy term", parameters=openapi.DETAIL_PARAMETERS,
                   responses=openapi.detail_responses(openapi.TAXONOMY_TERM), tags=["ORUK"])
    def get(self, request: Request, term_id: str) -> Response:
        public_id = _lookup_id("taxonomy_term", term_id)
        term = published.terms_by_id().get(public_id)
        if term is not None:
            return Response(docs.published_term_document(term, published.taxonomy_by_key(term.key)))
        row = TaxonomyTerm.objects.select_related("taxonomy", "parent").filter(public_id=public_id).first()
        if row is None:
            raise _not_found("taxonomy_term", term_id)
        return Response(docs.taxonomy_term_document(row))


class NotFoundView(OrukView):
    """Any other path under /api/oruk/: a JSON 404 listing what exists."""

    parameters = None  # the path is what is wrong

    @extend_schema(exclude=True)
    def get(self, request: Request, path: str = "") -> Response:
        return _error(
            status.HTTP_404_NOT_FOUND,
            f"No such endpoint {request.path!r}. Endpoints: /services, /organizations, /service_at_locations, "
            "/taxonomies, /taxonomy_terms (each with /{id}).",
        )

    @extend_schema(exclude=True)
    def options(self, request: Request, path: str = "") -> Response:
        return self.get(request, path)  # not a 200 saying what a path that does not exist allows


def _check_document_parameters(query, *, where: str = "/api/schema/", names: tuple[str, ...] = ("format", "lang")) -> None:
    """The OpenAPI document's parameters (and the docs page's `lang`, which it passes on to the
    document): a ParameterError for one it does not read or a value it does not know."""
    refuse_unknown(query, [p.name for p in openapi.SCHEMA_PARAMETERS if p.name in names], where)
    parse_lang(query)  # the document is in English in either language (servicemap/vary_language.py)
    fmt = query.get("format")
    if fmt and fmt not in openapi.SCHEMA_FORMATS:  # blank: absent, as every parameter
        raise ParameterError("format", f"format must be {' or '.join(openapi.SCHEMA_FORMATS)}, not {fmt!r}")


class DocsView(SpectacularSwaggerView):
    """The API's docs page: an HTML page like the site's others, answering GET and HEAD only. OPTIONS
    asked DRF for the view's metadata, which the page's HTML renderer has no template for (a 500).
    drf-spectacular passes its `lang` and `version` on to the document, which refuses a bad one: the
    page refuses them first (templates/400.html, saying which), rather than a page whose document
    fails to load."""

    http_method_names = ["get", "head"]

    # Not an operation of the API (drf-spectacular's own `get` says so; this one must again, or the
    # document lists the page, with the session it would read as a "cookieAuth" security scheme).
    @extend_schema(exclude=True)
    def get(self, request: Request, *args, **kwargs) -> Response:
        # In the view, not `initial`: after DRF has read the session (an error page rendered before
        # that reads it, and a POST's missing CSRF token was a 500 there), and after a method's 405.
        try:
            _check_document_parameters(request.query_params, where="/api/docs/", names=("lang",))
        except ParameterError as error:
            raise exceptions.ParseError(error.message) from error
        return super().get(request, *args, **kwargs)


# Its errors were rendered in the document's default format, YAML, with DRF's internals in them
# ("detail:\n  string: Not found.\n  code: not_found") for ?format=xml or an Accept it cannot give.
class SchemaView(SpectacularAPIView):
    """The OpenAPI document, in YAML (the default) or JSON (?format=json); its errors are JSON like the
    API's, and its parameters are checked as theirs are: ?lang=xx, ?format=xml or one it does not read
    (drf-spectacular's ?version= put any value into the document's version) is a 400 naming it."""

    # Open to anyone, as the API is: no session looked at (the document said "cookieAuth").
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(operation_id="getOpenApiDocument", summary="This OpenAPI document",
                   description="This document, in YAML or JSON. A parameter it does not take, or a value it does "
                               "not know, is a 400 naming the parameter, as on every endpoint.",
                   parameters=openapi.SCHEMA_PARAMETERS, responses=openapi.schema_responses(), tags=["Documents"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def initial(self, request: Request, *args, **kwargs) -> None:
        refuse_repeated(dict(request.query_params.lists()))
        _check_document_parameters(request.query_params)  # before DRF's content negotiation's bare 404
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ParameterError):
            return _error(status.HTTP_400_BAD_REQUEST, exc.message, parameter=exc.parameter)
        response = super().handle_exception(exc)
        if isinstance(response.data, dict):
            response.data = {"status": response.status_code, "detail": str(response.data.get("detail", ""))}
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # An OPTIONS' empty answer too (servicemap/api_metadata.py): YAML would write it as "null".
        if isinstance(response, Response) and (response.status_code >= 400 or request.method == "OPTIONS"):
            response.accepted_renderer, response.accepted_media_type = JSONRenderer(), "application/json"
        return response
