"""The import keeps unmapped data it is not given again, and its report says what really changed."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError

from directory.models import Service, ServiceChange
from directory.oruk import bulk_import
from tests.directory.oruk.test_import_export import export_text, run_import

KEPT = {"pc_metadata": {"source": "another publisher"}, "url": "https://example.org/service"}


@pytest.fixture(params=["in bulk", "record by record"])
def path_taken(request, monkeypatch):
    if request.param == "record by record":
        monkeypatch.setattr(bulk_import.FastPath, "offer", lambda self, *args: False)
    return request.param


@pytest.fixture
def kept(feed):
    """The Cardiff service as imported from another publisher, with data we cannot map."""
    Service.objects.filter(pk=feed.cardiff_therapy.pk).update(raw_extensions=KEPT)
    return Service.objects.get(pk=feed.cardiff_therapy.pk)


def test_reimporting_our_own_export_keeps_unmapped_data_and_changes_nothing(kept, tmp_path, path_taken):
    path = tmp_path / "feed.json"
    path.write_text(export_text())

    out, err = run_import(path)

    assert "Nothing changed: 0 new, 0 updated, 5 unchanged, 0 rejected" in out, err
    service = Service.objects.get(pk=kept.pk)
    assert service.raw_extensions == KEPT
    assert service.updated_at == kept.updated_at


def test_a_change_to_unmapped_data_alone_is_kept_and_said_but_leaves_last_modified(kept, api, tmp_path, path_taken):
    document = next(d for d in json.loads(export_text()) if d["id"] == str(kept.public_id))
    before = api(f"services/{kept.public_id}").json()
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([document | {"url": "https://example.org/moved"}]))

    out, err = run_import(path)

    assert "Saved: 0 new, 1 updated, 0 unchanged" in out, err
    assert "only unmapped data changed (kept, not published)" in out
    service = Service.objects.get(pk=kept.pk)
    assert service.raw_extensions == KEPT | {"url": "https://example.org/moved"}
    assert service.updated_at == kept.updated_at
    assert api(f"services/{kept.public_id}").json() == before


def test_a_feed_listing_a_service_twice_reports_the_second(feed, tmp_path, path_taken):
    documents = json.loads(export_text())
    renamed = documents[0] | {"name": "Another name"}
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([documents[0], documents[1], renamed]))

    with pytest.raises(CommandError, match="1 of 3 records is invalid"):
        out, err = run_import(path)
    out, err = run_import(path, "--skip-invalid")

    assert "Nothing changed: 0 new, 0 updated, 2 unchanged, 1 rejected" in out, err
    assert f"rejected service {documents[0]['id']}: the feed gave this id already, in record 1" in err
    assert not Service.objects.filter(name="Another name").exists()


DEFAULTS_NOTE = "new service given this directory's defaults where its record says nothing"
BRISTOL = "2a3483ea-8966-4f50-9dc3-7bafa1e5c623"


def _bristol_record() -> dict:
    from tests.directory.oruk.test_import_export import SAMPLES

    return json.loads((SAMPLES / "oruk3" / "bristol_service_2a3483ea.json").read_text(encoding="utf-8-sig"))


def test_a_new_service_whose_record_is_silent_on_our_criteria_is_reported_with_the_defaults_it_got(
    wales_areas, tmp_path, path_taken
):
    """Another publisher's record (Bristol's, ORUK 3.0) says nothing of who may refer, disclosure or
    cost; the new service still publishes "No verbal disclosure required", "free" and the rest, so
    the publisher is told which, by the fields they would send to say otherwise."""
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([_bristol_record()]))

    out, err = run_import(path, "--dry-run")
    assert f"1 x {DEFAULTS_NOTE}" in out, err

    out, err = run_import(path, "-v", "2")

    assert "Saved: 1 new" in out, err
    detail = next(line for line in out.splitlines() if BRISTOL in line and DEFAULTS_NOTE in line)
    for stated in ("csa_audiences ['child']", "csa_referrers ['professional']", "csa_delivery_modes ['in_person', 'outreach', 'phone', 'online']",
                   "csa_disclosure_required false", "csa_free true", "csa_welsh_available false"):
        assert stated in detail
    # Its ages were given (as -1, "not set", noted on their own line), so they are not repeated here.
    assert "minimum_age" not in detail
    service = Service.objects.get(public_id=BRISTOL)
    assert (service.supports_child, service.disclosure_required, service.is_free) == (True, False, True)


def test_a_record_that_states_our_criteria_gets_no_defaults_note(feed, tmp_path, path_taken):
    documents = json.loads(export_text())
    Service.objects.all().delete()
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(documents))

    out, err = run_import(path)

    assert f"Saved: {len(documents)} new" in out, err
    assert DEFAULTS_NOTE not in out


def test_an_update_silent_on_our_criteria_changes_nothing_and_gets_no_defaults_note(wales_areas, tmp_path, path_taken):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([_bristol_record()]))
    run_import(path)
    Service.objects.filter(public_id=BRISTOL).update(disclosure_required=True, is_free=False)

    out, err = run_import(path)

    assert "Nothing changed: 0 new, 0 updated, 1 unchanged" in out, err
    assert DEFAULTS_NOTE not in out
    assert Service.objects.filter(public_id=BRISTOL, disclosure_required=True, is_free=False).exists()


def test_a_bare_record_is_reported_with_every_default_it_got_including_its_ages(wales_areas, path_taken):
    """The CQC feed's records carry only an id, a name, a status and an organisation."""
    from tests.directory.oruk.test_import_export import SAMPLES

    out, err = run_import(SAMPLES / "envelope-variants" / "cqc_porism_services_page1.json", "-v", "2")

    assert "Saved: 2 new" in out, err
    notes = [line for line in out.splitlines() if DEFAULTS_NOTE in line]
    assert len(notes) == 2
    assert all("minimum_age 0, maximum_age 25, csa_audiences ['child']" in note for note in notes)
    assert all("csa_disclosure_required false" in note for note in notes)


