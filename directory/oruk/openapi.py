"""OpenAPI descriptions of the ORUK API for drf-spectacular: parameters and response shapes.

The documents themselves follow the published ORUK 3.0 / HSDS 3.0 schemas; these descriptions
name them and spell out our extensions (parameters and `csa_` fields) so a consumer reading
/api/docs/ knows what they mean. Schemas here are inline (no external $ref) so the docs page
never reaches for the network.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from directory import vocabulary
from directory.oruk.params import (
    AREA_CODE_PATTERN,
    DEFAULT_PER_PAGE,
    LANGUAGE_CODES,
    MAX_AGE,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_SEARCH_LENGTH,
    MAX_WAIT_WEEKS,
)


def _codes(choices: tuple) -> str:
    return ", ".join(code for code, _label in choices)


def _code_list(choices: tuple) -> dict:
    """A string of one or more codes separated by commas, as the parser accepts (and nothing else)."""
    one = "|".join(code for code, _label in choices)
    return {"type": "string", "pattern": f"^({one})(,({one}))*$"}


# What directory.postcodes.parse_postcode accepts: a unit postcode (any case, space optional), a
# sector (with its space) or a district.
_INWARD = "[0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2}"
POSTCODE = {"type": "string", "pattern": f"^ *[A-Za-z]{{1,2}}[0-9][A-Za-z0-9]?( *{_INWARD}| +[0-9])? *$"}


def _query(name: str, kind, description: str, **kwargs) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description, **kwargs)


def _repeatable(name: str, choices: tuple, description: str) -> OpenApiParameter:
    """A list of codes, sent as the parameter repeated (`abuse_form=cse&abuse_form=online`: an array,
    `style: form, explode: true`, which a generated client can send); each value may also hold
    several codes separated by commas, as the parser accepts. As a plain string, a generated client
    could send only one. (drf-spectacular's many=True takes only basic types, not this pattern.)"""
    return _query(name, {"type": "array", "items": _code_list(choices)}, description, style="form", explode=True)


# Bounds in the schema as well as the prose: the parameters outside them are refused with a 400,
# and a client (or schemathesis, tests/api/) should be able to tell that from the document.
PAGE = _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, f"Page number, 1 to {MAX_PAGE}.")
PER_PAGE = _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                  f"Results per page, 1 to {MAX_PER_PAGE} (default {DEFAULT_PER_PAGE}).")
SEARCH = _query("search", {"type": "string", "maxLength": MAX_SEARCH_LENGTH},
               f"Text to find in names and descriptions, at most {MAX_SEARCH_LENGTH} characters.")
FORMAT = _query(
    "format", OpenApiTypes.STR, "`json` (paged, the default) or `ndjson` (every match, one per line, no paging: `per_page` is ignored "
    "and a `page` past the first is a 400).",
    enum=["json", "ndjson"],
)
FULL = _query("full", OpenApiTypes.BOOL, "Return fully nested records (as `/{id}` does).")
MODIFIED_AFTER = _query(
    "modified_after", OpenApiTypes.DATETIME,
    "Only records modified on or after this ISO 8601 date-time (without a time zone: UK time).",
)
# Every endpoint's: a link (which cannot send a header) or a client that cannot set one asks by it.
LANG = _query(
    "lang", OpenApiTypes.STR,
    "The language of the answer's text: `cy` Welsh, `en` English. Without it, the `Accept-Language` header "
    "chooses (`cy`, or `cy-GB,cy;q=0.9,en;q=0.8`: Welsh; anything else: English). Names and descriptions a "
    "provider gave only in English are in English in a Welsh answer; an area's name (`service_areas[].name`) is "
    "Welsh where the area has a Welsh name (Cymru, Wrecsam), and so is an address's `state_province` where it is "
    "the nation, a local authority's, a preserved county's or a pre-1974 county's name (Cymru, Caerdydd, "
    "Morgannwg Ganol, Sir Faesyfed; any other "
    "county as the provider wrote it). "
    "`wait_time` is written by the directory from the reported wait, so it is in the answer's language (the "
    "date in it stays ISO 8601); the same facts are in `csa_wait_weeks`, `csa_wait_as_of` and "
    "`csa_referrals_open`. Ids, codes and enumerations (`status`, "
    "`csa_` codes) are the same in both. The answer says its language in `Content-Language`.",
    enum=LANGUAGE_CODES,
)
TAXONOMY_ID = _query("taxonomy_id", OpenApiTypes.UUID, "Only records with a term from this taxonomy.")
TAXONOMY_TERM_ID = _query("taxonomy_term_id", OpenApiTypes.UUID, "Only records with this taxonomy term.")
ORGANIZATION_ID = _query("organization_id", OpenApiTypes.UUID, "Only services of this organization.")

