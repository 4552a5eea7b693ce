"""A form sent back with errors says so in the page's title, first (WCAG 2.4.2, GOV.UK's pattern).

The title is the first thing a screen reader reads of the new page, and what a tab shows: before,
only the search and the CSV upload said "Error:"; every other form's page came back titled as if
the form had been sent.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from directory.accounts import services as account_services
from directory.listings import services as listing_services
from gaps.services import record_unmet_search
from gaps.vocabulary import REASON_NO_SERVICE
from tests.factories import MembershipFactory, OrganisationFactory, ServiceFactory, UserFactory

PASSWORD = "a-long-test-password"


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


@pytest.fixture
def world(db, wales_areas, django_capture_on_commit_callbacks):
    org = OrganisationFactory(name="Own organisation")
    provider = UserFactory(username="own@example.org", email="own@example.org")
    MembershipFactory(user=provider, organisation=org)
    moderator = account_services.moderator_create(email="mod@example.org", password=PASSWORD).user
    service = ServiceFactory(organisation=org, name="Own service", wait_weeks=6, coverage=[wales_areas["W06000015"]])
    change = listing_services.service_edit(
        service=service, values=listing_services.form_values_from_service(service, status="paused"), by=provider,
    ).pending
    with django_capture_on_commit_callbacks(execute=True):
        account_services.invitation_create(email="new@example.org", organisation=org, invited_by=moderator)
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/accounts/invitation/" in line)
    return {"provider": provider, "moderator": moderator, "service": service, "change": change,
            "invitation": link[link.index("/accounts/"):].strip()}


# (who, the form's address, what is sent, the title after a failed send)
CASES = [
    (None, lambda w: reverse("accounts:login"), {}, "Error: Sign in – servicemap"),
    (None, lambda w: reverse("accounts:password_reset"), {"email": "nope"}, "Error: Reset your password – servicemap"),
    (None, lambda w: w["invitation"], {"password1": "a", "password2": "b"},
     "Error: Accept your invitation – servicemap"),
    (None, lambda w: reverse("listings:report_problem", args=[w["service"].public_id]), {},
     "Error: Report a problem: Own service – servicemap"),
    ("provider", lambda w: reverse("listings:service_edit", args=[w["service"].public_id]), {},
     "Error: Edit Own service – servicemap"),
    ("provider", lambda w: reverse("listings:service_new"), {}, "Error: Add a service – servicemap"),
    ("provider", lambda w: reverse("listings:wait_update", args=[w["service"].public_id]), {"weeks": "x"},
     "Error: Update the waiting time: Own service – servicemap"),
    ("moderator", lambda w: reverse("listings:change_reject", args=[w["change"].pk]), {"reason": " "},
     "Error: Review change: Own service – servicemap"),
    ("moderator", lambda w: reverse("accounts:invite"), {}, "Error: Invite a provider – servicemap"),
    ("provider", lambda w: reverse("accounts:settings"), {}, "Error: Your account – servicemap"),
]


@pytest.mark.parametrize(("who", "path", "data", "title"), CASES)
def test_a_form_sent_back_with_errors_says_error_first_in_the_title(client, world, who, path, data, title):
    if who:
        client.force_login(world[who])
    response = client.post(path(world), data)
    assert response.status_code in (200, 400)
    assert "govuk-error-summary" in response.content.decode()
    assert _title(response) == title


def test_the_same_form_opened_afresh_has_no_error_in_its_title(client, world):
    client.force_login(world["provider"])
    response = client.get(reverse("listings:service_edit", args=[world["service"].public_id]))
    assert _title(response) == "Edit Own service – servicemap"


def test_the_title_says_error_in_welsh_on_a_welsh_page(client, world):
    response = client.post("/cy" + reverse("accounts:login"), {})
    assert _title(response).startswith("Gwall: ")


@pytest.mark.parametrize("path", ["gaps:index", "gaps:unmet", "gaps:trends"])
def test_a_gaps_page_showing_its_defaults_for_a_bad_choice_says_error_in_its_title(client, wales_areas, path):
    record_unmet_search(month=date(2026, 3, 1), lad_code="W06000015", abuse_forms=["intra_familial"], age=9,
                        excluded_by="none", reason=REASON_NO_SERVICE)
    response = client.get(reverse(path), {"layer": "nope", "age": "x", "quarter": "zz", "view": "z"})
    if "govuk-error-summary" not in response.content.decode():
        pytest.fail(f"{path}: no error summary for choices that do not exist")
    assert _title(response).startswith("Error: ")


def test_choosing_a_new_password_that_is_refused_says_error_in_the_title(client, db):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = UserFactory(username="p@example.org", email="p@example.org")
    link = reverse("accounts:password_reset_confirm",
                   args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)])
    form = client.get(link, follow=True)  # Django moves the token into the session
    assert _title(form) == "Choose a new password – servicemap"
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "short", "new_password2": "other"})
    assert _title(response) == "Error: Choose a new password – servicemap"
