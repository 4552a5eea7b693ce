"""A fact an import did not state (Service.unstated_by_import) is stated by an edit that changes it,
or by confirming the listing on its edit page, which says beside each field what the import left
unsaid."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from directory.listings import services
from directory.models import Service, ServiceChange
from tests.directory.listings.conftest import form_data

EVERYTHING = ["age_min", "age_max", "cost", "delivery"]


@pytest.fixture
def imported(service):
    """The provider's service as an import left it: silent on its ages, cost and delivery."""
    Service.objects.filter(pk=service.pk).update(
        unstated_by_import=EVERYTHING, age_min=Decimal("0"), age_max=Decimal("25"), is_free=True,
        delivery_in_person=True, delivery_outreach=True, delivery_phone=True, delivery_online=True,
    )
    return Service.objects.get(pk=service.pk)


def _marks(service: Service) -> list[str]:
    return Service.objects.get(pk=service.pk).unstated_by_import


def test_a_provider_changing_the_cost_states_it_at_once(imported, provider):
    services.service_edit(service=imported, values=services.form_values_from_service(imported, is_free=False),
                          by=provider)

    assert _marks(imported) == ["age_min", "age_max", "delivery"]


def test_a_provider_changing_the_delivery_states_it(imported, provider):
    values = services.form_values_from_service(imported, delivery_outreach=False, delivery_phone=False)

    services.service_edit(service=imported, values=values, by=provider)

    assert _marks(imported) == ["age_min", "age_max", "cost"]


def test_a_providers_new_ages_are_stated_once_a_moderator_approves_them(imported, provider, moderator):
    pending = services.service_edit(
        service=imported, values=services.form_values_from_service(imported, age_max="16"), by=provider,
    ).pending
    assert _marks(imported) == EVERYTHING  # the public still sees the live listing

    services.change_approve(change=pending, by=moderator)

    assert _marks(imported) == ["age_min", "cost", "delivery"]
    assert Service.objects.get(pk=imported.pk).age_max == Decimal("16")


def test_a_moderators_edit_states_what_it_changes_and_nothing_else(imported, moderator):
    services.service_edit(service=imported, values=services.form_values_from_service(imported, age_min="4"),
                          by=moderator)

    assert _marks(imported) == ["age_max", "cost", "delivery"]


def test_an_edit_of_something_else_leaves_the_marks(imported, provider):
    services.service_edit(service=imported, values=services.form_values_from_service(
        imported, referral_phone="029 2012 3456"), by=provider)

    assert _marks(imported) == EVERYTHING


def test_a_providers_confirming_on_the_edit_page_states_what_it_showed_but_the_ages(imported, provider):
    """The ages decide who is referred: a provider's change to them waits for a moderator, so a
    provider's tick does not publish the stored 0 to 25 as stated either."""
    services.service_edit(service=imported, values=services.form_values_from_service(imported), by=provider,
                          confirm=True)

    assert _marks(imported) == ["age_min", "age_max"]


def test_a_moderators_confirming_on_the_edit_page_states_everything_it_showed(imported, moderator):
    services.service_edit(service=imported, values=services.form_values_from_service(imported), by=moderator,
                          confirm=True)

    assert _marks(imported) == []


def test_the_dashboards_confirm_button_states_nothing_it_did_not_show(imported, provider):
    services.service_confirm(service=imported, by=provider)

    assert _marks(imported) == EVERYTHING


def test_the_edit_page_says_what_the_import_did_not_state_and_a_save_changing_it_clears_it(
    client, imported, provider,
):
    client.force_login(provider)
    url = reverse("listings:service_edit", args=[imported.public_id])

    body = client.get(url).content.decode()
    assert body.count("Not stated by the import:") == 3  # ages, delivery, language and cost
    assert ("Not stated by the import: youngest age, oldest age. The public sees “Not stated”. What the boxes "
            "hold lets searches find the service; change it to state it: a moderator checks the change before it "
            "is published.") in body
    assert "Not stated by the import: how it is given." in body
    assert "Not stated by the import: cost." in body

    data = form_data(Service.objects.get(pk=imported.pk))
    data.pop("is_free")  # unticked: charged
    assert client.post(url, data).status_code == 302

    assert _marks(imported) == ["age_min", "age_max", "delivery"]
    assert "Not stated by the import: cost." not in client.get(url).content.decode()
    assert not ServiceChange.objects.filter(service=imported).exists()  # cost is published at once


def test_a_listing_nobody_imported_shows_no_such_warning(client, service, provider):
    client.force_login(provider)

    body = client.get(reverse("listings:service_edit", args=[service.public_id])).content.decode()

    assert "Not stated by the import" not in body


def test_a_moderator_changing_a_field_in_the_admin_states_it(rf, imported, moderator):
    from types import SimpleNamespace

    from django.contrib.admin.sites import site

    from directory.admin import ServiceAdmin

    request = rf.post("/")
    request.user = moderator
    imported.is_free = False
    # What the admin's form says was changed: the cost box, and a field nobody marks.
    ServiceAdmin(Service, site).save_model(request, imported, SimpleNamespace(changed_data=["is_free", "name_en"]),
                                           change=True)

    assert _marks(imported) == ["age_min", "age_max", "delivery"]
    assert ServiceAdmin(Service, site).not_stated_by_import(imported) == "youngest age, oldest age, how it is given"


@pytest.mark.parametrize("value", [["a child's name"], "age_min", [["age_min"]], {"age_min": 1}])
def test_the_mark_holds_codes_and_nothing_else(imported, value):
    """Never free text (tests/servicemap/test_no_personal_data.py allows the field for that)."""
    imported.unstated_by_import = value

    with pytest.raises(ValidationError) as raised:
        imported.full_clean()
    assert "unstated_by_import" in raised.value.message_dict


def test_the_edit_page_does_not_call_a_proposed_age_not_stated(client, imported, provider):
    """The form shows the provider's pending proposal (an oldest age of 16) over the import's filler,
    and still said the oldest age was not stated by the import."""
    services.service_edit(service=imported, values=services.form_values_from_service(imported, age_max="16"),
                          by=provider)
    client.force_login(provider)

    body = client.get(reverse("listings:service_edit", args=[imported.public_id])).content.decode()

    assert 'name="age_max" type="text" value="16"' in body
    assert "Not stated by the import: youngest age. The public sees" in body
