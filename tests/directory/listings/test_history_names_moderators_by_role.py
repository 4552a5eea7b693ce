"""A listing's history, as its provider sees it, names a moderator by role ("a moderator"), as every
email does; the provider's own colleagues by address, as before; and a moderator still sees addresses."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from directory.accounts.models import Membership
from directory.listings import services
from tests.directory.listings.conftest import form_data
from tests.factories import MembershipFactory, UserFactory


def _edit(service, by, **changes):
    services.service_edit(service=service, values=services.form_values_from_service(service, **changes), by=by)


@pytest.fixture
def moderated(client, provider, moderator, service):
    """A listing its provider edited, a moderator edited, recorded a wait on, and decided a change to."""
    _edit(service, provider, referral_phone="02999 999999")
    _edit(service, moderator, referral_phone="02888 888888")
    services.wait_update(service=service, weeks=3, referrals_open=True, by=moderator)
    client.force_login(provider)
    client.post(reverse("listings:service_edit", args=[service.public_id]), form_data(service, age_max="16"))
    change = service.changes.get(state="pending")
    services.change_reject(change=change, by=moderator, reason="Say which ages you take.")
    return service


def _history(client, user, service, language="en"):
    client.force_login(user)
    with translation.override(language):
        address = reverse("listings:history", args=[service.public_id])
    return client.get(address).content.decode().replace("<wbr>", "")


def test_its_provider_sees_a_moderator_by_role_and_colleagues_by_address(client, provider, moderated):
    page = _history(client, provider, moderated)
    assert "mod@example.org" not in page
    assert page.count("by a moderator") == 2  # the edit, the decision
    assert ">a moderator</td>" in page  # the wait it recorded
    assert "by own@example.org" in page and "– own@example.org" in page  # their own edit, and what they sent


def test_a_moderator_still_sees_the_moderators_address(client, moderator, moderated):
    page = _history(client, moderator, moderated)
    assert "by mod@example.org" in page and ">mod@example.org</td>" in page
    assert "by a moderator" not in page


def test_welsh_names_a_moderator_with_the_mutation_after_gan(client, provider, moderated):
    page = _history(client, provider, moderated, language="cy")
    assert "mod@example.org" not in page
    assert "gan gymedrolwr" in page and ">cymedrolwr</td>" in page


def test_someone_who_has_left_the_organisation_is_not_named_to_its_provider(client, provider, org, service):
    leaver = UserFactory(username="left@example.org", email="left@example.org")
    MembershipFactory(user=leaver, organisation=org)
    _edit(service, leaver, referral_phone="02777 777777")
    Membership.objects.filter(user=leaver).delete()
    page = _history(client, provider, service)
    assert "left@example.org" not in page
    assert "by someone outside your organisation" in page
