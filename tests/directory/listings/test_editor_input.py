"""What a provider types into the listing editor is kept, and shown back as a person would type it."""

from __future__ import annotations

import re

from django.urls import reverse

from directory.models import Service
from tests.directory.listings.conftest import form_data

LONG_FORM_LINK = "https://forms.office.com/Pages/ResponsePage.aspx?id=" + "A" * 170 + "&r=QR"
LONG_PHONE = "01234 567890 or 07700 900123 (out of hours)"


def _edit(client, service, **overrides):
    return client.post(reverse("listings:service_edit", args=[service.public_id]), form_data(service, **overrides))


def test_an_over_long_link_or_phone_number_is_refused_with_a_message_not_cut_short_by_the_browser(
    client, provider, service
):
    # The inputs carried maxlength: a browser silently cut a pasted 227-character form link to 200
    # characters (and "…(out of hours)" to "…(out of hou"), which then saved and published a broken link.
    client.force_login(provider)
    page = client.get(reverse("listings:service_edit", args=[service.public_id])).content.decode()
    for name in ("referral_url", "referral_phone", "referral_email", "name_en", "cost_note", "other_languages"):
        tag = re.search(rf'<input[^>]* name="{name}"[^>]*>', page).group(0)
        assert "maxlength" not in tag, tag
    response = _edit(client, service, referral_url=LONG_FORM_LINK, referral_phone=LONG_PHONE)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "at most 200 characters" in errors["referral_url"][0]
    assert "at most 40 characters" in errors["referral_phone"][0]
    # What was typed is shown again in full, to be shortened by the provider, not by us.
    page = response.content.decode()
    assert f'value="{LONG_PHONE}"' in page
    service.refresh_from_db()
    assert service.referral_phone == "01000 000000"
