"""What a moderator is told after deciding a change: the provider's email goes once the decision is
saved, and only if someone can be emailed, so the message says what is done, not that an email went;
and a reason typed for a change its provider has replaced meanwhile is not lost."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse
from django.utils import translation

from directory.listings import services
from directory.models import ServiceChange
from tests.directory.listings.conftest import form_data


@pytest.fixture
def pending(client, provider, service):
    client.force_login(provider)
    client.post(reverse("listings:service_edit", args=[service.public_id]), form_data(service, age_max="16"))
    return ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)


def _decide(client, moderator, change, action, language="en"):
    client.force_login(moderator)
    # The version the change's page showed (its approve form sends it): the listing as it is now.
    seen = services.service_version(change.service) or 0
    data = {"seen_version": seen} if action == "approve" else {"reason": "Say which ages you take."}
    with translation.override(language):
        address = reverse(f"listings:change_{action}", args=[change.pk])
    response = client.post(address, data, follow=True)
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(("action", "said"), [
    ("approve", "Approved and published: Own service. Its provider is emailed to say so."),
    ("reject", "Not approved: Own service. Its provider is emailed the reason."),
])
def test_the_moderator_is_told_the_provider_is_emailed(client, moderator, pending, action, said):
    page = _decide(client, moderator, pending, action)
    assert said in page
    assert "has been emailed" not in page  # it is sent after the decision is saved, and may yet fail


@pytest.mark.parametrize(("action", "said"), [
    ("approve", "Approved and published: Own service."),
    ("reject", "Not approved: Own service."),
])
def test_nothing_is_said_of_an_email_when_nobody_can_be_emailed(client, provider, moderator, pending, action, said):
    provider.email = ""
    provider.save()  # and the organisation has no other editor with an address
    page = _decide(client, moderator, pending, action)
    assert said in page
    assert "emailed" not in page.split(said)[1].split("<")[0]
    assert "Its provider is emailed" not in page


def test_welsh_says_the_provider_is_emailed_the_reason(client, moderator, pending):
    page = _decide(client, moderator, pending, "reject", language="cy")
    assert "Heb ei gymeradwyo: Own service. Anfonir e-bost at ei ddarparwr gyda'r rheswm." in page


def test_a_reason_typed_for_a_replaced_change_is_kept_in_the_later_versions_form(
    client, provider, moderator, service, pending,
):
    client.post(reverse("listings:service_edit", args=[service.public_id]), form_data(service, age_max="15"))
    later = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)
    client.force_login(moderator)
    response = client.post(reverse("listings:change_reject", args=[pending.pk]),
                           {"reason": "Say which ages you take, please."}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("listings:change_detail", args=[later.pk])
    page = html.unescape(response.content.decode())
    assert "the reason you typed is in the box below, to send if it still applies." in page
    assert ">Say which ages you take, please.</textarea>" in page
    later.refresh_from_db()
    assert later.state == ServiceChange.State.PENDING and later.reason == ""  # nothing decided, nothing sent
    # Shown once: opened again, the form is empty.
    again = client.get(reverse("listings:change_detail", args=[later.pk])).content.decode()
    assert "Say which ages you take" not in again