EXTENSION_FILTERS = [
    _query("postcode", POSTCODE,
           "Extension. Services covering this postcode's local authority (any of them, for a sector or district split "
           "between authorities): a full postcode (CF10 1EP; any case, the "
           "space optional), a sector (CF10 1) or a district (CF10). Not a place name: for a local authority, use "
           "coverage with its code (a local authority's name here is a 400 that gives the code). A postcode in "
           "England or Scotland finds the services covering its local authority; one in Northern Ireland, the Isle "
           "of Man or the Channel Islands, which the directory cannot place, is a 400 saying so."),
    _query("coverage", {"type": "string", "pattern": f"^ *{AREA_CODE_PATTERN} *$"},
           "Extension. Services covering this area: an ONS code such as W06000015 (Cardiff), as in each service's "
           "`service_areas[].uri`; not a name (a local authority's name is a 400 that gives the code). A service "
           "covering a larger area the given one belongs to (a health board, Wales) covers it too."),
    _query("age", {"type": "number", "minimum": 0, "maximum": int(MAX_AGE)},
           f"Extension. Services whose age range includes this age in years, 0 to {MAX_AGE} (e.g. 9 or 9.5)."),
    _repeatable("abuse_form", vocabulary.ABUSE_FORMS,
                f"Extension. Services working with these forms of abuse ({_codes(vocabulary.ABUSE_FORMS)}): repeat "
                "the parameter (`abuse_form=cse&abuse_form=online`) or separate codes with commas "
                "(`abuse_form=cse,online`), or both; a service must work with all of them."),
    _repeatable("audience", vocabulary.AUDIENCES,
                f"Extension. Services supporting all of these people ({_codes(vocabulary.AUDIENCES)}); repeated or "
                "separated by commas as abuse_form."),
    _query("disclosure_required", OpenApiTypes.BOOL,
           "Extension. `false`: only services that accept a referral without a verbal disclosure."),
    _query("welsh", OpenApiTypes.BOOL, "Extension. `true`: only services offering support in Welsh."),
    _query("max_wait_weeks", {"type": "integer", "minimum": 0, "maximum": MAX_WAIT_WEEKS},
           "Extension. Only services whose current reported wait is at most this many weeks (no report: left out)."),
]

# The parameters that may be repeated (their values add up; documented as arrays); any other given
# twice with two values is a 400.
REPEATABLE = ("abuse_form", "audience")
DETAIL_PARAMETERS = [LANG]
SERVICE_LIST_PARAMETERS = [
    SEARCH, PAGE, PER_PAGE, FORMAT, TAXONOMY_TERM_ID, TAXONOMY_ID, ORGANIZATION_ID, MODIFIED_AFTER, FULL,
    *EXTENSION_FILTERS, LANG,
]
ORGANIZATION_LIST_PARAMETERS = [
    SEARCH, PAGE, PER_PAGE, FORMAT, MODIFIED_AFTER,
    _query("full", OpenApiTypes.BOOL, "Include each organization's services (summaries)."),
    _query("full_service", OpenApiTypes.BOOL, "Include each organization's services, fully nested."),
    LANG,
]
ORGANIZATION_DETAIL_PARAMETERS = [
    _query("full_service", OpenApiTypes.BOOL, "Nest full service records rather than summaries."),
    LANG,
]
TAXONOMY_LIST_PARAMETERS = [SEARCH, PAGE, PER_PAGE, FORMAT, LANG]
TAXONOMY_TERM_LIST_PARAMETERS = [
    SEARCH, PAGE, PER_PAGE, FORMAT, TAXONOMY_ID,
    _query("parent_id", OpenApiTypes.UUID, "Only the children of this term."),
    _query("top_only", OpenApiTypes.BOOL, "Only terms without a parent."),
    LANG,
]
SERVICE_AT_LOCATION_LIST_PARAMETERS = [p for p in SERVICE_LIST_PARAMETERS if p.name != "full"]

# ORUK 3.0 parameters this feed does not offer, and what to ask instead. Refused with a 400 that
# says so (api.OrukView): ignored, `minimal` would give one page of full records to a client
# expecting every id at once, and `proximity` every service in the country.
NOT_OFFERED = {
    "minimal": "format=ndjson streams every service in one answer; modified_after gives only the ones changed "
               "since a date",
    "proximity": "postcode gives the services covering that postcode's local authority",
}

