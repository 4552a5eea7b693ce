"""What an imported record leaves unsaid of a service's ages, cost and delivery is marked, shown as
"Not stated" and left out of our own feed, while the search still finds the service."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from directory.models import Service
from directory.oruk import bulk_import
from tests.directory.oruk.test_import_export import run_import

SERVICE = "5f0c1d7e-2b1a-4c3e-9d8f-0a1b2c3d4e60"
CARDIFF = "W06000015"
EVERYTHING = ["age_min", "age_max", "cost", "delivery"]
# Our deciding criteria, so that the service is published (a record silent on them is held).
CRITERIA = {"csa_abuse_forms": ["intra_familial"], "csa_audiences": ["child"], "csa_referrers": ["professional"],
            "csa_disclosure_required": False}


@pytest.fixture(params=["in bulk", "record by record"])
def path_taken(request, monkeypatch):
    if request.param == "record by record":
        monkeypatch.setattr(bulk_import.FastPath, "offer", lambda self, *args: False)
    return request.param


def _record(**given) -> dict:
    return {
        "id": SERVICE, "name": "Family therapy hub", "status": "active",
        "organization": {"id": "0d6f4a52-7c1e-4f0a-b3c2-9e8d7f6a5b4d", "name": "Hub charity"},
        "service_areas": [{"name": "Cardiff", "csa_area_code": CARDIFF}],
    } | CRITERIA | given


def _import(tmp_path, *records: dict) -> str:
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(list(records)))
    out, err = run_import(path)
    assert "0 rejected" in out, err
    return out


@pytest.fixture
def silent(wales_areas, tmp_path, path_taken) -> Service:
    """A published service whose record says nothing of its ages, cost or delivery."""
    _import(tmp_path, _record(fees_description="£10 a session, bursaries available"))
    return Service.objects.get(public_id=SERVICE)


# --- the import marks, a later record clears ---------------------------------------------------


def test_a_new_service_silent_on_ages_cost_and_delivery_is_marked_and_stored_as_what_any_search_matches(silent):
    assert silent.is_published
    assert silent.unstated_by_import == EVERYTHING
    assert (silent.age_min, silent.age_max) == (Decimal("0"), Decimal("25"))
    assert (silent.delivery_in_person, silent.delivery_outreach, silent.delivery_phone,
            silent.delivery_online) == (True, True, True, True)


def test_a_record_stating_them_marks_nothing(wales_areas, tmp_path, path_taken):
    _import(tmp_path, _record(minimum_age=5, maximum_age=16, csa_free=False, csa_delivery_modes=["online"]))

    service = Service.objects.get(public_id=SERVICE)
    assert service.unstated_by_import == []
    assert (service.age_min, service.age_max, service.is_free, service.delivery_in_person,
            service.delivery_online) == (Decimal("5"), Decimal("16"), False, False, True)


def test_ages_given_as_minus_one_are_not_stated(wales_areas, tmp_path, path_taken):
    """Real feeds (Bristol's) send -1 for "not set": that states no age either."""
    _import(tmp_path, _record(minimum_age=-1, maximum_age=-1, csa_free=True, csa_delivery_modes=["phone"]))

    assert Service.objects.get(public_id=SERVICE).unstated_by_import == ["age_min", "age_max"]


def test_a_later_record_stating_a_fact_clears_its_mark_even_with_the_value_stored(silent, tmp_path):
    """csa_free true is what was stored already: the record now says it, so it is no longer a filler."""
    out = _import(tmp_path, _record(csa_free=True, maximum_age=18))

    assert "1 updated" in out
    service = Service.objects.get(pk=silent.pk)
    assert service.unstated_by_import == ["age_min", "delivery"]
    assert (service.is_free, service.age_max) == (True, Decimal("18"))


def test_a_later_record_still_silent_leaves_the_marks_and_changes_nothing(silent, tmp_path):
    out = _import(tmp_path, _record(fees_description="£10 a session, bursaries available"))

    assert "1 unchanged" in out
    assert Service.objects.get(pk=silent.pk).unstated_by_import == EVERYTHING


def test_a_record_silent_on_a_value_someone_stated_does_not_mark_it(wales_areas, tmp_path, path_taken):
    _import(tmp_path, _record(minimum_age=5, maximum_age=16, csa_free=False, csa_delivery_modes=["online"]))

    _import(tmp_path, _record())

    service = Service.objects.get(public_id=SERVICE)
    assert service.unstated_by_import == []
    assert (service.age_min, service.is_free) == (Decimal("5"), False)


def test_a_later_record_giving_an_age_as_minus_one_marks_it_again(wales_areas, tmp_path, path_taken):
    _import(tmp_path, _record(minimum_age=5, maximum_age=16, csa_free=False, csa_delivery_modes=["online"]))

    _import(tmp_path, _record(maximum_age=-1))

    service = Service.objects.get(public_id=SERVICE)
    assert service.unstated_by_import == ["age_max"]
    assert service.age_max == Decimal("25")


# --- what people see -----------------------------------------------------------------------------


def _page(client, service: Service) -> str:
    return client.get(f"/services/{service.public_id}/").content.decode()


def test_the_service_page_says_not_stated_instead_of_the_fillers(silent, client):
    body = _page(client, silent)

    assert "0 to 25 years" not in body
    assert "In person, Outreach / home visits" not in body
    assert "Free" not in body
    # The ages and delivery rows say "Not stated"; the cost row the publisher's own fees description.
    assert body.count("<dd class=\"govuk-summary-list__value\">Not stated</dd>") == 2
    assert "<dd class=\"govuk-summary-list__value\">£10 a session, bursaries available</dd>" in body


def test_the_service_page_says_not_stated_for_a_cost_with_no_description_either(wales_areas, tmp_path, client):
    _import(tmp_path, _record(minimum_age=5, maximum_age=16, csa_delivery_modes=["online"]))
    service = Service.objects.get(public_id=SERVICE)

    body = _page(client, service)

    assert "5 to 16 years" in body
    assert "Free" not in body
    assert body.count("<dd class=\"govuk-summary-list__value\">Not stated</dd>") == 1


def test_a_stated_listing_still_shows_its_values(wales_areas, tmp_path, client):
    _import(tmp_path, _record(minimum_age=5, maximum_age=16, csa_free=True, csa_delivery_modes=["online"]))

    body = _page(client, Service.objects.get(public_id=SERVICE))

    assert "5 to 16 years" in body
    assert ">Online</dd>" in body
    assert ">Free</dd>" in body


def test_the_search_finds_it_for_any_age_and_way_of_giving_support_and_its_card_says_not_stated(silent, client):
    """Its ages and delivery are unknown, not excluded: a child of 20, and a search for phone support."""
    body = client.get("/search/", {"la": CARDIFF, "age": "20", "delivery": "phone"}).content.decode()

    assert "Family therapy hub" in body
    assert "Ages: not stated" in body
    assert "Not stated: how support is given." in body
    assert "Ages 0 to 25" not in body


def test_the_referral_pack_and_the_a_to_z_say_the_ages_are_not_stated(silent, client):
    client.post("/shortlist/add/", {"service": str(silent.public_id)})

    pack = client.get("/shortlist/").content.decode()
    a_to_z = client.get("/services/", {"letter": "F"}).content.decode()

    assert "Family therapy hub" in pack
    assert "ages not stated" in pack
    assert "ages 0 to 25" not in pack
    assert "Family therapy hub" in a_to_z
    assert "ages not stated." in a_to_z
    assert "ages 0 to 25" not in a_to_z


# --- our own feed --------------------------------------------------------------------------------


def test_our_feed_leaves_out_what_the_record_did_not_state(silent, api):
    single = api(f"services/{silent.public_id}").json()
    listed = next(item for item in api("services", full="true").json()["contents"] if item["id"] == SERVICE)
    summary = next(item for item in api("services").json()["contents"] if item["id"] == SERVICE)

    for document in (single, listed, summary):
        for key in ("minimum_age", "maximum_age", "csa_free", "csa_delivery_modes"):
            assert key not in document
        assert document["fees_description"] == "£10 a session, bursaries available"
        assert document["csa_referrers"] == ["professional"]  # the rest as before
    for document in (single, listed):
        taxonomies = {a["taxonomy_term"].get("taxonomy_id") for a in document["attributes"]}
        terms = {a["taxonomy_term"]["name"] for a in document["attributes"]}
        assert "In person" not in terms and "Phone" not in terms
        assert len(taxonomies) > 1  # other attributes are still published


def test_our_feed_publishes_what_a_record_stated(wales_areas, tmp_path, api):
    _import(tmp_path, _record(minimum_age=5, maximum_age=-1, csa_free=False, csa_delivery_modes=["online"]))

    document = api(f"services/{SERVICE}").json()

    assert document["minimum_age"] == 5
    assert "maximum_age" not in document
    assert (document["csa_free"], document["csa_delivery_modes"]) == (False, ["online"])
    assert "Online" in {a["taxonomy_term"]["name"] for a in document["attributes"]}


def test_our_feed_reimported_keeps_the_service_marked(silent, api, tmp_path):
    """Left out, not published empty: our export read back says nothing of them, so nothing is stated."""
    document = api(f"services/{silent.public_id}").json()

    out = _import(tmp_path, document)

    assert "1 unchanged" in out
    assert Service.objects.get(pk=silent.pk).unstated_by_import == EVERYTHING
