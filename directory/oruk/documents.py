"""Service documents built from plain rows (`selectors.service_feed_rows`), and their JSON.

The same documents `serializers.service_document` builds from model instances, key for key and
in the same order (tests/directory/oruk/test_documents.py holds the two equal), for the paths that
build many at once: a page of the API and `export_oruk`. Building Service instances with their
prefetched relations, and reading translated fields through modeltranslation's descriptors, took
most of a first view of a full page (~2 ms a service); dicts from `values()` take a fraction.

`json_text` writes what DRF's JSONRenderer writes, so a page can be put together from each
service's JSON (cached on its own) without parsing or dumping the documents again.
"""

from __future__ import annotations

import json
import uuid
from functools import lru_cache
from types import SimpleNamespace

from django.utils.translation import get_language
from modeltranslation.utils import get_language as translation_language
from modeltranslation.utils import resolution_order
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings

from directory import vocabulary
from directory.bilingual import area_display_name
from directory.oruk.selectors import FeedRows
from directory.oruk.serializers import (
    _ONS_CODE,
    STATUS_TO_HSDS,
    _compact,
    _published_term_documents,
    json_number,
    location_document,
    organisation_document,
    taxonomy_term_document,
    timestamp,
    unstated_left_out,
    unstated_taxonomies,
    wait_text,
)
from directory.oruk.taxonomy import _NAMESPACE_SHA1, all_terms

# DRF's separators (item, key) as its JSONRenderer uses them without an indent.
_SEPARATORS = (",", ":") if api_settings.COMPACT_JSON else (", ", ": ")
_ITEM_SEPARATOR = _SEPARATORS[0].encode()  # between a list's items, as UTF-8 bytes


# The UUID's variant bits replace the top two of its 17th hex digit: 8, 9, a or b.
_VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 0x3] for digit in "0123456789abcdef"}


def derived_id_text(*parts: str) -> str:
    """`str(taxonomy.derived_id(*parts))` for string parts, without building a UUID object (a full
    page derives ~15 ids a service)."""
    digest = _NAMESPACE_SHA1.copy()
    digest.update("/".join(parts).encode())
    text = digest.hexdigest()
    return f"{text[:8]}-{text[8:12]}-5{text[13:16]}-{_VARIANT_DIGIT[text[16]]}{text[17:20]}-{text[20:32]}"


def _translated(row: dict, name: str, languages: tuple[str, ...]) -> str:
    """modeltranslation's read of a translated field: the first non-empty language in fallback
    order, else the field's default (an empty string for ours)."""
    for language in languages:
        value = row[f"{name}_{language}"]
        if value is not None and value != "":
            return value
    return ""


def _organisation(row: dict, languages: tuple[str, ...]) -> dict:
    organisation = SimpleNamespace(
        public_id=row["organisation__public_id"],
        name=_translated(row, "organisation__name", languages),
        description=_translated(row, "organisation__description", languages),
        email=row["organisation__email"],
        website=row["organisation__website"],
        phone=row["organisation__phone"],
        charity_number=row["organisation__charity_number"],
        company_number=row["organisation__company_number"],
        is_sample=row["organisation__is_sample"],
    )
    return organisation_document(organisation)


def _scalars(row: dict, sid: str, languages: tuple[str, ...]) -> dict:
    weeks = row["current_wait_weeks"]
    last_modified = row["feed_last_modified"] or row["updated_at"]
    return unstated_left_out(_compact(
        {
            "id": sid,
            "organization_id": str(row["organisation__public_id"]),
            "name": _translated(row, "name", languages),
            "description": _translated(row, "description", languages),
            "email": row["referral_email"],
            "status": STATUS_TO_HSDS[row["status"]],
            "minimum_age": json_number(row["age_min"]),
            "maximum_age": json_number(row["age_max"]),
            "assured_date": row["last_confirmed_at"].isoformat() if row["last_confirmed_at"] is not None else None,
            "last_modified": timestamp(last_modified) if last_modified else None,
            "application_process": _translated(row, "how_to_refer", languages),
            "eligibility_description": _translated(row, "eligibility", languages),
            "fees_description": row["cost_note"],
            "wait_time": (
                wait_text(weeks, row["current_wait_as_of"], row["current_referrals_open"], row["status"])
                if weeks is not None else None
            ),
        }
    ), row["unstated_by_import"])