HELD_NOTE = "not published until a moderator confirms its criteria"
COUNCIL = "5f0c1d7e-2b1a-4c3e-9d8f-0a1b2c3d4e5f"
CARDIFF = "W06000015"
STATED = {"csa_abuse_forms": ["intra_familial"], "csa_audiences": ["child"], "csa_referrers": ["professional"],
          "csa_disclosure_required": True}


def _council_record(**stated) -> dict:
    """A council directory's record of a service in Cardiff, as another publisher gives it: nothing of
    who may refer, who is supported, the forms of abuse, or whether a verbal disclosure is needed."""
    return {
        "id": COUNCIL, "name": "Family support hub", "status": "active",
        "organization": {"id": "0d6f4a52-7c1e-4f0a-b3c2-9e8d7f6a5b4c", "name": "Cardiff Council family services"},
        "service_areas": [{"name": "Cardiff", "csa_area_code": CARDIFF}],
    } | stated


@pytest.fixture
def moderator_client(client, db):
    from directory.accounts.services import moderator_create

    client.force_login(moderator_create(email="mod@example.org", password="a-long-test-password").user)
    return client


def test_a_new_service_whose_record_leaves_our_criteria_unsaid_waits_for_a_moderator(
    wales_areas, tmp_path, path_taken, api, client
):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([_council_record()]))

    out, err = run_import(path, "-v", "2")

    assert "Saved: 1 new" in out, err
    detail = next(line for line in out.splitlines() if COUNCIL in line and DEFAULTS_NOTE in line)
    assert (f"{HELD_NOTE} (not stated: csa_abuse_forms, csa_audiences, csa_disclosure_required, csa_referrers)"
            in detail)
    assert "1 new service not published until a moderator confirms their criteria" in out
    service = Service.objects.get(public_id=COUNCIL)
    assert not service.is_published
    # Nowhere public: not the search a social worker filters, its page, nor our own feed.
    body = client.get("/search/", {"la": CARDIFF, "age": "9", "no_disclosure": "on"}).content.decode()
    assert "Family support hub" not in body
    assert client.get(f"/services/{COUNCIL}/").status_code == 404
    assert api(f"services/{COUNCIL}").status_code == 404
    assert COUNCIL not in {item["id"] for item in api("services").json()["contents"]}
    change = ServiceChange.objects.get(service=service)
    assert (change.kind, change.state, change.held_because) == ("new", "pending", "criteria_not_stated")


