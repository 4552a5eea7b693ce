"""Validate documents against the HSDS 3.0.1 and ORUK 3.0 schemas copied in ./hsds, offline.

The response schema for an API path is the one the profile's own openapi.json names (as the
ORUK validator does); every $ref resolves to the local copies and nothing is fetched.
"""

from __future__ import annotations

import json
import urllib.parse
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent / "hsds"

PROFILES = {
    "oruk": {
        "folder": "oruk/3.0", "base": "https://openreferraluk.org/specifications/3.0/", "openapi": "openapi.json",
        "aliases": {}, "fixes": {},
    },
    "hsds": {
        "folder": ".", "base": "https://raw.githubusercontent.com/openreferral/specification/3.0/",
        "openapi": "schema/openapi.json",
        "aliases": {f"schema/compiled/{name}.json": f"schema/{name}.json"
                    for name in ("service", "organization", "service_at_location")},
        # HSDS 3.0.1's openapi.json gives the service schema here; ORUK corrected it.
        "fixes": {"/service_at_locations/{id}": "schema/service_at_location.json"},
    },
}


def _refuse(uri: str):
    raise NoSuchResource(ref=uri)


@cache
def _registry(profile: str) -> tuple[Registry, dict, str]:
    spec = PROFILES[profile]
    root = SCHEMA_DIR / spec["folder"]
    openapi_uri = spec["base"] + spec["openapi"]
    openapi = json.loads((root / spec["openapi"]).read_text(encoding="utf-8"))
    resources = {openapi_uri: Resource.from_contents(openapi, default_specification=DRAFT202012)}
    for path in sorted((root / "schema").rglob("*.json")):
        uri = spec["base"] + path.relative_to(root).as_posix()
        if uri != openapi_uri:
            resources[uri] = Resource.from_contents(json.loads(path.read_text(encoding="utf-8")),
                                                    default_specification=DRAFT202012)
    for published, local in spec["aliases"].items():
        resources[spec["base"] + published] = DRAFT202012.create_resource({"$ref": spec["base"] + local})
    return Registry(retrieve=_refuse).with_resources(resources.items()), openapi, openapi_uri


@cache
def validator(profile: str, api_path: str) -> Draft202012Validator:
    registry, openapi, openapi_uri = _registry(profile)
    assert "schema" in openapi["paths"][api_path]["get"]["responses"]["200"]["content"]["application/json"]
    pointer = "/".join(
        urllib.parse.quote(part.replace("~", "~0").replace("/", "~1"), safe="~")
        for part in ("paths", api_path, "get", "responses", "200", "content", "application/json", "schema")
    )
    schema = {"$ref": f"{openapi_uri}#/{pointer}"}
    if api_path in PROFILES[profile]["fixes"]:
        schema = {"$ref": PROFILES[profile]["base"] + PROFILES[profile]["fixes"][api_path]}
    return Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(document: object, api_path: str) -> list[str]:
    """Every error on both profiles ('[oruk] $.contents[0].id: ...'); [] when valid."""
    errors = []
    if "{id}" not in api_path and api_path != "/":
        if not isinstance(document, dict) or not isinstance(document.get("contents"), list):
            errors.append("[envelope] no 'contents' array")
    for profile in PROFILES:
        for error in validator(profile, api_path).iter_errors(document):
            errors.append(f"[{profile}] {error.json_path}: {error.message[:200]}")
    return errors