def _extensions(row: dict) -> dict:
    document = {
        f"csa_{concept}": [code for code, _label in choices if row[fields[code]]]
        for concept, (choices, fields) in vocabulary.MULTI_VALUED.items()
    }
    document |= {
        "csa_disclosure_required": row["disclosure_required"],
        "csa_pre_trial_therapy": row["pre_trial_therapy"],
        "csa_requires_proceedings_finished": row["requires_proceedings_finished"],
        "csa_welsh_available": row["welsh_available"],
        "csa_free": row["is_free"],
    }
    document = unstated_left_out(document, row["unstated_by_import"])
    if row["current_wait_weeks"] is not None:
        document |= {
            "csa_wait_weeks": row["current_wait_weeks"],
            "csa_wait_as_of": row["current_wait_as_of"].isoformat(),
            "csa_referrals_open": row["current_referrals_open"],
        }
    return document | _compact(
        {
            "csa_referral_url": row["referral_url"],
            "csa_other_languages": row["other_languages"],
            "csa_capacity_per_year": row["capacity_per_year"],
            "csa_sample_data": True if row["organisation__is_sample"] else None,
        }
    )


def _areas(sid: str, areas: list[tuple[str, str, str]], language: str) -> list[dict]:
    documents = []
    for code, name, name_cy in sorted(areas):  # codes are unique, so this is the reference's sort by code
        document = {"id": derived_id_text("service_area", sid, code), "service_id": sid,
                    "name": area_display_name(name, name_cy, language)}
        if _ONS_CODE.match(code):
            document["uri"] = f"http://statistics.data.gov.uk/id/statistical-geography/{code}"
        document["csa_area_code"] = code
        documents.append(document)
    return documents


def _link(sid: str, link: dict) -> dict:
    location = SimpleNamespace(**{name[10:]: value for name, value in link.items() if name.startswith("location__")})
    return {"id": str(link["public_id"]), "service_id": sid, "location_id": str(location.public_id),
            "location": location_document(location)}


def _imported_term(row: dict) -> SimpleNamespace:
    parent_id, taxonomy_id = row["taxonomyterm__parent__public_id"], row["taxonomyterm__taxonomy__public_id"]
    return SimpleNamespace(
        public_id=row["taxonomyterm__public_id"],
        code=row["taxonomyterm__code"],
        name=row["taxonomyterm__name"],
        description=row["taxonomyterm__description"],
        term_uri=row["taxonomyterm__term_uri"],
        parent_id=parent_id,
        parent=SimpleNamespace(public_id=parent_id),
        taxonomy_id=taxonomy_id,
        taxonomy=SimpleNamespace(name=row["taxonomyterm__taxonomy__name"], public_id=taxonomy_id),
    )


def _attribute(sid: str, term_id: str, term_document: dict) -> dict:
    return {
        "id": derived_id_text("attribute", sid, term_id),
        "link_id": sid,
        "link_entity": "service",
        "taxonomy_term_id": term_id,
        "taxonomy_term": term_document,
    }


def _imported_attributes(sid: str, imported: list[dict]) -> list[dict]:
    terms = sorted((_imported_term(term) for term in imported), key=lambda t: (t.name, str(t.public_id)))
    return [_attribute(sid, str(term.public_id), taxonomy_term_document(term)) for term in terms]


def _attributes(row: dict, sid: str, imported: list[dict], published: dict) -> list[dict]:
    attributes = []
    left_out = unstated_taxonomies(row["unstated_by_import"])
    for term in all_terms():
        if row[term.field] == term.value and term.key not in left_out:
            document = dict(published[(term.key, term.code)])  # a copy: documents are never shared
            attributes.append(_attribute(sid, document["id"], document))
    return attributes + _imported_attributes(sid, imported)


def _head(row: dict, sid: str, rows: FeedRows, languages: tuple[str, ...], *, full: bool) -> dict:
    """The document up to its attributes (which come last before the extension fields)."""
    document = _scalars(row, sid, languages)
    document["organization"] = _organisation(row, languages)
    if full:
        pk = row["pk"]
        spoken = [("English", "en")] + ([("Welsh", "cy")] if row["welsh_available"] else [])
        phone = row["referral_phone"]
        document["service_areas"] = _areas(sid, rows.areas.get(pk, []), languages[0])
        document["service_at_locations"] = [_link(sid, link) for link in rows.links.get(pk, [])]
        document["languages"] = [
            {"id": derived_id_text("language", sid, code), "service_id": sid, "name": name, "code": code}
            for name, code in spoken
        ]
        document["phones"] = (
            [{"id": derived_id_text("phone", sid, "referral"), "service_id": sid, "number": phone,
              "description": "Referrals"}]
            if phone
            else []
        )
    return document


