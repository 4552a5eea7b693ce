"""Every staff form sent empty says, for each box left empty, what to put in it (GOV.UK: a message
specific to the field), never Django's "This field is required.", in English and in Welsh."""

from __future__ import annotations

import html

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from directory.accounts import forms as account_forms
from directory.accounts import services as account_services
from directory.listings import forms as listing_forms
from directory.listings import services

GENERIC = ("This field is required.", "Mae angen y maes hwn.")


def _sent_empty(client, path: str) -> str:
    response = client.post(path, {})
    assert response.status_code == 200  # the form again, with its errors: nothing was saved or sent
    return html.unescape(response.content.decode())


def _assert_says(page: str, messages: list) -> None:
    for generic in GENERIC:
        assert generic not in page
    for message in messages:
        assert str(message) in page


@pytest.fixture
def pending_change(provider, service):
    return services.service_edit(
        service=service, values=services.form_values_from_service(service, status="paused"), by=provider
    ).pending


@pytest.fixture
def invitation_path(moderator, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        account_services.invitation_create(email="new@example.org", organisation=org, invited_by=moderator)
    line = next(line for line in mail.outbox[-1].body.splitlines() if "/accounts/invitation/" in line)
    return line[line.index("/accounts/"):].strip()


@pytest.mark.parametrize("language", ["en", "cy"])
def test_staff_forms_sent_empty_say_what_each_empty_box_needs(
    client, language, provider, moderator, service, pending_change, invitation_path
):
    with translation.override(language):
        client.force_login(moderator)
        # A moderator's new listing also asks for the organisation.
        _assert_says(_sent_empty(client, reverse("listings:service_new")), [
            listing_forms.ORGANISATION_REQUIRED, listing_forms.NAME_REQUIRED, listing_forms.NEW_STATUS_REQUIRED,
            listing_forms.AGE_MIN_REQUIRED, listing_forms.AGE_MAX_REQUIRED, listing_forms.SUPPORTS_NOBODY,
            listing_forms.NO_ABUSE_FORMS, listing_forms.NO_REFERRERS,
        ])
        _assert_says(_sent_empty(client, reverse("listings:change_reject", args=[pending_change.pk])), [
            listing_forms.RejectForm.base_fields["reason"].error_messages["required"],
        ])
        _assert_says(_sent_empty(client, reverse("accounts:invite")), [
            account_forms.INVITATION_EMAIL_REQUIRED, account_forms.ORGANISATION_REQUIRED,
        ])

        client.force_login(provider)
        _assert_says(_sent_empty(client, reverse("listings:service_edit", args=[service.public_id])), [
            listing_forms.NAME_REQUIRED, listing_forms.STATUS_REQUIRED,
            listing_forms.AGE_MIN_REQUIRED, listing_forms.AGE_MAX_REQUIRED,
        ])
        _assert_says(_sent_empty(client, reverse("listings:location_add", args=[service.public_id])), [
            listing_forms.LOCATION_NAME_REQUIRED,
        ])
        _assert_says(_sent_empty(client, reverse("listings:wait_update", args=[service.public_id])), [
            listing_forms.WEEKS_REQUIRED, listing_forms.REFERRALS_OPEN_REQUIRED,
        ])

        client.logout()
        _assert_says(_sent_empty(client, reverse("listings:report_problem", args=[service.public_id])), [
            listing_forms.REASON_REQUIRED,
        ])
        _assert_says(_sent_empty(client, reverse("accounts:login")), [
            account_forms.EMAIL_REQUIRED, account_forms.PASSWORD_REQUIRED,
        ])
        _assert_says(_sent_empty(client, f"/{language}{invitation_path}" if language == "cy" else invitation_path), [
            account_forms.NEW_PASSWORD_REQUIRED, account_forms.PASSWORD_AGAIN_REQUIRED,
        ])


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_box_of_spaces_alone_is_empty_and_says_what_to_put_in_it(client, language, provider, service):
    # A wait or age box holding spaces alone (a phone's keyboard adds one) said "Enter the wait as a
    # whole number of weeks, like 6", as if something wrong had been typed, not that it was empty.
    client.force_login(provider)
    waits = service.waiting_times.count()
    with translation.override(language):
        wait = client.post(reverse("listings:wait_update", args=[service.public_id]),
                           {"weeks": "   ", "referrals_open": "yes"})
        assert wait.status_code == 200
        page = html.unescape(wait.content.decode())
        assert str(listing_forms.WEEKS_REQUIRED) in page
        assert str(listing_forms.WEEKS_INVALID) not in page

        edit = client.post(reverse("listings:service_edit", args=[service.public_id]),
                           {"age_min": "  ", "age_max": " \t "})
        page = html.unescape(edit.content.decode())
        assert str(listing_forms.AGE_MIN_REQUIRED) in page and str(listing_forms.AGE_MAX_REQUIRED) in page
        assert str(listing_forms.AGE_MIN_RANGE) not in page and str(listing_forms.AGE_MAX_RANGE) not in page
    assert service.waiting_times.count() == waits  # nothing was stored
