"""A provider whose change was not approved can see why on the edit page and send it again, fixed,
without typing it all again."""

from __future__ import annotations

import re

from django.urls import reverse

from directory.listings import services
from directory.models import ServiceChange
from tests.directory.listings.conftest import form_data

REASON = "The second area is outside your reach: untick it, then send the rest again."


def _value_of(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]* name="{name}"[^>]*>', page).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def _checked(page: str, name: str) -> bool:
    return " checked" in re.search(rf'<input[^>]* name="{name}"[^>]*>', page).group(0)


def _reject_a_change(client, provider, moderator, service):
    client.force_login(provider)
    client.post(
        reverse("listings:service_edit", args=[service.public_id]),
        form_data(service, age_min="4.5", age_max="16", abuse_online=True, eligibility_cy="Plant yng Nghaerdydd.",
                  coverage_areas=["W06000015", "W06000022"]),
    )
    change = service.changes.get()
    services.change_reject(change=change, by=moderator, reason=REASON)
    return change


def test_the_edit_page_says_why_a_change_was_not_approved_and_offers_what_was_sent(
    client, provider, moderator, service
):
    # The dashboard showed the reason, but the edit page showed the live listing with no word of it:
    # the five changes sent were gone, to be typed again from memory.
    _reject_a_change(client, provider, moderator, service)
    client.force_login(provider)
    url = reverse("listings:service_edit", args=[service.public_id])
    dashboard = client.get(reverse("listings:dashboard")).content.decode()
    assert REASON in dashboard and f'href="{url}?from=rejected"' in dashboard
    page = client.get(url).content.decode()
    assert REASON in page
    assert f'href="{url}?from=rejected"' in page
    # Opened plainly the form holds the live listing: an unrelated edit does not send the rejected change again.
    assert (_value_of(page, "age_min"), _value_of(page, "age_max")) == ("4", "18")
    assert not _checked(page, "abuse_online")

    page = client.get(url + "?from=rejected").content.decode()
    assert (_value_of(page, "age_min"), _value_of(page, "age_max")) == ("4.5", "16")
    assert _checked(page, "abuse_online") and "Plant yng Nghaerdydd." in page
    assert "the changes you sent that were not approved" in page


def test_a_change_fixed_as_the_moderator_asked_is_sent_again_for_approval(client, provider, moderator, service):
    rejected = _reject_a_change(client, provider, moderator, service)
    client.force_login(provider)
    url = reverse("listings:service_edit", args=[service.public_id])
    assert client.get(url + "?from=rejected").status_code == 200
    # What the browser sends back: the proposal as shown, with the area the moderator questioned unticked.
    data = form_data(service, **{**rejected.proposed, "coverage_areas": ["W06000015"]})
    response = client.post(url + "?from=rejected", data)
    assert response.status_code == 302
    pending = service.changes.get(state=ServiceChange.State.PENDING)
    assert pending.proposed == {
        "abuse_online": True, "age_min": "4.5", "age_max": "16.0", "eligibility_cy": "Plant yng Nghaerdydd."
    }
    # Sent again, the page no longer offers the rejected one.
    page = client.get(url).content.decode()
    assert REASON not in page and f'href="{url}?from=rejected"' not in page


def test_no_rejection_is_offered_once_a_later_change_was_approved(client, provider, moderator, service):
    _reject_a_change(client, provider, moderator, service)
    client.force_login(provider)
    url = reverse("listings:service_edit", args=[service.public_id])
    client.post(url, form_data(service, age_max="17"))
    services.change_approve(change=service.changes.get(state=ServiceChange.State.PENDING), by=moderator)
    page = client.get(url + "?from=rejected").content.decode()
    assert REASON not in page and f'href="{url}?from=rejected"' not in page
    assert _value_of(page, "age_max") == "17" and not _checked(page, "abuse_online")
