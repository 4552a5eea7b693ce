"""Two people editing one listing: a save never silently puts back what someone else saved since."""

from __future__ import annotations

import re

from django.urls import reverse

from directory.listings import services
from directory.models import Service
from tests.directory.listings.conftest import form_data
from tests.factories import MembershipFactory, UserFactory


def _edit(client, user, service, data):
    client.force_login(user)
    return client.post(reverse("listings:service_edit", args=[service.public_id]), data)


def test_the_edit_form_carries_the_version_it_was_opened_on(client, provider, service):
    client.force_login(provider)
    html = client.get(reverse("listings:service_edit", args=[service.public_id])).content.decode()
    latest = service.history.order_by("-history_id").first().history_id
    assert f'<input type="hidden" name="opened_version" value="{latest}">' in html


def test_a_save_from_an_older_form_applies_only_what_its_user_changed(client, provider, moderator, service):
    providers_form = form_data(service)  # the provider opens the form first
    moderators = form_data(service, description_en="New description", referral_email="new@example.org")
    assert _edit(client, moderator, service, moderators).status_code == 302

    providers_form["referral_phone"] = "02999 999999"
    response = _edit(client, provider, service, providers_form)

    assert response.status_code == 302
    service.refresh_from_db()
    assert service.referral_phone == "02999 999999"
    assert service.description_en == "New description"
    assert service.referral_email == "new@example.org"
    assert not service.changes.filter(state="pending").exists()  # nothing proposed to undo the moderator's edit


def test_a_later_status_change_is_not_proposed_back_by_an_older_form(client, provider, moderator, service):
    providers_form = form_data(service)
    assert _edit(client, moderator, service, form_data(service, status=Service.Status.PAUSED)).status_code == 302
    providers_form["referral_phone"] = "02999 999999"
    assert _edit(client, provider, service, providers_form).status_code == 302
    service.refresh_from_db()
    assert service.status == Service.Status.PAUSED
    assert not service.changes.filter(state="pending").exists()


def test_changing_a_field_someone_changed_since_shows_both_and_saves_nothing(client, provider, moderator, service):
    providers_form = form_data(service)
    assert _edit(client, moderator, service, form_data(service, description_en="Moderator's text")).status_code == 302

    providers_form.update(description_en="Provider's text", referral_phone="02999 999999")
    response = _edit(client, provider, service, providers_form)

    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "This listing was changed by mod@example.org on" in html
    assert "Moderator&#x27;s text" in html  # what is saved now, in the table
    assert re.search(r"<textarea [^>]*name=\"description_en\"[^>]*>Provider&#x27;s text</textarea>", html)
    service.refresh_from_db()
    assert service.description_en == "Moderator's text"
    assert service.referral_phone == "01000 000000"  # nothing of the clashing save is applied

    # Shown again on the version saved now: saving again is a choice made with both in view.
    latest = service.history.order_by("-history_id").first().history_id
    assert f'name="opened_version" value="{latest}"' in html
    providers_form["opened_version"] = str(latest)
    assert _edit(client, provider, service, providers_form).status_code == 302
    service.refresh_from_db()
    assert (service.description_en, service.referral_phone) == ("Provider's text", "02999 999999")


def test_the_same_change_made_by_both_is_not_a_clash(client, provider, moderator, service):
    providers_form = form_data(service)
    assert _edit(client, moderator, service, form_data(service, referral_phone="03000 000000")).status_code == 302
    providers_form["referral_phone"] = "03000 000000"
    assert _edit(client, provider, service, providers_form).status_code == 302


def test_a_listing_with_no_recorded_version_is_still_protected(client, provider, moderator, service):
    service.history.all().delete()  # loaded before history was kept
    client.force_login(provider)
    html = client.get(reverse("listings:service_edit", args=[service.public_id])).content.decode()
    assert '<input type="hidden" name="opened_version" value="0">' in html
    providers_form = form_data(service)
    providers_form["opened_version"] = "0"
    assert _edit(client, moderator, service, form_data(service, description_en="Moderator's text")).status_code == 302

    providers_form["referral_phone"] = "02999 999999"
    response = _edit(client, provider, service, providers_form)

    # With no version to compare with, what the form still holds of the old description cannot be told
    # from a change: it is shown as a clash, never saved over the moderator's.
    assert response.status_code == 200 and "This listing was changed by mod@example.org" in response.content.decode()
    service.refresh_from_db()
    assert service.description_en == "Moderator's text"


