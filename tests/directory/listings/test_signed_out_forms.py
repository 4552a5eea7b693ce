"""A session ends (8 hours, or the browser closed) while a provider or moderator is filling in a form.
What they sent is not saved, and not lost: after signing in again the form's page shows it filled in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from directory.accounts.decorators import FORM_KEPT, KEPT_FORM, SIGNED_OUT_NOT_SAVED
from directory.models import ServiceChange
from tests.directory.listings.conftest import form_data

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory


def _sign_in(client, user, next_url: str):
    return client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD, "next": next_url},
                       follow=True)


def _next_of(response) -> str:
    location = response["Location"]
    assert location.startswith(reverse("accounts:login") + "?next=")
    return parse_qs(urlsplit(location).query)["next"][0]


def test_an_edit_sent_after_the_session_ended_is_filled_in_again_after_signing_in_and_not_saved(
    client, provider, service,
):
    edit = reverse("listings:service_edit", args=[service.public_id])
    typed = "A description written for twenty minutes before the session ended."
    sent = client.post(edit, form_data(service, description_en=typed, age_max="30"))  # signed out
    next_url = _next_of(sent)

    page = _sign_in(client, provider, next_url)

    assert next_url == edit
    html = page.content.decode()
    assert page.request["PATH_INFO"] == edit
    assert typed in html
    assert page.context["form"]["age_max"].value() == "30"
    assert str(FORM_KEPT) in html
    assert "Enter the oldest age in years, from 0 to 25" in html  # checked as if sent, so mistakes show
    service.refresh_from_db()
    assert service.description_en != typed  # nothing saved until it is sent again
    # Only once: the page opened again shows the listing as stored.
    assert typed not in client.get(edit).content.decode()


def test_the_sign_in_page_says_what_was_sent_was_not_saved(client, service):
    sent = client.post(reverse("listings:service_edit", args=[service.public_id]), form_data(service), follow=True)

    assert str(SIGNED_OUT_NOT_SAVED) in sent.content.decode()


def test_a_wait_sent_from_the_dashboard_after_the_session_ended_comes_back_on_the_wait_page(client, provider, service):
    wait = reverse("listings:wait_update", args=[service.public_id])
    sent = client.post(wait, {"weeks": "11", "referrals_open": "no"}, HTTP_REFERER="http://testserver/manage/")

    page = _sign_in(client, provider, _next_of(sent))

    assert page.request["PATH_INFO"] == wait
    assert page.context["form"]["weeks"].value() == "11"
    assert page.context["form"]["referrals_open"].value() == "no"
    assert service.waiting_times.filter(weeks=11).count() == 0


def test_a_moderator_s_reason_for_not_approving_is_kept_on_the_change_s_page(client, moderator, provider, service):
    client.force_login(provider)
    client.post(reverse("listings:service_edit", args=[service.public_id]), form_data(service, age_max="16"))
    change = ServiceChange.objects.get(service=service, state=ServiceChange.State.PENDING)
    client.logout()
    detail = reverse("listings:change_detail", args=[change.pk])
    reason = "The oldest age looks wrong: please check it against your leaflet."

    sent = client.post(reverse("listings:change_reject", args=[change.pk]), {"reason": reason},
                       HTTP_REFERER=f"http://testserver{detail}")
    page = _sign_in(client, moderator, _next_of(sent))

    assert page.status_code == 200
    assert page.request["PATH_INFO"] == detail
    assert reason in page.content.decode()
    change.refresh_from_db()
    assert change.state == ServiceChange.State.PENDING


def test_a_button_pressed_after_the_session_ended_leads_back_to_its_page_not_a_blank_405(client, provider, service):
    sent = client.post(reverse("listings:service_confirm", args=[service.public_id]))  # no Referer sent

    page = _sign_in(client, provider, _next_of(sent))

    assert page.status_code == 200
    assert page.request["PATH_INFO"] == reverse("listings:dashboard")
    service.refresh_from_db()
    assert service.confirmed_by is None


def test_a_form_from_another_site_s_page_is_not_taken_as_the_page_to_return_to(client, service):
    sent = client.post(reverse("listings:service_confirm", args=[service.public_id]),
                       HTTP_REFERER="https://evil.example/phish")

    assert _next_of(sent) == reverse("listings:dashboard")


def test_a_password_sent_signed_out_is_never_kept(client, service):
    client.post(reverse("listings:service_edit", args=[service.public_id]),
                {**form_data(service), "password": "not-kept"})

    assert "not-kept" not in str(dict(client.session))


def test_more_than_any_form_of_ours_holds_is_not_stored_in_a_session(client, service):
    client.post(reverse("listings:service_edit", args=[service.public_id]),
                {**form_data(service), "description_en": "x" * 60_000})

    assert KEPT_FORM not in client.session
