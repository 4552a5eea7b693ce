"""A second tap on a form's button, on a slow phone connection, is not a second submission.

GOV.UK Frontend's Button ignores a second click within a second of the first when the button says
`data-prevent-double-click`. Without it a double tap on "Add service" created the listing and then
answered the second request with "already lists a service called …" (as if it had failed), and a
double tap on "Send report" filed the report twice; "Create account" and "Save the new password"
answered the second with a used-link page.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from directory.accounts.services import invitation_create, invitation_url
from tests.factories import ProblemReportFactory

_FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
_BUTTON = re.compile(r"<button\b[^>]*>", re.S)


def _post_form_buttons(page: str) -> list[str]:
    # The page's own forms, not the header's "Sign out" (signing out twice does nothing twice).
    main = re.search(r"<main\b.*?</main>", page, re.S)[0]
    forms = [form for form in _FORM.findall(main) if re.search(r'method="post"', form[:200], re.I)]
    return [button for form in forms for button in _BUTTON.findall(form) if 'type="submit"' in button]


def _assert_every_post_button_ignores_a_second_click(page: str) -> None:
    buttons = _post_form_buttons(page)
    assert buttons, "the page has a form to send"
    missing = [b for b in buttons if 'data-prevent-double-click="true"' not in b]
    assert missing == []


@pytest.mark.parametrize("page", [
    "dashboard", "service_new", "service_edit", "wait_update", "locations", "location_add", "organisation_contact",
    "settings",
])
def test_the_providers_forms_ignore_a_second_tap(client, provider, service, office, page):
    ProblemReportFactory(service=service)  # the dashboard's "Mark as resolved"
    urls = {
        "dashboard": reverse("listings:dashboard"),
        "service_new": reverse("listings:service_new"),
        "service_edit": reverse("listings:service_edit", args=[service.public_id]),
        "wait_update": reverse("listings:wait_update", args=[service.public_id]),
        "locations": reverse("listings:locations", args=[service.public_id]),
        "location_add": reverse("listings:location_add", args=[service.public_id]),
        "organisation_contact": reverse("listings:organisation_contact", args=[service.organisation.public_id]),
        "settings": reverse("accounts:settings"),
    }
    client.force_login(provider)
    response = client.get(urls[page])
    assert response.status_code == 200
    _assert_every_post_button_ignores_a_second_click(response.content.decode())


def test_the_problem_report_form_ignores_a_second_tap(client, service):
    response = client.get(reverse("listings:report_problem", args=[service.public_id]))
    _assert_every_post_button_ignores_a_second_click(response.content.decode())


def test_accepting_an_invitation_and_a_password_reset_ignore_a_second_tap(client, org, moderator):
    invitation = invitation_create(email="new@example.org", organisation=org, invited_by=moderator)
    _assert_every_post_button_ignores_a_second_click(client.get(invitation_url(invitation)).content.decode())
    _assert_every_post_button_ignores_a_second_click(client.get(reverse("accounts:password_reset")).content.decode())
