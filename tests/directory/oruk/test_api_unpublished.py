"""Nothing of an unpublished service reaches the feed: not where it is, not its organisation."""

from __future__ import annotations

import json

import pytest

from tests.factories import LocationFactory, OrganisationFactory, ServiceAtLocationFactory, ServiceFactory


@pytest.fixture
def awaiting(feed):
    """A new listing awaiting approval, at its own address, from an organisation with nothing else."""
    organisation = OrganisationFactory(name="Awaiting Approval Ltd", email="private@example.org",
                                       phone="01632 960999")
    service = ServiceFactory(organisation=organisation, name="New listing", is_published=False)
    link = ServiceAtLocationFactory(service=service, location=LocationFactory(organisation=organisation,
                                                                              address_1="7 Secret Lane"))
    return link


def test_the_location_of_an_unpublished_service_is_not_found(awaiting, api):
    response = api(f"service_at_locations/{awaiting.public_id}")

    assert response.status_code == 404
    assert "7 Secret Lane" not in response.content.decode()
    service = awaiting.service
    service.is_published = True
    service.save()  # a moderator approves it
    assert api(f"service_at_locations/{awaiting.public_id}").status_code == 200


def test_a_published_services_location_is_found(feed, api):
    link = feed.cardiff_therapy.service_at_locations.first()
    assert api(f"service_at_locations/{link.public_id}").status_code == 200


def _organisation_names(api, **params) -> set[str]:
    return {item["name"] for item in api("organizations", per_page=100, **params).json()["contents"]}


@pytest.mark.parametrize("params", [{}, {"full": "true"}, {"full_service": "true"}, {"search": "Approval"}])
def test_organisations_without_a_published_service_are_not_listed(awaiting, api, params):
    OrganisationFactory(name="Invited Only", email="invited@example.org")  # a moderator's invitation made it

    body = api("organizations", per_page=100, **params).json()

    names = {item["name"] for item in body["contents"]}
    assert not names & {"Awaiting Approval Ltd", "Invited Only"}
    assert body["total_items"] == len(body["contents"])
    assert "private@example.org" not in json.dumps(body)


def test_organisations_without_a_published_service_are_not_in_the_ndjson_feed_or_found(awaiting, api):
    lines = b"".join(api("organizations", format="ndjson").streaming_content).decode()
    assert "Awaiting Approval Ltd" not in lines and lines  # the published ones are there
    organisation = awaiting.service.organisation
    assert api(f"organizations/{organisation.public_id}").status_code == 404


def test_an_organisation_is_listed_once_its_listing_is_approved(awaiting, api):
    before = _organisation_names(api)
    service = awaiting.service
    service.is_published = True
    service.save()  # as a moderator's approval saves it

    assert _organisation_names(api) == before | {"Awaiting Approval Ltd"}
    assert api(f"organizations/{service.organisation.public_id}").status_code == 200


def test_an_organisation_with_several_published_services_is_listed_once(feed, api):
    ServiceFactory(organisation=feed.cardiff_therapy.organisation, name="Second service")
    names = [item["name"] for item in api("organizations", per_page=100).json()["contents"]]
    assert names.count(feed.cardiff_therapy.organisation.name) == 1
