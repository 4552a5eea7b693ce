"""The documents built from plain rows (`documents.service_documents`) equal the reference
`serializers.service_document` built from model instances, key for key and in the same order, and
`documents.json_text` writes what DRF's renderer writes: the API and `export_oruk` rely on both."""

from __future__ import annotations

import io
import json
import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation
from rest_framework.renderers import JSONRenderer

from directory import vocabulary
from directory.models import Area, Service, Taxonomy, TaxonomyTerm
from directory.oruk import documents, exporter, selectors
from directory.oruk.serializers import service_document
from directory.oruk.taxonomy import derived_id
from directory.reference_data import load_areas
from directory.sample_directory import load_sample_directory
from tests.factories import (
    ClosedServiceFactory,
    HiddenLocationFactory,
    LocationFactory,
    OrganisationFactory,
    PausedServiceFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    WaitingTimeReportFactory,
)

pytestmark = pytest.mark.django_db

FLAGS = sorted({field for _choices, fields in vocabulary.MULTI_VALUED.values() for field in fields.values()})


def _reference(public_ids: list[uuid.UUID], *, full: bool) -> dict[uuid.UUID, dict]:
    rows = selectors.service_feed_queryset(full=full).filter(public_id__in=public_ids)
    return {service.public_id: service_document(service, full=full) for service in rows}


def _fast(public_ids: list[uuid.UUID], *, full: bool) -> dict[uuid.UUID, dict]:
    return documents.service_documents(selectors.service_feed_rows(public_ids=public_ids, full=full), full=full)


def assert_same_documents(public_ids: list[uuid.UUID]) -> int:
    """Fast == reference in both languages and shapes, compared as JSON (so key order counts), and
    the JSON the API caches (`service_json`) == the reference's JSON."""
    checked = 0
    for language in ("en", "cy"):
        with translation.override(language):
            for full in (True, False):
                reference, fast = _reference(public_ids, full=full), _fast(public_ids, full=full)
                texts = documents.service_json(selectors.service_feed_rows(public_ids=public_ids, full=full), full=full)
                assert fast.keys() == reference.keys() == texts.keys()
                for public_id, document in reference.items():
                    expected = documents.json_text(document)
                    assert documents.json_text(fast[public_id]) == expected, (language, full)
                    assert texts[public_id] == expected, (language, full)
                    checked += 1
    return checked


def _random_service(rng: random.Random, areas: list[Area], terms: list[TaxonomyTerm], n: int) -> Service:
    def maybe(text: str) -> str:
        return text if rng.random() < 0.6 else ""

    organisation = OrganisationFactory(
        name=f"Organisation {n}", name_cy=maybe(f"Sefydliad {n}"), description=maybe("Charity\u2028line"),
        description_cy=maybe("Elusen"), email=maybe("info@example.org"), website=maybe("https://example.org/"),
        phone=maybe("01632 960000"), charity_number=maybe("123"), company_number=maybe("0456"),
        is_sample=rng.random() < 0.3,
    )
    flags = {field: rng.random() < 0.4 for field in FLAGS}
    flags["supports_child"] = True
    pre_trial = rng.random() < 0.3
    age_min = Decimal(rng.choice(["0", "4", "5.5", "11"]))
    service = rng.choice([ServiceFactory, PausedServiceFactory, ClosedServiceFactory])(
        organisation=organisation, name=f"Service {n} – “quoted” ü", name_cy=maybe(f"Gwasanaeth {n} ŵ"),
        description=maybe("Support\u2029for children"), description_cy=maybe("Cymorth"),
        eligibility=maybe("Children in Wales"), eligibility_cy=maybe("Plant"), how_to_refer=maybe("Call"),
        how_to_refer_cy=maybe("Ffoniwch"), referral_email=maybe("r@example.org"), referral_phone=maybe("01632"),
        referral_url=maybe("https://example.org/refer"), other_languages=maybe("Polish"), cost_note=maybe("Free"),
        capacity_per_year=rng.choice([None, 0, 40]), welsh_available=rng.random() < 0.5, is_free=rng.random() < 0.8,
        disclosure_required=rng.random() < 0.5, pre_trial_therapy=pre_trial,
        requires_proceedings_finished=not pre_trial and rng.random() < 0.4, age_min=age_min,
        age_max=age_min + Decimal(rng.choice(["1", "7", "7.5"])),
        last_confirmed_at=rng.choice([None, date(2025, 3, 1)]), coverage=rng.sample(areas, rng.randint(0, 3)),
        # What an import did not state is left out of both builds alike.
        unstated_by_import=rng.choice([[], [], ["age_min", "age_max", "cost", "delivery"], ["age_max", "delivery"]]),
        **flags,
    )
    for _ in range(rng.randint(0, 3)):
        as_of = date(2026, 1, 1) + timedelta(days=rng.randint(0, 3))  # ties: the latest recorded wins
        WaitingTimeReportFactory(service=service, weeks=rng.randint(0, 3), as_of=as_of,
                                 referrals_open=rng.random() < 0.8)
    for i in range(rng.randint(0, 3)):
        factory = HiddenLocationFactory if rng.random() < 0.3 else LocationFactory
        location = factory(
            organisation=organisation, name=rng.choice(["Office", "Hub", "Annex"]) + f" {i}", county=maybe("Powys"),
            postcode=rng.choice(["", "CF10 1EP", "sa1 1aa", "BS1 4DJ"]), address_1=maybe("1 High Street"),
            latitude=None if rng.random() < 0.3 else 51.5, longitude=-3.2,
        )
        ServiceAtLocationFactory(service=service, location=location)
    service.taxonomy_terms.set(rng.sample(terms, rng.randint(0, len(terms))))
    return service