def test_an_imported_service_waiting_for_its_criteria_is_in_the_moderators_queue_with_why(
    wales_areas, tmp_path, moderator_client
):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([_council_record()]))
    run_import(path)
    change = ServiceChange.objects.get(service__public_id=COUNCIL)

    queue = moderator_client.get("/moderation/").content.decode()
    assert "Family support hub" in queue
    assert "Imported: referral criteria not stated" in queue
    page = moderator_client.get(f"/moderation/changes/{change.pk}/").content.decode()
    assert "Imported: referral criteria not stated" in page
    assert "this directory's defaults, not the provider's" in page
    assert "Wedi&#x27;i fewnforio: meini prawf atgyfeirio heb eu nodi" in moderator_client.get("/cy/moderation/").content.decode()
    welsh = moderator_client.get(f"/cy/moderation/changes/{change.pk}/").content.decode()
    assert "rhagosodiadau'r cyfeiriadur hwn" in welsh


def test_a_new_service_whose_record_states_our_criteria_is_published(wales_areas, tmp_path, path_taken, api, client):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([_council_record(**STATED)]))

    out, err = run_import(path, "-v", "2")

    assert "Saved: 1 new" in out, err
    assert HELD_NOTE not in out
    assert Service.objects.get(public_id=COUNCIL).is_published
    assert not ServiceChange.objects.exists()
    assert api(f"services/{COUNCIL}").status_code == 200
    assert "Family support hub" in client.get("/search/", {"la": CARDIFF, "age": "9"}).content.decode()


def test_stating_no_form_of_abuse_is_stating_it(wales_areas, tmp_path, path_taken):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([_council_record(**STATED | {"csa_abuse_forms": []})]))

    run_import(path)

    assert Service.objects.get(public_id=COUNCIL).is_published


def test_one_criterion_unsaid_is_enough_to_wait(wales_areas, tmp_path, path_taken):
    stated = {key: value for key, value in STATED.items() if key != "csa_disclosure_required"}
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([_council_record(**stated)]))

    out, err = run_import(path, "-v", "2")

    assert f"{HELD_NOTE} (not stated: csa_disclosure_required)" in out, err
    assert not Service.objects.get(public_id=COUNCIL).is_published


def test_an_update_from_a_record_silent_on_our_criteria_leaves_a_published_service_published(
    wales_areas, tmp_path, path_taken
):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([_council_record(**STATED)]))
    run_import(path)
    path.write_text(json.dumps([_council_record(name="Family support hub (renamed)")]))

    out, err = run_import(path)

    assert "Saved: 0 new, 1 updated" in out, err
    assert HELD_NOTE not in out
    assert Service.objects.filter(public_id=COUNCIL, name="Family support hub (renamed)", is_published=True).exists()
    assert not ServiceChange.objects.exists()


def test_an_update_stating_our_criteria_leaves_a_waiting_service_waiting(wales_areas, tmp_path, path_taken):
    """Only a moderator publishes it: a later record that states them does not."""
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([_council_record()]))
    run_import(path)
    path.write_text(json.dumps([_council_record(**STATED)]))

    out, err = run_import(path)

    assert "Saved: 0 new, 1 updated" in out, err
    assert not Service.objects.get(public_id=COUNCIL).is_published
    assert ServiceChange.objects.get(service__public_id=COUNCIL).state == "pending"


