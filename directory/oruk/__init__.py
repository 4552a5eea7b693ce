"""Open Referral UK 3.0 (HSDS 3.0) publishing and consuming.

- `taxonomy`: our CSA vocabulary published as taxonomies with stable UUIDs (served from code).
- `params`: query-parameter parsing for the read API (pure; every bad value is a 400 message).
- `selectors`: the querysets the API and the exporter read, with flat query counts.
- `serializers`: model rows -> HSDS documents (optional fields omitted, never null).
- `api`, `urls`, `middleware`: the read API at /api/oruk/ with open CORS and anonymous throttling.
- `sources`, `records`, `importer`, `exporter`: `import_oruk` and `export_oruk`.
"""