def test_it_builds_the_reference_documents_for_the_feed_fixture(feed):
    feed.cardiff_therapy.name_cy = "Therapi Caerdydd"
    feed.cardiff_therapy.description_cy = "Cymorth"
    feed.cardiff_therapy.save()
    feed.cardiff_therapy.organisation.name_cy = "Elusen Plant Caerdydd"
    feed.cardiff_therapy.organisation.save()
    public_ids = [service.public_id for service in feed.services]

    assert assert_same_documents(public_ids) == 4 * len(public_ids)


def test_it_builds_the_reference_documents_for_generated_services(wales_areas):
    rng = random.Random(7)
    taxonomy = Taxonomy.objects.create(name="Imported", description="")
    parent = TaxonomyTerm.objects.create(taxonomy=taxonomy, name="Parent", description="")
    terms = [
        TaxonomyTerm.objects.create(taxonomy=taxonomy, name="Same name", code="A", description="x", parent=parent),
        TaxonomyTerm.objects.create(taxonomy=taxonomy, name="Same name", code="B", description=""),
        TaxonomyTerm.objects.create(taxonomy=None, name="No taxonomy", term_uri="https://example.org/t"),
    ]
    areas = [*wales_areas.values(), Area.objects.create(code="BOARD1", name="A board", kind="health_board")]
    services = [_random_service(rng, areas, terms, n) for n in range(40)]
    ServiceFactory(is_published=False)  # never in the feed

    assert assert_same_documents([service.public_id for service in services]) == 4 * 40
    assert assert_same_documents([uuid.uuid4()]) == 0


def test_it_builds_the_reference_documents_for_the_sample_directory(db):
    load_areas()
    load_sample_directory()
    public_ids = list(Service.objects.published().values_list("public_id", flat=True))

    assert assert_same_documents(public_ids) == 4 * len(public_ids) > 0


def test_it_reads_the_rows_in_a_fixed_number_of_queries(feed, django_assert_num_queries):
    few, many = [feed.cardiff_therapy.public_id], [service.public_id for service in feed.services]
    for public_ids in (few, many, few):  # a second time with as many ids reuses the compiled SQL
        with django_assert_num_queries(4):
            selectors.service_feed_rows(public_ids=public_ids, full=True)
        with django_assert_num_queries(1):
            selectors.service_feed_rows(public_ids=public_ids, full=False)


def test_the_export_is_the_reference_documents_in_public_id_order(feed):
    expected = [
        service_document(service, full=True)
        for service in selectors.service_feed_queryset(full=True).order_by("public_id")
    ]
    stream = io.StringIO()

    exporter.write_export(stream)

    assert stream.getvalue() == "[" + ",".join("\n" + documents.json_text(d) for d in expected) + "\n]\n"


def test_the_export_reads_the_stored_documents_a_query_a_chunk(feed, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(exporter, "CHUNK", 2)
    first = io.StringIO()
    exporter.write_export(first)  # builds and stores the documents
    again = io.StringIO()
    chunks = -(-len(feed.services) // 2)

    with django_assert_num_queries(2 + chunks):  # the ids, the version, one read a chunk
        exporter.write_export(again, ndjson=True)

    assert [json.loads(line) for line in again.getvalue().splitlines()] == json.loads(first.getvalue())


def test_the_export_shows_a_change_made_after_its_documents_were_stored(feed):
    exporter.write_export(io.StringIO())
    service = feed.services[0]
    service.name = "Renamed after the documents were stored"
    service.save()
    stream = io.StringIO()

    exporter.write_export(stream)

    names = {d["id"]: d["name"] for d in json.loads(stream.getvalue())}
    assert names[str(service.public_id)] == "Renamed after the documents were stored"


def test_json_text_is_what_the_renderer_writes():
    data = {"a": ["ü", "\u2028", "\u2029", '"', 1.5, 4, None, True], "b": {"c": "ŵ 🙂"}}

    assert documents.json_text(data).encode() == JSONRenderer().render(data)


def test_a_page_spliced_from_item_json_is_what_the_renderer_writes():
    items = [{"id": "1", "name": "ü\u2028"}, {"id": "2"}]
    envelope = {"total_items": 2, "empty": False, "contents": items}

    spliced = documents.json_with_items(envelope, "contents", [documents.json_text(item) for item in items])

    assert spliced == JSONRenderer().render(envelope)
    assert documents.json_with_items(envelope | {"contents": []}, "contents", []) == JSONRenderer().render(
        envelope | {"contents": []}
    )
    with pytest.raises(ValueError):
        documents.json_with_items({"contents": [], "last": 1}, "contents", [])


def test_a_page_spliced_from_items_utf8_bytes_is_what_the_renderer_writes():
    items = [{"id": "1", "name": "Ynys Môn ŵ 🙂 \u2028"}, {"id": "2"}, {"id": "3", "name": "’"}]
    envelope = {"total_items": 3, "empty": False, "contents": items}

    spliced = documents.utf8_with_items(envelope, "contents", [documents.json_text(item).encode() for item in items])

    assert spliced == JSONRenderer().render(envelope)
    assert documents.utf8_with_items(envelope, "contents", [b'{"id":"1"}']) == JSONRenderer().render(
        envelope | {"contents": [{"id": "1"}]}
    )
    assert documents.utf8_with_items(envelope | {"contents": []}, "contents", []) == JSONRenderer().render(
        envelope | {"contents": []}
    )
    with pytest.raises(ValueError):
        documents.utf8_with_items({"contents": [], "last": 1}, "contents", [])


def test_derived_id_text_is_the_derived_uuid():
    sid = str(uuid.uuid4())

    assert documents.derived_id_text("attribute", sid, "x/ŵ") == str(derived_id("attribute", sid, "x/ŵ"))
