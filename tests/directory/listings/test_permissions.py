"""Who may do what: every view that writes, for anonymous, another provider, the own provider and a moderator.

Anonymous users are sent to sign in; another organisation's provider gets 404 on a service
(so its existence does not leak) and 403 on moderator pages; nothing is stored unless allowed.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from directory.accounts.models import Invitation
from directory.listings import services
from directory.models import ProblemReport, Service, ServiceChange, WaitingTimeReport
from tests.directory.listings.conftest import form_data
from tests.factories import (
    OrganisationFactory,
    ProblemReportFactory,
    ResolvedProblemReportFactory,
    UnpublishedServiceFactory,
    UserFactory,
)

ROLES = ["anonymous", "other_provider", "own_provider", "moderator"]
LOGIN = "/accounts/login/"


def assert_outcome(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
    elif expected == "ok":
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert not response["Location"].startswith(LOGIN)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", "login"), ("other_provider", 404), ("own_provider", "ok"), ("moderator", "ok")],
)
def test_wait_update_is_only_for_the_services_editors(client_as, service, role, expected):
    response = client_as(role).post(
        reverse("listings:wait_update", args=[service.public_id]), {"weeks": "9", "referrals_open": "no"}
    )
    assert_outcome(response, expected)
    stored = WaitingTimeReport.objects.filter(service=service, weeks=9, referrals_open=False).exists()
    assert stored is (expected == "ok")


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", "login"), ("other_provider", 404), ("own_provider", "ok"), ("moderator", "ok")],
)
def test_confirm_is_only_for_the_services_editors(client_as, service, users, role, expected):
    Service.objects.filter(pk=service.pk).update(last_confirmed_at=None)
    response = client_as(role).post(reverse("listings:service_confirm", args=[service.public_id]))
    assert_outcome(response, expected)
    service.refresh_from_db()
    if expected == "ok":
        assert service.last_confirmed_at is not None
        assert service.confirmed_by == users[role]
    else:
        assert service.last_confirmed_at is None


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", "login"), ("other_provider", 404), ("own_provider", "ok"), ("moderator", "ok")],
)
def test_edit_is_only_for_the_services_editors(client_as, service, role, expected):
    client = client_as(role)
    url = reverse("listings:service_edit", args=[service.public_id])
    assert_outcome(client.get(url), expected)
    response = client.post(url, form_data(service, referral_phone="02999 999999"))
    assert_outcome(response, expected)
    service.refresh_from_db()
    assert (service.referral_phone == "02999 999999") is (expected == "ok")


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", "login"), ("other_provider", 404), ("own_provider", 200), ("moderator", 200)],
)
def test_history_is_only_for_the_services_editors(client_as, service, role, expected):
    response = client_as(role).get(reverse("listings:history", args=[service.public_id]))
    assert_outcome(response, expected)


@pytest.mark.parametrize(
    ("role", "expected_status", "created", "published"),
    [
        ("anonymous", "login", False, None),
        # Another provider may add services, but only to their own organisation: ours is not a valid choice.
        ("other_provider", 200, False, None),
        ("own_provider", 302, True, False),
        ("moderator", 302, True, True),
    ],
)
def test_adding_a_service_to_an_organisation(client_as, service, org, role, expected_status, created, published):
    data = form_data(service, name_en="Brand new service")
    data["organisation"] = str(org.pk)
    response = client_as(role).post(reverse("listings:service_new"), data)
    assert_outcome(response, expected_status if expected_status != 302 else "ok")
    new = Service.objects.filter(organisation=org, name_en="Brand new service").first()
    assert (new is not None) is created
    if created:
        assert new.is_published is published


def test_a_signed_in_user_with_no_organisation_cannot_add_services(client, service):
    client.force_login(UserFactory())
    assert client.get(reverse("listings:service_new")).status_code == 403


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", "login"), ("other_provider", 404), ("own_provider", "ok"), ("moderator", "ok")],
)
def test_resolving_a_problem_report(client_as, service, users, role, expected):
    report = ProblemReportFactory(service=service)
    response = client_as(role).post(reverse("listings:report_resolve", args=[report.public_id]))
    assert_outcome(response, expected)
    report.refresh_from_db()
    if expected == "ok":
        assert report.resolved_by == users[role]
        assert report.resolved_at is not None
    else:
        assert report.resolved_at is None


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", "login"), ("other_provider", 404), ("own_provider", "ok"), ("moderator", "ok")],
)
def test_reopening_a_problem_report_is_for_those_who_may_resolve_it(client_as, service, users, role, expected):
    report = ResolvedProblemReportFactory(service=service)
    response = client_as(role).post(reverse("listings:report_reopen", args=[report.public_id]))
    assert_outcome(response, expected)
    report.refresh_from_db()
    assert report.is_open is (expected == "ok")


def test_reopening_is_a_button_never_a_link(client_as, service):
    report = ResolvedProblemReportFactory(service=service)
    assert client_as("own_provider").get(reverse("listings:report_reopen", args=[report.public_id])).status_code == 405
    report.refresh_from_db()
    assert not report.is_open


@pytest.fixture
def pending_change(service, provider):
    return services.service_edit(
        service=service, values=services.form_values_from_service(service, age_max="16.0"), by=provider
    ).pending


MODERATOR_ONLY = [("anonymous", "login"), ("other_provider", 403), ("own_provider", 403), ("moderator", "ok")]


@pytest.mark.parametrize(("role", "expected"), MODERATOR_ONLY)
def test_approving_is_for_moderators_only(client_as, pending_change, role, expected):
    response = client_as(role).post(reverse("listings:change_approve", args=[pending_change.pk]))
    assert_outcome(response, expected)
    pending_change.refresh_from_db()
    assert (pending_change.state == ServiceChange.State.APPROVED) is (expected == "ok")


@pytest.mark.parametrize(("role", "expected"), MODERATOR_ONLY)
def test_rejecting_is_for_moderators_only(client_as, pending_change, role, expected):
    response = client_as(role).post(
        reverse("listings:change_reject", args=[pending_change.pk]), {"reason": "Age range needs evidence."}
    )
    assert_outcome(response, expected)
    pending_change.refresh_from_db()
    assert (pending_change.state == ServiceChange.State.REJECTED) is (expected == "ok")


@pytest.mark.parametrize(("role", "expected"), [("anonymous", "login"), ("other_provider", 403),
                                                ("own_provider", 403), ("moderator", 200)])
def test_moderation_pages_are_for_moderators_only(client_as, pending_change, role, expected):
    client = client_as(role)
    assert_outcome(client.get(reverse("listings:moderation")), expected)
    assert_outcome(client.get(reverse("listings:change_detail", args=[pending_change.pk])), expected)


@pytest.mark.parametrize(("role", "expected"), MODERATOR_ONLY)
def test_restoring_a_version_is_for_moderators_only(client_as, service, provider, role, expected):
    first_version = service.history.latest("history_date")  # the factory saves, then sets areas: two records
    services.service_edit(
        service=service, values=services.form_values_from_service(service, referral_phone="02999 999999"),
        by=provider,
    )
    response = client_as(role).post(
        reverse("listings:service_restore", args=[service.public_id, first_version.history_id])
    )
    assert_outcome(response, expected)
    service.refresh_from_db()
    assert (service.referral_phone == "01000 000000") is (expected == "ok")


@pytest.mark.parametrize(("role", "expected"), MODERATOR_ONLY)
def test_inviting_is_for_moderators_only(client_as, org, role, expected, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(role).post(
            reverse("accounts:invite"), {"email": "new@example.org", "organisation": org.pk}
        )
    assert_outcome(response, expected)
    assert Invitation.objects.filter(email="new@example.org").exists() is (expected == "ok")
    assert len(mail.outbox) == (1 if expected == "ok" else 0)


@pytest.mark.parametrize("role", ROLES)
def test_anyone_may_report_a_problem_with_a_published_service(client_as, service, role):
    response = client_as(role).post(
        reverse("listings:report_problem", args=[service.public_id]), {"reason": "waiting_time", "comment": ""}
    )
    assert response.status_code == 302
    assert ProblemReport.objects.filter(service=service, reason="waiting_time").count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_nobody_can_report_a_problem_with_an_unpublished_service(client_as, org, role):
    hidden = UnpublishedServiceFactory(organisation=org)
    url = reverse("listings:report_problem", args=[hidden.public_id])
    assert client_as(role).post(url, {"reason": "other"}).status_code == 404
    assert not ProblemReport.objects.exists()


@pytest.mark.parametrize(
    "name", ["listings:wait_update", "listings:service_confirm", "listings:service_edit", "listings:history"]
)
def test_a_service_that_does_not_exist_is_404_even_for_a_moderator(client, moderator, name):
    client.force_login(moderator)
    assert client.post(reverse(name, args=["00000000-0000-0000-0000-000000000000"])).status_code == 404


def test_post_only_views_refuse_get(client, provider, service):
    client.force_login(provider)
    assert client.get(reverse("listings:service_confirm", args=[service.public_id])).status_code == 405


def test_forms_need_a_csrf_token(provider, service):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(provider)
    response = client.post(
        reverse("listings:wait_update", args=[service.public_id]), {"weeks": "2", "referrals_open": "yes"}
    )
    assert response.status_code == 403
    assert not WaitingTimeReport.objects.filter(service=service, weeks=2).exists()


def test_an_organisation_nobody_is_a_member_of_is_invisible_to_providers(client, provider):
    stranger = OrganisationFactory()
    client.force_login(provider)
    response = client.get(reverse("listings:dashboard"))
    assert stranger.name not in response.content.decode()


@pytest.mark.parametrize(
    "name", ["directory_servicechange", "directory_problemreport", "directory_reviewrequest",
             "accounts_membership", "accounts_invitation"],
)
def test_moderation_records_have_a_working_admin_list(client, db, name):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(reverse(f"admin:{name}_changelist") + "?q=a").status_code == 200