_CSA_FIELDS = {
    **{
        f"csa_{concept}": {
            "type": "array", "items": {"type": "string", "enum": [code for code, _ in choices]},
            "description": f"Extension: codes from our published taxonomy ({concept.replace('_', ' ')}).",
        }
        for concept, (choices, _fields) in vocabulary.MULTI_VALUED.items()
    },
    "csa_disclosure_required": {"type": "boolean", "description": "Extension: only accepts a child who has "
                                "made a verbal disclosure."},
    "csa_pre_trial_therapy": {"type": "boolean", "description": "Extension: works with children while a police "
                              "investigation or court case is ongoing."},
    "csa_requires_proceedings_finished": {"type": "boolean", "description": "Extension: starts only after any "
                                          "investigation or court case has finished."},
    "csa_welsh_available": {"type": "boolean", "description": "Extension: support is available in Welsh."},
    "csa_free": {"type": "boolean", "description": "Extension: free to the family."},
    "csa_wait_weeks": {"type": "integer", "description": "Extension: current wait in weeks, as reported by the "
                       "provider (omitted if never reported)."},
    "csa_wait_as_of": {"type": "string", "format": "date", "description": "Extension: date the wait applies to."},
    "csa_referrals_open": {"type": "boolean", "description": "Extension: whether the latest waiting-time report "
                           "says the waiting list is open; a service whose status is not active takes no referrals "
                           "whatever this says."},
    "csa_referral_url": {"type": "string", "format": "uri", "description": "Extension: referral form."},
    "csa_other_languages": {"type": "string", "description": "Extension: other languages, as the provider wrote."},
    "csa_capacity_per_year": {"type": "integer", "description": "Extension: new referrals a year it can take."},
}

SERVICE = {
    "type": "object",
    "description": "An ORUK 3.0 service (https://openreferraluk.org/specifications/3.0/schema/service.json) "
    "with our `csa_` extension fields. `status` maps ours: taking referrals -> active, paused -> temporarily "
    "closed, closed -> inactive. Optional fields without a value are left out, never null.",
    "required": ["id", "name", "status"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "organization_id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "status": {"type": "string", "enum": ["active", "inactive", "defunct", "temporarily closed"]},
        "assured_date": {"type": "string", "format": "date",
                         "description": "When a person last confirmed the listing."},
        "last_modified": {"type": "string", "format": "date-time"},
        "wait_time": {"type": "string", "description": "HSDS's deprecated free text, written by the directory "
                      "(never a provider's own words) from the latest reported wait and the status, in the answer's "
                      "language: \"About 4 weeks (as of 2026-03-02)\", or why referrals are not taken now. Left "
                      "out if no wait was ever reported. For machines: `csa_wait_weeks`, `csa_wait_as_of`, "
                      "`csa_referrals_open` and `status`."},
        **_CSA_FIELDS,
    },
}


def _object(description: str, required: list[str]) -> dict:
    return {"type": "object", "description": description, "required": required,
            "properties": {name: {"type": "string"} for name in required}}


ORGANIZATION = _object("An ORUK 3.0 organization.", ["id", "name", "description"])
SERVICE_AT_LOCATION = _object(
    "An ORUK 3.0 service_at_location with its location. A location flagged \"do not publish\" has no address "
    "or coordinates and carries `csa_address_withheld: true`.", ["id"],
)
TAXONOMY = _object("An ORUK 3.0 taxonomy; ours (the CSA vocabulary) come first, then imported ones.",
                   ["id", "name", "description"])
TAXONOMY_TERM = _object("An ORUK 3.0 taxonomy term.", ["id", "name", "description"])
API_DETAILS = {
    "type": "object",
    "required": ["version", "profile", "openapi_url"],
    "properties": {"version": {"type": "string", "example": "HSDS-UK-3.0"},
                   "profile": {"type": "string", "format": "uri"},
                   "openapi_url": {"type": "string", "format": "uri"}},
}
ERROR = {
    "type": "object",
    "required": ["status", "detail"],
    "properties": {"status": {"type": "integer"}, "detail": {"type": "string", "description": "What is wrong."},
                   "parameter": {"type": "string", "description": "The query parameter at fault, for a 400."}},
}


# /api/schema/'s own parameters (api.SchemaView): any other, or another value, is a 400.
SCHEMA_FORMATS = ("yaml", "json")
SCHEMA_PARAMETERS = [
    _query("format", OpenApiTypes.STR, "`yaml` (the default) or `json`; or ask by `Accept` "
           "(`application/vnd.oai.openapi` or `application/yaml`; `application/vnd.oai.openapi+json` or "
           "`application/json`).", enum=list(SCHEMA_FORMATS)),
    _query("lang", OpenApiTypes.STR, "Checked as on every endpoint (`cy` or `en`, anything else is a 400); the "
           "document itself is in English in either language.", enum=LANGUAGE_CODES),
]