def _pending(service):
    return service.changes.filter(state="pending").first()


def test_the_edit_form_carries_the_proposal_it_showed(client, provider, service):
    client.force_login(provider)
    url = reverse("listings:service_edit", args=[service.public_id])
    assert '<input type="hidden" name="opened_change" value="0">' in client.get(url).content.decode()
    assert _edit(client, provider, service, form_data(service, age_max="16")).status_code == 302
    html = client.get(url).content.decode()
    assert f'<input type="hidden" name="opened_change" value="{_pending(service).pk}">' in html


def test_a_colleagues_proposal_sent_since_is_not_withdrawn_by_an_edit_of_something_else(
    client, provider, org, service,
):
    colleague = UserFactory(username="colleague@example.org", email="colleague@example.org")
    MembershipFactory(user=colleague, organisation=org)
    providers_form = {**form_data(service), "opened_change": "0"}  # opened with nothing waiting
    colleagues = {**form_data(service, age_max="16"), "opened_change": "0"}
    assert _edit(client, colleague, service, colleagues).status_code == 302
    proposal = _pending(service)
    assert proposal.proposed == {"age_max": "16.0"}

    providers_form["referral_phone"] = "02999 999999"
    assert _edit(client, provider, service, providers_form).status_code == 302

    service.refresh_from_db()
    assert service.referral_phone == "02999 999999"  # published at once, as ever
    assert _pending(service) == proposal  # still waiting, in its place in the queue
    proposal.refresh_from_db()
    assert proposal.state == "pending"


def test_a_proposal_of_the_same_field_sent_since_shows_both_and_replaces_nothing(client, provider, org, service):
    colleague = UserFactory(username="colleague@example.org", email="colleague@example.org")
    MembershipFactory(user=colleague, organisation=org)
    providers_form = {**form_data(service), "opened_change": "0"}
    assert _edit(client, colleague, service, {**form_data(service, age_max="16"), "opened_change": "0"}).status_code == 302
    proposal = _pending(service)

    providers_form.update(age_max="17", referral_phone="02999 999999")
    response = _edit(client, provider, service, providers_form)

    assert response.status_code == 200
    html = response.content.decode()
    assert "This listing was changed by colleague@example.org on" in html
    assert f'name="opened_change" value="{proposal.pk}"' in html  # saving again is a choice made seeing both
    service.refresh_from_db()
    assert service.referral_phone == "01000 000000"
    assert _pending(service) == proposal

    providers_form["opened_change"] = str(proposal.pk)
    assert _edit(client, provider, service, providers_form).status_code == 302
    assert _pending(service).proposed == {"age_max": "17.0"}


def test_a_proposal_decided_since_is_not_sent_again_by_a_form_that_showed_it(client, provider, moderator, service):
    assert _edit(client, provider, service, {**form_data(service, age_max="16"), "opened_change": "0"}).status_code == 302
    proposal = _pending(service)
    # The provider's form now shows the proposal over the live listing; a moderator turns it down.
    providers_form = {**form_data(service, age_max="16"), "opened_change": str(proposal.pk)}
    services.change_reject(change=proposal, by=moderator, reason="Check the oldest age with the commissioner.")

    providers_form["referral_phone"] = "02999 999999"
    assert _edit(client, provider, service, providers_form).status_code == 302

    service.refresh_from_db()
    assert service.referral_phone == "02999 999999"
    assert _pending(service) is None  # the rejected proposal is not sent again unseen


def test_a_colleagues_proposal_on_a_listing_with_no_recorded_version_is_kept(client, provider, org, service):
    service.history.all().delete()  # loaded before history was kept: a proposal records no version either
    colleague = UserFactory(username="colleague@example.org", email="colleague@example.org")
    MembershipFactory(user=colleague, organisation=org)
    providers_form = {**form_data(service), "opened_version": "0", "opened_change": "0"}
    assert _edit(client, colleague, service, {**providers_form, "age_max": "16"}).status_code == 302
    proposal = _pending(service)

    assert _edit(client, provider, service, {**providers_form, "referral_phone": "02999 999999"}).status_code == 302

    service.refresh_from_db()
    assert service.referral_phone == "02999 999999"
    assert _pending(service) == proposal
