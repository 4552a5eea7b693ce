from __future__ import annotations

import pytest

from directory.accounts.services import account_language_set, moderator_create
from directory.listings import fields
from directory.models import Service
from tests.factories import (
    LocationFactory,
    MembershipFactory,
    OrganisationFactory,
    PostcodeFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    UserFactory,
)


@pytest.fixture
def org(db):
    return OrganisationFactory(name="Own organisation")


# The provider and moderator chose English for their emails, so the tests of what is sent read its
# English wording; tests/directory/test_mail_languages.py tests Welsh and both.
@pytest.fixture
def provider(org):
    user = UserFactory(username="own@example.org", email="own@example.org")
    MembershipFactory(user=user, organisation=org)
    account_language_set(user=user, language="en")
    return user


@pytest.fixture
def other_provider(db):
    user = UserFactory(username="other@example.org", email="other@example.org")
    MembershipFactory(user=user, organisation=OrganisationFactory(name="Other organisation"))
    return user


@pytest.fixture
def moderator(db):
    user = moderator_create(email="mod@example.org", password="a-long-test-password").user
    account_language_set(user=user, language="en")
    return user


@pytest.fixture
def areas(wales_areas):
    return wales_areas


@pytest.fixture
def service(org, areas):
    return ServiceFactory(
        organisation=org, name="Own service", referral_phone="01000 000000", wait_weeks=6,
        coverage=[areas["W06000015"]],
    )


@pytest.fixture
def office(service):
    """The service's published office, with a point from its postcode."""
    return ServiceAtLocationFactory(service=service, location=LocationFactory(
        organisation=service.organisation, name="Main office", address_1="1 High Street", postcode="CF10 1EP",
    )).location


@pytest.fixture
def bangor_postcode(db):
    return PostcodeFactory(postcode="LL57 1LH", latitude=53.2274, longitude=-4.1293, lad_code="W06000001")


@pytest.fixture
def users(provider, other_provider, moderator):
    return {"anonymous": None, "own_provider": provider, "other_provider": other_provider, "moderator": moderator}


@pytest.fixture
def client_as(client, users):
    """client_as(role) -> a test client signed in as that role (or anonymous)."""

    def make(role: str):
        user = users[role]
        if user is not None:
            client.force_login(user)
        return client

    return make


def form_data(service: Service, **overrides) -> dict:
    """POST data for the full edit form, as the browser would send it for this service, opened now."""
    from directory.listings.services import service_version

    values = fields.snapshot(service, [a.code for a in service.coverage_areas.all()])
    values.update(overrides)
    data = {}
    for field, value in values.items():
        if field == fields.COVERAGE:
            from directory.models import Area

            data[field] = [a.pk for a in Area.objects.filter(code__in=value)]
        elif isinstance(value, bool):
            if value:
                data[field] = "on"
        elif value is None:
            data[field] = ""
        else:
            data[field] = str(value)
    data["opened_version"] = service_version(service) or 0
    return data
