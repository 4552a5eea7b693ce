"""A record's `last_modified` moves whenever what it publishes changes, so harvesters using
`modified_after` receive the change: the organisation it embeds and its locations included."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from directory.models import Location, Service
from tests.directory.oruk.test_import_export import export_text, run_import
from tests.factories import ServiceFactory


@pytest.fixture
def long_ago(feed):
    """Every service last modified a month ago, its waits too; each document stored and cached."""
    moment = timezone.now() - timedelta(days=30)
    for service in feed.services:
        service.waiting_times.update(recorded_at=moment)
    Service.objects.update(updated_at=moment)
    return moment


def _warm(api, service: Service) -> dict:
    """The service's document, asked for until it comes from the stored rendering and the cache."""
    for _ in range(3):
        body = api(f"services/{service.public_id}").json()
        api("services", full="true")
    return body


def _ids_modified_after(api, since) -> set[str]:
    return {item["id"] for item in api("services", modified_after=since.isoformat(), per_page=100).json()["contents"]}


def test_withholding_an_address_moves_last_modified_and_reaches_harvesters(feed, api, long_ago):
    service = feed.cardiff_therapy
    location = Location.objects.get(do_not_publish_address=False, service_at_locations__service=service)
    before = _warm(api, service)
    assert any("addresses" in link["location"] for link in before["service_at_locations"])
    assert str(service.public_id) not in _ids_modified_after(api, long_ago + timedelta(days=1))
    since = timezone.now()

    location.do_not_publish_address = True
    location.save()  # as the admin or a provider's form saves it

    after = api(f"services/{service.public_id}").json()
    assert not any("addresses" in link["location"] for link in after["service_at_locations"])
    assert all(link["location"].get("csa_address_withheld") for link in after["service_at_locations"])
    assert after["last_modified"] > before["last_modified"]
    assert str(service.public_id) in _ids_modified_after(api, since)
    listed = next(item for item in api("services", full="true", per_page=100).json()["contents"]
                  if item["id"] == str(service.public_id))
    assert listed == after
    assert _ids_modified_after(api, since) == {str(service.public_id)}  # no other service shows it


def test_a_changed_organisation_moves_the_last_modified_of_each_of_its_services(feed, api, long_ago):
    organisation = feed.cardiff_therapy.organisation
    sibling = ServiceFactory(organisation=organisation, name="Cardiff group")
    Service.objects.filter(pk=sibling.pk).update(updated_at=long_ago)
    before = _warm(api, feed.cardiff_therapy)
    since = timezone.now()

    organisation.email = "new@example.org"
    organisation.save()

    after = api(f"services/{feed.cardiff_therapy.public_id}").json()
    assert after["organization"]["email"] == "new@example.org"
    assert after["last_modified"] > before["last_modified"]
    assert _ids_modified_after(api, since) == {str(feed.cardiff_therapy.public_id), str(sibling.public_id)}


def test_an_import_that_changes_an_organisation_or_location_modifies_every_service_showing_it(feed, api, long_ago,
                                                                                               tmp_path):
    """The feed lists one service; its organisation's and location's changes show in others too."""
    organisation = feed.cardiff_therapy.organisation
    sibling = ServiceFactory(organisation=organisation, name="Cardiff group")
    shared = Location.objects.get(do_not_publish_address=False, service_at_locations__service=feed.cardiff_therapy)
    other = feed.swansea_advocacy
    other.service_at_locations.create(location=shared)
    Service.objects.update(updated_at=long_ago)
    document = next(d for d in json.loads(export_text()) if d["id"] == str(feed.cardiff_therapy.public_id))
    document["organization"]["email"] = "changed@example.org"
    for link in document["service_at_locations"]:
        if link["location"]["id"] == str(shared.public_id):
            link["location"]["addresses"][0]["address_1"] = "9 Moved Street"
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([document]))
    before = _warm(api, other)
    since = timezone.now()

    out, err = run_import(path)

    assert "1 updated" in out, err
    assert _ids_modified_after(api, since) == {
        str(feed.cardiff_therapy.public_id), str(sibling.public_id), str(other.public_id)}
    after = api(f"services/{other.public_id}").json()
    assert after["last_modified"] > before["last_modified"]
    assert "9 Moved Street" in json.dumps(after)


def test_an_import_that_changes_nothing_modifies_nothing(feed, api, long_ago, tmp_path):
    path = tmp_path / "feed.json"
    path.write_text(export_text())
    since = timezone.now()

    run_import(path)

    assert _ids_modified_after(api, since) == set()
