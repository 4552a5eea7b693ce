"""An unusually long wait is asked about before it is saved: "200" typed for "20" published a wait of
nearly four years, which social workers filter on and the gaps pages report."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse
from django.utils import translation

from directory.models import WaitingTimeReport
from directory.unusual_waits import UNUSUAL_WAIT_WEEKS, is_unusual, unusual_wait_message, years_and_months
from tests.factories import WaitingTimeReportFactory

ASKED = "200 weeks is about 3 years and 10 months. Check the number of weeks."


@pytest.mark.parametrize(
    ("weeks", "english", "welsh"),
    [
        (200, "3 years and 10 months", "3 o flynyddoedd, 10 mis"),
        (105, "2 years", "2 flynedd"),
        (113, "2 years and 2 months", "2 flynedd, 2 fis"),
        (520, "10 years", "10 o flynyddoedd"),
        # Welsh says no "a" (and): it would be "ac" before 8 (wyth) and 11 (un ar ddeg) months.
        (191, "3 years and 8 months", "3 o flynyddoedd, 8 mis"),
    ],
)
def test_a_wait_is_said_in_years_and_months_in_both_languages(weeks, english, welsh):
    with translation.override("en"):
        assert years_and_months(weeks) == english
    with translation.override("cy"):
        assert years_and_months(weeks) == welsh


def test_only_a_wait_over_two_years_and_not_the_one_already_given_is_unusual():
    assert UNUSUAL_WAIT_WEEKS == 104
    assert not is_unusual(104) and is_unusual(105) and not is_unusual(None)
    assert not is_unusual(200, current=200) and is_unusual(200, current=20)


def _wait_url(service) -> str:
    return reverse("listings:wait_update", args=[service.public_id])


def test_an_unusually_long_wait_is_asked_about_not_saved_and_kept_as_typed(client, provider, service):
    client.force_login(provider)
    response = client.post(_wait_url(service), {"weeks": "200", "referrals_open": "yes"})

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert ASKED in page
    assert "<title>Error:" in page
    assert 'name="weeks" type="text" value="200"' in page  # as typed
    assert 'name="confirm_weeks" type="checkbox" value="200"' in page
    assert "Yes, the wait really is 200 weeks" in page
    assert list(WaitingTimeReport.objects.filter(service=service).values_list("weeks", flat=True)) == [6]


def test_the_box_appears_only_once_the_wait_is_asked_about(client, provider, service):
    client.force_login(provider)
    assert 'name="confirm_weeks"' not in client.get(_wait_url(service)).content.decode()
    response = client.post(_wait_url(service), {"weeks": "", "referrals_open": "yes"})
    assert response.status_code == 200 and 'name="confirm_weeks"' not in response.content.decode()


def test_a_confirmed_long_wait_is_saved(client, provider, service):
    client.force_login(provider)
    response = client.post(_wait_url(service), {"weeks": "200", "referrals_open": "yes", "confirm_weeks": "200"})
    assert response.status_code == 302
    assert WaitingTimeReport.objects.filter(service=service).first().weeks == 200


def test_a_confirmation_is_for_the_number_it_was_given_for(client, provider, service):
    client.force_login(provider)
    response = client.post(_wait_url(service), {"weeks": "300", "referrals_open": "yes", "confirm_weeks": "200"})
    assert response.status_code == 200
    assert "Yes, the wait really is 300 weeks" in html.unescape(response.content.decode())
    assert WaitingTimeReport.objects.filter(service=service).first().weeks == 6


def test_a_wait_of_two_years_or_the_long_wait_already_given_is_saved_without_asking(client, provider, service):
    client.force_login(provider)
    assert client.post(_wait_url(service), {"weeks": "104", "referrals_open": "yes"}).status_code == 302
    WaitingTimeReportFactory(service=service, weeks=150)
    # Giving it again says it is still right: asking every time would only teach people to tick.
    assert client.post(_wait_url(service), {"weeks": "150", "referrals_open": "no"}).status_code == 302
    assert WaitingTimeReport.objects.filter(service=service).first().referrals_open is False


def test_a_long_wait_from_the_dashboards_box_is_asked_about_on_the_wait_page(client, provider, service):
    client.force_login(provider)
    dashboard = client.get(reverse("listings:dashboard")).content.decode()
    assert 'name="confirm_weeks"' not in dashboard
    response = client.post(_wait_url(service), {"weeks": "200 weeks", "referrals_open": "yes"})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert ASKED in page and 'value="200 weeks"' in page


def test_the_question_is_in_welsh_on_the_welsh_page(client, provider, service):
    client.force_login(provider)
    with translation.override("cy"):
        url = _wait_url(service)
        message = unusual_wait_message(200)
    response = client.post(url, {"weeks": "200", "referrals_open": "yes"})
    page = html.unescape(response.content.decode())
    assert message in page and "Mae 200 wythnos tua 3 o flynyddoedd, 10 mis." in page
    assert "Ydy, mae'r amser aros yn 200 wythnos mewn gwirionedd" in page
