"""Provider and moderator pages are in Welsh under /cy/: labels, area names and the history."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from directory.listings import selectors, services
from directory.models import Service
from tests.directory.listings.conftest import form_data
from tests.factories import OrganisationFactory, ServiceFactory


def test_the_welsh_edit_form_labels_every_field_and_area_in_welsh(client, provider, service):
    client.force_login(provider)
    html = client.get("/cy" + reverse("listings:service_edit", args=[service.public_id])).content.decode()
    # A legend that is its section's heading holds it as an h2 (the status).
    labels = re.findall(r'<(?:label|legend)[^>]*>(?:<h2[^>]*>)?([^<]+)<', html)
    for english in ("Description (English)", "Status", "Referral email", "Referral phone", "Other languages",
                    "Cost note", "Bridgend"):
        assert not any(english in label for label in labels), english
    for welsh in ("Disgrifiad (Saesneg)", "Statws", "E-bost atgyfeirio", "Ffôn atgyfeirio", "Ieithoedd eraill",
                  "Nodyn am gost", "Pen-y-bont ar Ogwr"):
        assert any(welsh in label for label in labels), welsh


def test_the_welsh_history_page_says_what_happened_in_welsh(client, moderator, service):
    first = service.history.order_by("history_id").first()
    services.service_edit(
        service=service, values=services.form_values_from_service(service, referral_phone="1"), by=moderator
    )
    with time_machine.travel("2025-03-03 10:00"):
        services.service_restore(service=service, record=first, by=moderator)
    client.force_login(moderator)
    html = client.get("/cy" + reverse("listings:history", args=[service.public_id])).content.decode()
    for english in ("Edited: published at once", "Restored the version of", "Referral phone", "– Changed"):
        assert english not in html, english
    assert "Golygwyd: cyhoeddwyd ar unwaith" in html
    assert "Adferwyd fersiwn" in html
    assert "Ffôn atgyfeirio" in html


def test_stored_reasons_are_translated_when_shown_and_unknown_ones_are_left_alone():
    from django.utils import translation

    with translation.override("cy"):
        assert selectors.history_reason_display("Approved change 3") == "Cymeradwywyd newid 3"
        assert selectors.history_reason_display("Restored the version of 05 Mar 2025 14:05").startswith(
            "Adferwyd fersiwn 5 Maw 2025"
        )
        assert selectors.history_reason_display("Imported from the 2024 survey") == "Imported from the 2024 survey"
    with translation.override("en"):
        assert selectors.history_reason_display("Approved change 3") == "Approved change 3"


@pytest.mark.parametrize(
    ("overrides", "field", "welsh"),
    [
        ({"age_max": "30"}, "age_max", "Rhowch yr oedran hynaf mewn blynyddoedd, o 0 i 25, fel 18."),
        ({"age_min": "-1"}, "age_min", "Rhowch yr oedran ieuengaf mewn blynyddoedd, o 0 i 25, fel 4 neu 4.5."),
        ({"age_min": "pedwar"}, "age_min", "Rhowch yr oedran ieuengaf mewn blynyddoedd, o 0 i 25, fel 4 neu 4.5."),
        ({"age_max": "12.25"}, "age_max", "Rhowch yr oedran hynaf mewn blynyddoedd, o 0 i 25, fel 18."),
        ({"capacity_per_year": "deugain"}, "capacity_per_year", "Rhowch nifer yr atgyfeiriadau newydd y flwyddyn"),
        ({"capacity_per_year": "-3"}, "capacity_per_year", "Rhowch nifer yr atgyfeiriadau newydd y flwyddyn"),
        ({"referral_email": "dim e-bost"}, "referral_email", "Rhowch gyfeiriad e-bost yn y fformat cywir"),
    ],
)
def test_the_welsh_edit_form_says_what_to_type_in_welsh_that_makes_sense(client, provider, service, overrides,
                                                                         field, welsh):
    client.force_login(provider)
    url = "/cy" + reverse("listings:service_edit", args=[service.public_id])
    response = client.post(url, form_data(service, **overrides))
    html = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200 and welsh in html
    assert f'href="#id_{field}"' in html
    # Django's own Welsh for these: "more or less than 25" (for "at most 25"), "Rhowch cyfanrif"
    # (no mutation), "ebost", or English where it has none.
    for wrong in ("yn fwy neu'n llai na", "Rhowch cyfanrif", "ebost", "Sicrhewch", "Ensure", "Enter a"):
        assert wrong not in html, wrong
    assert Service.objects.get(pk=service.pk).age_max == service.age_max


def test_the_moderators_welsh_lists_are_in_order_of_the_names_they_show(client, moderator):
    """In Welsh, the lists sorted by the Welsh column alone: every listing and organisation with no
    Welsh name came together, in the order it was added, before (SQLite) or after (PostgreSQL) the rest."""
    for name_en, name_cy in (("Delta trust", ""), ("Beta trust", ""), ("Zeta trust", "Alffa ymddiriedolaeth")):
        organisation = OrganisationFactory(name_en=name_en, name_cy=name_cy or None)
        ServiceFactory(organisation=organisation, name_en=name_en.replace("trust", "service"),
                       name_cy=name_cy.replace("ymddiriedolaeth", "gwasanaeth") or None,
                       last_confirmed_at=date(2020, 1, 1))
    shown = ["Alffa gwasanaeth", "Beta service", "Delta service"]
    client.force_login(moderator)

    queue = client.get("/cy/moderation/").content.decode()
    overdue = queue[queue.index('id="overdue"'):]
    assert sorted(shown, key=overdue.index) == shown
    all_services = client.get("/cy/manage/").content.decode()
    assert sorted(shown, key=all_services.index) == shown
    invite = client.get("/cy/accounts/invite/").content.decode()
    organisations = re.findall(r'<option value="\d+">([^<]+)</option>', invite)
    assert organisations == ["Alffa ymddiriedolaeth", "Beta trust", "Delta trust"]


def test_the_welsh_dashboard_links_name_the_service_without_an_english_of(client, provider, service):
    # "History of X" came out as "Hanes o X" (a word-for-word "of" no Welsh reader says) for a screen reader.
    client.force_login(provider)
    html = client.get("/cy" + reverse("listings:dashboard")).content.decode()
    assert 'Hanes<span class="govuk-visually-hidden"> – Own service</span>' in html
    assert 'Newid manylion cyswllt<span class="govuk-visually-hidden"> – Own organisation</span>' in html
    assert '<span class="govuk-visually-hidden"> o ' not in html


def test_the_welsh_wait_page_title_names_the_service(client, provider, service):
    # With two services' wait pages open, a title of "Diweddaru'r amser aros" alone did not say which was which.
    client.force_login(provider)
    html = client.get("/cy" + reverse("listings:wait_update", args=[service.public_id])).content.decode()
    assert "<title>Diweddaru'r amser aros: Own service – servicemap</title>" in html


def test_welsh_dates_after_a_verb_read_sent_on_and_confirmed_on(client, provider, moderator, service):
    """"anfonwyd 7 Rhag 2026" (sent 7 Dec 2026) reads as Welsh only with "ar" (on) before the date."""
    with time_machine.travel("2026-12-07 09:00"):
        change = services.service_edit(service=service, values=services.form_values_from_service(service, age_max=16),
                                       by=provider).pending
        service.last_confirmed_at = date(2026, 3, 5)
        service.save(update_fields=["last_confirmed_at"])
    # Made before the first Welsh page, which leaves Welsh active here: reverse() would add /cy/.
    dashboard, detail, listing = (reverse("listings:dashboard"), reverse("listings:change_detail", args=[change.pk]),
                                  reverse("directory:service_detail", args=[service.public_id]))
    client.force_login(provider)
    assert "anfonwyd ar 7 Rhag 2026" in client.get("/cy" + dashboard).content.decode()
    client.force_login(moderator)
    assert "Anfonwyd ar 7 Rhag 2026" in client.get("/cy" + detail).content.decode()
    listing = client.get("/cy" + listing).content.decode()
    assert "Cadarnhawyd ddiwethaf ar 5 Mawrth 2026" in listing