def schema_responses() -> dict:
    document = {"type": "object", "description": "An OpenAPI 3 document (this one)."}
    # drf-spectacular's four renderers: YAML and JSON, each under its OpenAPI and its plain media type.
    return {**{(200, media_type): document for media_type in ("application/vnd.oai.openapi", "application/yaml",
                                                              "application/vnd.oai.openapi+json", "application/json")},
            (400, "application/json"): ERROR, (406, "application/json"): ERROR}


def page_of(item: dict) -> dict:
    return {
        "type": "object",
        "description": "An HSDS page.",
        "required": ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty",
                     "contents"],
        "properties": {
            "total_items": {"type": "integer"}, "total_pages": {"type": "integer"},
            "page_number": {"type": "integer"}, "size": {"type": "integer", "description": "Items on this page."},
            "first_page": {"type": "boolean"}, "last_page": {"type": "boolean"}, "empty": {"type": "boolean"},
            "contents": {"type": "array", "items": item},
        },
    }


NDJSON = {"type": "string", "description": "With format=ndjson: every match, one JSON document per line, no paging."}


def list_responses(item: dict) -> dict:
    return {(200, "application/json"): page_of(item), (200, "application/x-ndjson"): NDJSON,
            (400, "application/json"): ERROR, (429, "application/json"): ERROR}


def detail_responses(item: dict) -> dict:
    # 400: every endpoint refuses a NUL in any parameter (OrukView.initial), and some take
    # parameters of their own (an organization's full_service).
    return {200: item, 400: ERROR, 404: ERROR, 429: ERROR}


def root_responses() -> dict:
    return {200: API_DETAILS, 400: ERROR, 429: ERROR}


def without_trailing_slashes(endpoints: list, **kwargs) -> list:
    """drf-spectacular preprocessing hook: ORUK paths have no trailing slash (one is accepted too)."""
    return [
        (path.rstrip("/") if path.startswith("/api/oruk/") and path != "/api/oruk/" else path, regex, method, view)
        for path, regex, method, view in endpoints
    ]


# What every open endpoint's answers carry (directory/oruk/middleware.py, api.OrukView), which
# drf-spectacular cannot say per view: an ETag and its 304, and a 429's Retry-After.
_RESPONSE_DESCRIPTIONS = {
    "200": "The answer.",
    "400": "A parameter is wrong: `parameter` names it and `detail` says why.",
    "404": "No record has this id.",
    "406": "The Accept header asks for a format this document is not given in.",
    "429": "Too many requests from this client: `Retry-After` says how many seconds to wait.",
}
NOT_MODIFIED = {
    "description": "Not Modified: the `If-None-Match` sent holds this answer's ETag, so it has not changed "
                   "since (no body). A whole feed (format=ndjson) and an error are never a 304."
}
ETAG_HEADER = {
    "description": "Names this answer, in its language: send it back in `If-None-Match` (with GET or HEAD) "
                   "to be answered 304 while it has not changed. Not on a whole feed (format=ndjson).",
    "schema": {"type": "string"},
}
RETRY_AFTER_HEADER = {"description": "Seconds to wait before asking again.", "schema": {"type": "string"}}


def document_empty_values(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every query parameter of the open APIs takes an empty
    value and reads it as absent (`?sort=` is `sort=name`; an HTML form sends `age=`), which OpenAPI
    3.0 says with `allowEmptyValue` (schemathesis, tests/api/, sends them). The gaps API's choices
    came out with `minLength: 1`, which said an empty value was refused: it is not."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else ():
                if parameter.get("in") != "query":
                    continue
                parameter["allowEmptyValue"] = True
                parameter.get("schema", {}).pop("minLength", None)
    return result


def document_conditional_requests(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every GET's 304 and ETag, a 429's Retry-After, and a
    description for each response (its blank one told a reader of the docs page nothing)."""
    for operations in result.get("paths", {}).values():
        responses = operations.get("get", {}).get("responses")
        if not responses:
            continue
        for code, response in responses.items():
            if not response.get("description"):
                response["description"] = _RESPONSE_DESCRIPTIONS.get(code, "")
        if "200" in responses:
            responses["200"].setdefault("headers", {})["ETag"] = ETAG_HEADER
            responses["304"] = NOT_MODIFIED
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = RETRY_AFTER_HEADER
    return result
