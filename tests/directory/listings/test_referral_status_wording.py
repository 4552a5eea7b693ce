"""Can a social worker refer now? A listing's status ("paused", moderated) and its latest wait report
("list closed", immediate) overlap: every page answers the question the same way, the status first,
and never shows "open" or "taking referrals" beside a pause or a closed list."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from directory.models import Service
from tests.factories import WaitingTimeReportFactory

pytestmark = pytest.mark.django_db

PAUSED_WARNING = "This service has paused referrals: you cannot refer to it for now."
LIST_CLOSED_WARNING = "This service's waiting list is closed: you cannot refer to it for now."


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _pause(service: Service) -> None:
    Service.objects.filter(pk=service.pk).update(status=Service.Status.PAUSED)  # as a moderator's approval leaves it


def test_a_paused_service_page_says_it_cannot_be_referred_to_now_though_its_list_was_reported_open(client, service):
    _pause(service)  # its latest report (the fixture's 6 weeks) says the list is open
    page = client.get(reverse("directory:service_detail", args=[service.public_id])).content.decode()

    assert PAUSED_WARNING in page
    assert "Taking referrals" not in page
    table = _text(page[page.index("Reported waits, latest first"):page.index("</table>", page.index("Reported waits"))])
    assert "As of Wait Waiting list" in table  # each report's list, not "Referrals: Open" under "Referrals paused"


def test_a_closed_list_says_so_on_the_service_page(client, service):
    WaitingTimeReportFactory(service=service, weeks=20, referrals_open=False)
    page = client.get(reverse("directory:service_detail", args=[service.public_id])).content.decode()
    assert LIST_CLOSED_WARNING in page and "Referrals closed" in page and "Taking referrals" not in page


def test_a_service_taking_referrals_warns_of_nothing(client, service):
    page = client.get(reverse("directory:service_detail", args=[service.public_id])).content.decode()
    assert "Taking referrals" in page
    assert PAUSED_WARNING not in page and LIST_CLOSED_WARNING not in page


@pytest.mark.parametrize(("status", "said"), [("paused", "referrals paused"), ("closed", "service closed")])
def test_the_wait_summary_of_a_service_not_taking_referrals_never_says_referrals_open(
    client, provider, service, status, said
):
    """The provider's dashboard and the public report-a-problem page said "6 weeks, referrals open" for a
    paused service, beside a status saying "Referrals paused"."""
    Service.objects.filter(pk=service.pk).update(status=status)
    client.force_login(provider)
    dashboard = _text(client.get(reverse("listings:dashboard")).content.decode())
    report = _text(client.get(reverse("listings:report_problem", args=[service.public_id])).content.decode())

    for page in (dashboard, report):
        assert f"6 weeks, {said}" in page
        assert "referrals open" not in page


def test_a_paused_services_dashboard_status_says_how_to_take_referrals_again(client, provider, service):
    _pause(service)
    client.force_login(provider)
    page = _text(client.get(reverse("listings:dashboard")).content.decode())
    assert ("Referrals paused (whatever the wait update says: to take referrals again, edit the status, which a "
            "moderator approves)") in page


def test_the_status_field_says_it_is_moderated_and_where_to_close_referrals_at_once(client, provider, service):
    client.force_login(provider)
    page = _text(client.get(reverse("listings:service_edit", args=[service.public_id])).content.decode())
    assert "A change of status is published once a moderator approves it." in page
    assert "answer “Taking referrals?” when you update the waiting time on your dashboard" in page


def test_the_welsh_service_page_of_a_paused_service_says_so_in_welsh(client, service):
    _pause(service)
    page = client.get("/cy" + reverse("directory:service_detail", args=[service.public_id])).content.decode()
    assert "ni allwch atgyfeirio ato am y tro" in page and "Rhestr aros" in page
