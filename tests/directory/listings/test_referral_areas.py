"""Every listing says which areas it takes referrals from, unless it is a helpline reached by phone or
online alone (the search lists one naming no area as a national helpline): a listing saved with no
area was found by no search outside the 40 km around where it is based."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from directory.listings import services
from directory.listings.forms import NO_AREAS
from directory.models import Service, ServiceChange
from tests.directory.listings.conftest import form_data

REMOTE_ONLY = {"delivery_in_person": False, "delivery_outreach": False, "delivery_phone": True, "delivery_online": True}


def _new(client, org, service, **overrides):
    data = {k: v for k, v in form_data(service, **overrides).items() if k != "opened_version"}
    return client.post(reverse("listings:service_new"), {**data, "organisation": org.pk, "name_en": "New one"})


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode().replace("&#x27;", "'")).split())


def test_a_new_listing_with_no_area_is_refused_naming_the_field(client, provider, org, service):
    client.force_login(provider)
    response = _new(client, org, service, coverage_areas=[])
    assert response.status_code == 200
    assert response.context["form"].errors["coverage_areas"] == [str(NO_AREAS)]
    html = response.content.decode()
    # The error summary leads to the areas' first box, and the message sits with the areas.
    assert re.search(r'<a href="#id_coverage_areas_0">Select the areas the service takes referrals from', html)
    # Once, in the areas' fieldset: it was said twice, under two elements of the same id.
    assert html.count('id="id_coverage_areas-error"') == 1
    assert html.count("Only a helpline reached by phone or online alone may select none") == 2  # summary + field
    assert not Service.objects.filter(name="New one").exists()


def test_the_refusal_is_in_welsh_on_welsh_pages(client, provider, org, service):
    client.force_login(provider)
    data = {k: v for k, v in form_data(service, coverage_areas=[]).items() if k != "opened_version"}
    response = client.post("/cy" + reverse("listings:service_new"), {**data, "organisation": org.pk})
    page = _text(response)
    assert "Dewiswch yr ardaloedd y mae'r gwasanaeth yn derbyn atgyfeiriadau ohonynt" in page
    assert "Select the areas" not in page


def test_all_of_wales_is_an_area(client, provider, org, service):
    client.force_login(provider)
    assert _new(client, org, service, coverage_areas=["W92000004"]).status_code == 302
    assert [a.code for a in Service.objects.get(name="New one").coverage_areas.all()] == ["W92000004"]


def test_a_helpline_reached_by_phone_or_online_alone_may_name_no_area_and_is_national(client, provider, org, service):
    client.force_login(provider)
    response = _new(client, org, service, coverage_areas=[], kind_helpline=True, **REMOTE_ONLY)
    assert response.status_code == 302
    assert not Service.objects.get(name="New one").coverage_areas.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind_helpline": False, **REMOTE_ONLY},  # not a helpline
        {"kind_helpline": True, **REMOTE_ONLY, "delivery_in_person": True},  # also seen in person
        {"kind_helpline": True, **REMOTE_ONLY, "delivery_outreach": True},  # also visits
        {"kind_helpline": True, **REMOTE_ONLY, "delivery_phone": False, "delivery_online": False},  # reached how?
    ],
)
def test_any_other_listing_with_no_area_is_refused(client, provider, org, service, overrides):
    client.force_login(provider)
    response = _new(client, org, service, coverage_areas=[], **overrides)
    assert response.status_code == 200 and "coverage_areas" in response.context["form"].errors


@pytest.mark.parametrize("role", ["provider", "moderator"])
def test_an_edit_that_unticks_every_area_is_refused_for_a_provider_and_a_moderator_alike(
    client, service, role, request
):
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("listings:service_edit", args=[service.public_id]), form_data(service, coverage_areas=[])
    )
    assert response.status_code == 200
    assert response.context["form"].errors["coverage_areas"] == [str(NO_AREAS)]
    assert [a.code for a in service.coverage_areas.all()] == ["W06000015"]
    assert not service.changes.exists()


def test_the_moderator_is_warned_of_a_new_listing_sent_with_no_area(client, provider, moderator, org, service):
    # Sent before the form refused it (or by any way round the form): the review says what approving does.
    unlisted = services.service_create(
        organisation=org, values=services.form_values_from_service(service, name_en="Sent with none", coverage_areas=[]),
        by=provider,
    )
    listed = services.service_create(
        organisation=org, values=services.form_values_from_service(service, name_en="Sent with one"), by=provider,
    )
    client.force_login(moderator)
    for new, warned in ((unlisted, True), (listed, False)):
        change = new.changes.get(kind=ServiceChange.Kind.NEW)
        response = client.get(reverse("listings:change_detail", args=[change.pk]))
        assert response.context["lists_no_area"] is warned
        assert ("this listing names no area it takes referrals from" in _text(response)) is warned
    welsh = _text(client.get("/cy" + reverse("listings:change_detail", args=[unlisted.changes.get().pk])))
    assert "nid yw'r cofnod hwn yn enwi unrhyw ardal" in welsh