def test_email_addresses_in_unmapped_data_are_left_out_and_said(kept, tmp_path, path_taken):
    # A council's feed names the person who checked each record ("assurer_email",
    # "pc_metadata.assured_by"): personal data the directory never publishes, and was keeping.
    document = next(d for d in json.loads(export_text()) if d["id"] == str(kept.public_id))
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([document | {
        "assurer_email": "contact94@example.org",
        "pc_metadata": {"source": "another publisher", "assured_by": " Contact94@Example.org "},
        "x_notes": ["keep this", "someone@example.org", {"by": "a.person@example.co.uk", "n": 2}],
    }]))

    out, err = run_import(path)

    assert "1 x email addresses left out of data this directory cannot map" in out, err
    service = Service.objects.get(pk=kept.pk)
    assert service.raw_extensions == KEPT | {"x_notes": ["keep this", {"n": 2}]}
    assert "@" not in json.dumps(service.raw_extensions)


def test_an_email_address_an_earlier_import_kept_is_left_out_on_the_next(kept, tmp_path, path_taken):
    Service.objects.filter(pk=kept.pk).update(raw_extensions=KEPT | {"assurer_email": "contact94@example.org"})
    path = tmp_path / "feed.json"
    path.write_text(export_text())

    out, err = run_import(path)

    assert "Saved: 0 new, 1 updated, 4 unchanged" in out, err
    assert Service.objects.get(pk=kept.pk).raw_extensions == KEPT


SAME_NAME_WARNING = "1 name is shared by listings of one organisation"


def test_a_new_service_named_like_another_of_its_organisation_is_kept_and_listed(feed, tmp_path, path_taken):
    """The listings' pages refuse a second listing of one name; an import matches by id, so it keeps
    it (the publisher may list one service at two places) but says so, for a moderator to check."""
    document = next(d for d in json.loads(export_text()) if d["id"] == str(feed.cardiff_therapy.public_id))
    twin_id = "0b0b0b0b-0000-4000-8000-000000000001"
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([document | {"id": twin_id, "name": "CARDIFF THERAPY"}]))

    out, err = run_import(path)

    assert "Saved: 1 new" in out, err
    assert SAME_NAME_WARNING in out
    assert (f'  Cardiff Children\'s Charity: "Cardiff therapy": services {feed.cardiff_therapy.public_id}, '
            f"{twin_id}\n") in out
    assert Service.objects.filter(organisation=feed.cardiff_therapy.organisation).count() == 2
    again, err = run_import(path)  # nothing new to check: not said again every night
    assert "Nothing changed" in again and SAME_NAME_WARNING not in again, err


def test_a_dry_run_says_what_it_would_do_not_what_it_did(feed, tmp_path, path_taken):
    """A dry run rolls back: its lines said "created" and "Kept" of records it saved nothing of."""
    documents = {d["id"]: d for d in json.loads(export_text())}
    changed = documents[str(feed.swansea_advocacy.public_id)] | {"name": "Swansea advocacy service"}
    twin = documents[str(feed.cardiff_therapy.public_id)] | {"id": "0b0b0b0b-0000-4000-8000-000000000001",
                                                              "name": "CARDIFF THERAPY"}
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([changed, twin]))

    out, err = run_import(path, "--dry-run", "-v", "2")

    assert "Dry run, nothing saved: 1 new, 1 updated" in out, err
    assert f"] service {feed.swansea_advocacy.public_id}: would update\n" in out
    assert f"] service {twin['id']}: would create\n" in out
    assert ": created" not in out and ": updated" not in out
    assert f"{SAME_NAME_WARNING}, which look the same on its dashboard and in the search. They would be kept, as " in out
    assert not Service.objects.filter(public_id=twin["id"]).exists()


def test_a_name_another_organisation_lists_is_not_warned_about(feed, tmp_path, path_taken):
    document = next(d for d in json.loads(export_text()) if d["id"] == str(feed.swansea_advocacy.public_id))
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([document | {"name": "Cardiff therapy"}]))

    out, err = run_import(path)

    assert "Saved: 0 new, 1 updated" in out, err
    assert "shared by listings" not in out
