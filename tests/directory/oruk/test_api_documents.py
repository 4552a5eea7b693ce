"""What the feed says about a service: mappings, extensions, omissions and withheld addresses."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from directory.models import Service
from directory.oruk import documents, selectors, serializers
from directory.oruk import taxonomy as published
from tests.factories import WaitingTimeReportFactory


def _walk(node, path="$"):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")
    else:
        yield path, node


def test_optional_fields_are_left_out_never_null(feed, api):
    for path in ["services?full=true", "organizations?full_service=true", "service_at_locations", "taxonomies",
                 "taxonomy_terms"]:
        nulls = [p for p, value in _walk(api(path).json()) if value is None]
        assert nulls == [], path
    helpline = api(f"services/{feed.wales_helpline.public_id}").json()
    assert "description" not in helpline  # blank in the database
    assert "assured_date" in helpline
    advocacy = api(f"services/{feed.swansea_advocacy.public_id}").json()
    assert "assured_date" not in advocacy  # never confirmed
    assert "csa_wait_weeks" in advocacy and "csa_wait_weeks" not in helpline  # no report yet


def test_statuses_map_to_the_hsds_enum(feed, api):
    statuses = {item["name"]: item["status"] for item in api("services").json()["contents"]}
    assert statuses["Cardiff therapy"] == "active"
    assert statuses["HSB service"] == "temporarily closed"
    assert statuses["Closed parents group"] == "inactive"


def test_a_service_carries_its_areas_languages_ages_freshness_and_current_wait(feed, api):
    doc = api(f"services/{feed.cardiff_therapy.public_id}").json()
    assert doc["service_areas"][0]["uri"] == "http://statistics.data.gov.uk/id/statistical-geography/W06000015"
    assert doc["service_areas"][0]["name"] == "Cardiff"
    assert {(lang["name"], lang["code"]) for lang in doc["languages"]} == {("English", "en"), ("Welsh", "cy")}
    assert (doc["minimum_age"], doc["maximum_age"]) == (4, 12.5)
    assert doc["assured_date"] == date.today().isoformat()
    assert doc["csa_wait_weeks"] == 4  # the latest report, not the older 10 weeks
    assert doc["csa_wait_as_of"] == (date.today() - timedelta(days=3)).isoformat()
    assert doc["csa_referrals_open"] is True
    assert doc["wait_time"].startswith("About 4 weeks")
    assert doc["csa_abuse_forms"] == ["intra_familial", "online"]
    assert doc["csa_audiences"] == ["child", "parent_carer"]
    assert doc["csa_disclosure_required"] is False and doc["csa_pre_trial_therapy"] is True
    assert doc["phones"][0]["number"] == "01632 960101"
    assert doc["email"] == "referrals@example.org"
    assert doc["eligibility_description"] == "Children living in Cardiff"
    identifiers = {i["identifier_scheme"]: i["identifier"] for i in doc["organization"]["organization_identifiers"]}
    assert identifiers == {"GB-CHC": "1234567", "GB-COH": "07654321"}


def test_attributes_link_our_published_terms_and_imported_ones(feed, api):
    doc = api(f"services/{feed.cardiff_therapy.public_id}").json()
    term_ids = {attribute["taxonomy_term_id"] for attribute in doc["attributes"]}
    ours = {str(term.public_id): term for term in published.all_terms()}
    codes = {(ours[t].key, ours[t].code) for t in term_ids if t in ours}
    assert ("abuse_forms", "intra_familial") in codes and ("abuse_forms", "online") in codes
    assert ("abuse_forms", "cse") not in codes
    assert ("referral_criteria", "disclosure_not_required") in codes
    assert ("referral_criteria", "pre_trial_therapy") in codes
    assert str(feed.imported_term.public_id) in term_ids
    imported = next(a for a in doc["attributes"] if a["taxonomy_term_id"] == str(feed.imported_term.public_id))
    assert imported["taxonomy_term"]["parent_id"] == str(feed.imported_term.parent.public_id)
    assert imported["taxonomy_term"]["taxonomy_id"] == str(feed.imported_taxonomy.public_id)


def test_a_do_not_publish_location_never_shows_its_address_or_point(feed, api):
    hidden = feed.cardiff_therapy.service_at_locations.get(location__do_not_publish_address=True)
    both = (api(f"services/{feed.cardiff_therapy.public_id}"), api("service_at_locations"),
            api("services", full="true", format="ndjson"))
    for response in (*both, api(f"service_at_locations/{hidden.public_id}")):
        text = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"Therapy house" in text
        # The factory gives both locations the same street and point; only the public one may show them.
        expected = 1 if response in both else 0
        assert (text.count(b"1 High Street"), text.count(b"51.4816")) == (expected, expected)
    doc = api(f"service_at_locations/{hidden.public_id}").json()
    assert doc["location"] == {"id": str(hidden.location.public_id), "location_type": "physical",
                               "name": "Therapy house", "csa_address_withheld": True}


def test_a_public_address_gives_the_nation_when_no_county_is_known(feed, api):
    doc = api(f"services/{feed.cardiff_therapy.public_id}").json()
    public = next(link for link in doc["service_at_locations"] if "addresses" in link["location"])
    assert public["location"]["addresses"][0]["state_province"] == "Wales"
    assert public["location"]["addresses"][0]["postal_code"] == "CF10 1EP"


def test_last_modified_moves_when_a_new_wait_is_reported(feed, api):
    Service.objects.filter(pk=feed.wales_helpline.pk).update(updated_at=timezone.now() - timedelta(days=30))
    before = api(f"services/{feed.wales_helpline.public_id}").json()["last_modified"]
    feed.wales_helpline.waiting_times.create(weeks=2, as_of=date.today())
    after = api(f"services/{feed.wales_helpline.public_id}").json()["last_modified"]
    assert after > before


def test_summaries_in_lists_leave_out_nested_arrays_that_full_adds(feed, api):
    summary = api("services").json()["contents"][0]
    full = api("services", full="true").json()["contents"][0]
    assert "service_at_locations" not in summary and "attributes" not in summary
    assert {"service_at_locations", "attributes", "service_areas", "languages"} <= set(full)


def test_our_taxonomies_have_stable_published_ids(db, api):
    # Consumers store these ids: they must never change.
    abuse = published.taxonomy_by_key("abuse_forms")
    assert str(abuse.public_id) == "23053774-518a-53c8-b36b-facdfe2b4e2b"
    body = api(f"taxonomies/{abuse.public_id}").json()
    assert [term["code"] for term in body["taxonomy_terms"]] == [
        "intra_familial", "extra_familial", "cse", "harmful_sexual_behaviour", "online"
    ]
    ids = [term.public_id for term in published.all_terms()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("full", ["true", "false"])
def test_ndjson_lines_are_the_lists_documents_in_its_order(feed, api, full):
    listed = api("services", full=full, per_page=100).json()["contents"]
    for stored_first in (False, True):  # documents built on the way, then read from the store
        response = api("services", full=full, format="ndjson")
        lines = b"".join(response.streaming_content).decode().splitlines()
        assert [json.loads(line) for line in lines] == listed, stored_first
    cardiff = api("services", full=full, format="ndjson", coverage="W06000015")
    assert {json.loads(line)["name"] for line in b"".join(cardiff.streaming_content).decode().splitlines()} == {
        doc["name"] for doc in api("services", full=full, coverage="W06000015").json()["contents"]}


@pytest.mark.parametrize(("flag", "full"), [("full_service", True), ("full", False)])
def test_organisations_carry_their_services_documents_as_built_from_the_rows(feed, api, flag, full):
    # The reference: every service's document built again from its rows, as before they were stored.
    reference = [
        serializers.organisation_document(o, services=[serializers.service_document(s, full=full) for s in o.services.all()])
        for o in selectors.organisation_feed_queryset(services="full" if full else "summary")
    ]
    for stored_first in (False, True):  # documents built on the way, then read from the store
        assert api("organizations", **{flag: "true"}, per_page=100).json()["contents"] == reference, stored_first
        lines = b"".join(api("organizations", **{flag: "true"}, format="ndjson").streaming_content).decode()
        assert [json.loads(line) for line in lines.splitlines()] == reference, stored_first
    assert sum(len(doc["services"]) for doc in reference) == Service.objects.published().count() > 1


@pytest.mark.parametrize(("path", "params"), [
    ("services", {}), ("services", {"full": "true"}), ("organizations", {}), ("organizations", {"full_service": "true"}),
    ("service_at_locations", {}), ("taxonomies", {}), ("taxonomy_terms", {}),
])
def test_every_ndjson_line_is_the_lists_document_as_the_list_writes_it(feed, api, path, params):
    # A line separator in a name: `str.splitlines()` (and other readers) end a line there if it is not escaped.
    organisation = feed.cardiff_therapy.organisation
    organisation.name = "Cardiff\u2028Children\u2029s Charity"
    organisation.save()
    listed = api(path, per_page=100, **params).content.decode()
    items = json.loads(listed)["contents"]

    body = b"".join(api(path, format="ndjson", **params).streaming_content).decode()

    assert body.splitlines() == [documents.json_text(item) for item in items]
    assert all(line in listed for line in body.splitlines())  # the same text the list writes
    if path in ("services", "organizations"):  # the documents that hold the organisation's name
        assert "\\u2028" in body


def test_ndjson_streams_every_match_without_paging(feed, api):
    response = api("services", format="ndjson", per_page=1)
    assert response["Content-Type"].startswith("application/x-ndjson")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == len(feed.services)


def test_the_free_text_wait_says_whether_referrals_are_taken_now_the_status_first(feed, api):
    """A paused service's latest report may still say its list is open: a consumer that shows only
    wait_time read "About 30 weeks" beside nothing saying the service was paused."""
    WaitingTimeReportFactory(service=feed.swansea_advocacy, weeks=20, referrals_open=False)  # active, list closed
    documents_by_name = {item["name"]: item for item in api("services", full="true").json()["contents"]}
    built = {s.name: serializers.service_document(s, full=True)
             for s in selectors.service_feed_queryset(full=True).filter(pk__in=[s.pk for s in feed.services])}

    for texts in ({name: doc["wait_time"] for name, doc in documents_by_name.items() if "wait_time" in doc},
                  {name: doc["wait_time"] for name, doc in built.items() if "wait_time" in doc}):
        assert texts["HSB service"] == "Not taking referrals for now: referrals are paused"
        assert texts["Closed parents group"] == "Not taking referrals: the service has closed"
        assert re.fullmatch(r"Not taking referrals for now: waiting list closed \(as of \d{4}-\d\d-\d\d\)",
                            texts["Swansea advocacy"])
        assert texts["Cardiff therapy"].startswith("About 4 weeks")
    assert documents_by_name["HSB service"]["status"] == "temporarily closed"
