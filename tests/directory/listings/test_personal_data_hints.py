"""Free-text boxes that are published or emailed warn not to identify a child or family."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from directory.listings import services
from directory.models import ServiceChange


def _hint_for(html: str, field_id: str) -> str:
    """The hint text the field points to with aria-describedby."""
    assert re.search(rf'id="{field_id}"[^>]*aria-describedby="{field_id}-hint', html), field_id
    match = re.search(rf'<div id="{field_id}-hint" class="govuk-hint">(.*?)</div>', html, re.S)
    assert match, field_id
    return match.group(1)


@pytest.mark.parametrize(
    ("field", "words"),
    [
        ("description_en", "Describe the service, not anyone who has used it"),
        ("description_cy", "Describe the service, not anyone who has used it"),
        ("eligibility_en", "Say who can be referred in general terms"),
        ("how_to_refer_en", "Say how to refer, not about any one referral"),
        ("how_to_refer_cy", "Say how to refer, not about any one referral"),
        ("cost_note", "who has been charged or funded"),
    ],
)
def test_the_edit_forms_free_text_boxes_warn_against_identifying_a_child(client, provider, service, field, words):
    client.force_login(provider)
    html = client.get(reverse("listings:service_edit", args=[service.public_id])).content.decode()
    hint = _hint_for(html, f"id_{field}")
    assert words in hint
    assert "could identify a child or family" in hint


def test_the_reject_reason_warns_that_it_is_emailed_and_shown_and_not_to_identify_a_child(
    client, provider, moderator, service
):
    change = services.service_edit(
        service=service, values=services.form_values_from_service(service, age_min="8"), by=provider
    ).pending
    assert change.state == ServiceChange.State.PENDING
    client.force_login(moderator)
    html = client.get(reverse("listings:change_detail", args=[change.pk])).content.decode()
    hint = " ".join(_hint_for(html, "id_reason").split())
    assert "shown on their dashboard and in the listing&#x27;s history" in hint
    assert "do not include anything that could identify a child or family" in hint


def test_the_hints_are_in_welsh_on_welsh_pages(client, provider, service):
    client.force_login(provider)
    html = client.get("/cy" + reverse("listings:service_edit", args=[service.public_id])).content.decode()
    assert "peidiwch â chynnwys unrhyw beth a allai adnabod plentyn neu deulu" in _hint_for(html, "id_description_en")