def service_documents(rows: FeedRows, *, full: bool) -> dict[uuid.UUID, dict]:
    """Each service's document by public id, in the active language: equal to
    `serializers.service_document(service, full=full)` for the same service."""
    languages = resolution_order(translation_language())
    published = _published_term_documents(get_language() or "en")
    documents = {}
    for row in rows.services:
        sid = str(row["public_id"])
        document = _head(row, sid, rows, languages, full=full)
        if full:
            document["attributes"] = _attributes(row, sid, rows.terms.get(row["pk"], []), published)
        documents[row["public_id"]] = document | _extensions(row)
    return documents


@lru_cache(maxsize=8)
def _published_attribute_parts(language: str) -> tuple[tuple[str, bool, str, str, str], ...]:
    """Each published term in publication order as (service field, value, term id, the JSON of an
    attribute linking it after the attribute's own "id" and "link_id": the same for every service,
    its taxonomy's key)."""
    documents = _published_term_documents(language)
    parts = []
    for term in all_terms():
        document = documents[(term.key, term.code)]
        text = json_text({"link_entity": "service", "taxonomy_term_id": document["id"], "taxonomy_term": document})
        parts.append((term.field, term.value, document["id"], _SEPARATORS[0] + text[1:], term.key))
    return tuple(parts)


def service_json(rows: FeedRows, *, full: bool) -> dict[uuid.UUID, str]:
    """`json_text` of each of `service_documents(rows, full=full)`, written faster: the attributes
    linking our taxonomies (~10 a service, most of a full document's JSON) are put together from
    JSON written once per term and language, instead of being built as dicts and dumped."""
    languages = resolution_order(translation_language())
    published = _published_attribute_parts(get_language() or "en")
    item, colon = _SEPARATORS
    texts = {}
    for row in rows.services:
        sid = str(row["public_id"])
        head, extensions = _head(row, sid, rows, languages, full=full), _extensions(row)
        if not full:
            texts[row["public_id"]] = json_text(head | extensions)
            continue
        attributes = []
        left_out = unstated_taxonomies(row["unstated_by_import"])
        for field, value, term_id, tail, key in published:
            if row[field] == value and key not in left_out:
                attribute_id = derived_id_text("attribute", sid, term_id)  # hex and hyphens: nothing to escape
                attributes.append(f'{{"id"{colon}"{attribute_id}"{item}"link_id"{colon}"{sid}"{tail}')
        attributes += map(json_text, _imported_attributes(sid, rows.terms.get(row["pk"], [])))
        # head and extensions each hold at least one key, so neither is "{}".
        texts[row["public_id"]] = (
            f'{json_text(head)[:-1]}{item}"attributes"{colon}[{item.join(attributes)}]{item}{json_text(extensions)[1:]}'
        )
    return texts


def json_text(data: object) -> str:
    """Exactly what DRF's JSONRenderer renders for `data` (as our views use it: no indent), as text.

    The renderer is one `json.dumps` of the whole body, so a list's JSON is its items' JSON joined
    by the separator: a page can be put together from cached pieces."""
    text = json.dumps(
        data, cls=JSONRenderer.encoder_class, ensure_ascii=JSONRenderer.ensure_ascii,
        allow_nan=not JSONRenderer.strict, separators=_SEPARATORS,
    )
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def json_with_items(envelope: dict, key: str, items: list[str]) -> bytes:
    """`JSONRenderer().render(envelope | {key: [items as JSON]})` from the items' `json_text`;
    `key` must be the envelope's last key."""
    return f"{_list_head(envelope, key)}{_SEPARATORS[0].join(items)}]}}".encode()


def utf8_with_items(envelope: dict, key: str, items: list[bytes]) -> bytes:
    """`json_with_items` from the items' `json_text` as UTF-8 bytes (stored documents as the
    database sends them): one copy of the items, where decoding, joining and encoding made four."""
    parts = [_list_head(envelope, key).encode()]
    for item in items:
        parts += (item, _ITEM_SEPARATOR)
    if items:
        parts.pop()  # the separator after the last
    parts.append(b"]}")
    return b"".join(parts)


def _list_head(envelope: dict, key: str) -> str:
    """The JSON of `envelope` with `key`, its last key, an empty list, up to that list's "[" included."""
    head = json_text(envelope | {key: []})
    if not head.endswith("[]}"):
        raise ValueError(f"{key!r} must be the last key")
    return head[:-2]
