"""What a provider types into the listing editor is kept, and shown back as a person would type it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from directory.listings import fields
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



def _value_of(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]* name="{name}"[^>]*>', page).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def test_ages_read_as_a_person_would_type_them_in_the_form_and_in_the_moderators_diff(
    client, provider, moderator, service
):
    # The editor showed "0.0" and "18.0", the moderator's diff "18.0 → 17.0".
    Service.objects.filter(pk=service.pk).update(age_min="0.0", age_max="18.0")
    service.refresh_from_db()
    client.force_login(provider)
    url = reverse("listings:service_edit", args=[service.public_id])
    page = client.get(url).content.decode()
    assert (_value_of(page, "age_min"), _value_of(page, "age_max")) == ("0", "18")
    # A half year stays a half; the form then shows the pending proposal, also as typed.
    _edit(client, service, age_min="4.5", age_max="17")
    page = client.get(url).content.decode()
    assert (_value_of(page, "age_min"), _value_of(page, "age_max")) == ("4.5", "17")
    client.force_login(moderator)
    change = service.changes.get()
    diff = client.get(reverse("listings:change_detail", args=[change.pk])).context["rows"]
    assert [(row.field, row.before, row.after) for row in diff] == [
        ("age_min", "0", "4.5"), ("age_max", "18", "17")
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("18.0"), "18"), ("17.0", "17"), (Decimal("4.5"), "4.5"), ("4.50", "4.5"), (Decimal("0.0"), "0"),
     ("10", "10"), (" 7 ", "7"), ("four", "four"), ("NaN", "NaN"), (None, "")],
)
def test_age_text_drops_a_trailing_zero_and_leaves_what_is_not_a_number(value, text):
    assert fields.age_text(value) == text
