"""Report a problem: reasons, a short comment with a warning, to the moderators and the provider."""

from __future__ import annotations

import html
import re
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.urls import reverse

from directory.accounts.services import account_language_set
from directory.listings import services
from directory.listings.forms import REASON_REQUIRED
from directory.listings.services import problem_report_create
from directory.mail_language import ENGLISH_BELOW
from directory.models import ProblemReport
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ReopenedProblemReportFactory,
    ServiceFactory,
    UserFactory,
)

SITE = "https://servicemap.example.org"


def test_the_report_page_shows_the_listing_and_warns_about_identifying_details(client, service):
    page = client.get(reverse("listings:report_problem", args=[service.public_id])).content.decode()
    assert "Own service" in page
    assert "6 weeks" in page
    assert "Do not include anything that could identify a child or family." in page
    for label in ["Contact details are wrong", "The service has closed", "It does not cover my area",
                  "The referral criteria are wrong", "The waiting time is wrong", "Something else"]:
        assert label in page
    assert "300 characters at most" in page


def test_a_report_is_stored_without_anything_about_who_sent_it(client, service):
    response = client.post(
        reverse("listings:report_problem", args=[service.public_id]),
        {"reason": "area", "comment": "  Does not take referrals from Newport.  "},
    )
    assert response["Location"] == reverse("listings:report_problem_sent", args=[service.public_id])
    report = ProblemReport.objects.get()
    assert (report.reason, report.comment, report.resolved_at) == ("area", "Does not take referrals from Newport.", None)
    assert {f.name for f in ProblemReport._meta.fields} == {
        "id", "public_id", "service", "reason", "comment", "created_at", "resolved_at", "resolved_by", "emailed_to",
        "reminded_at", "reminded_to", "escalated_at", "reopened_at", "reopened_by",  # the two: staff accounts
    }


@pytest.mark.parametrize(("prefix", "says"), [
    ("", "Your report goes to the provider to check, or to our moderators if the provider has no account here."),
    ("/cy", "Mae eich adroddiad yn mynd at y darparwr i'w wirio, neu at ein cymedrolwyr"),
])
def test_the_sent_page_says_who_is_told_not_that_everyone_checks(client, service, prefix, says):
    """Only one of the provider and the moderators is emailed about a report (the provider's
    editors, or the moderators if it has none): the page said both would check it."""
    page = html.unescape(client.get(prefix + reverse("listings:report_problem_sent", args=[service.public_id]))
                         .content.decode())
    assert says in page
    assert "The provider and the moderators will check" not in page
    assert "Bydd y darparwr a'r cymedrolwyr yn gwirio" not in page


def test_a_report_needs_a_reason_and_a_short_comment(client, service):
    url = reverse("listings:report_problem", args=[service.public_id])
    response = client.post(url, {"reason": "", "comment": "x"})
    assert response.status_code == 200 and str(REASON_REQUIRED) in response.content.decode()
    response = client.post(url, {"reason": "nonsense"})
    assert response.status_code == 200 and str(REASON_REQUIRED) in response.content.decode()
    response = client.post(url, {"reason": "other", "comment": "x" * 301})
    # The limit and the count of what was typed (GOV.UK's character count), not just "keep it short".
    assert response.status_code == 200
    assert "Your comment must be 300 characters or fewer. It has 301." in response.content.decode()
    assert not ProblemReport.objects.exists()


def test_an_over_long_comment_is_refused_with_a_message_and_kept_whole_not_cut_short_by_the_browser(client, service):
    # The box carried maxlength="300": a browser silently cut a pasted 400-character comment to 300
    # and sent the report with its end missing, never showing the message below.
    url = reverse("listings:report_problem", args=[service.public_id])
    box = re.search(r"<textarea[^>]*>", client.get(url).content.decode()).group(0)
    assert 'name="comment"' in box and "maxlength" not in box, box
    typed = "The phone number on the listing rings a closed office. " * 7
    response = client.post(url, {"reason": "contact_details", "comment": typed})
    assert response.status_code == 200
    assert f"Your comment must be 300 characters or fewer. It has {len(typed.strip())}." in response.content.decode()
    assert typed.strip() in response.content.decode()
    assert not ProblemReport.objects.exists()


def test_a_comment_counts_each_line_break_as_one_character_as_the_reporter_sees_it(client, service):
    # A browser sends a line break as CR LF: 300 characters on three lines were refused as "It has 302".
    url = reverse("listings:report_problem", args=[service.public_id])
    typed = "\r\n".join(["a" * 99, "b" * 99, "c" * 100])
    assert client.post(url, {"reason": "other", "comment": typed}).status_code == 302
    assert ProblemReport.objects.get().comment == typed.replace("\r\n", "\n")
    page = client.post(url, {"reason": "other", "comment": typed + "d"}).content.decode()
    assert "Your comment must be 300 characters or fewer. It has 301." in page


def test_an_unknown_service_is_404(client, db):
    assert client.get(reverse("listings:report_problem", args=["00000000-0000-0000-0000-000000000000"])).status_code == 404


def test_reports_reach_the_moderators_queue_and_the_providers_dashboard(client, service, provider, moderator, other_provider):
    client.post(reverse("listings:report_problem", args=[service.public_id]), {"reason": "closed", "comment": "Gone"})
    client.force_login(moderator)
    assert "Gone" in client.get(reverse("listings:moderation")).content.decode()
    client.force_login(provider)
    assert "Gone" in client.get(reverse("listings:dashboard")).content.decode()
    client.force_login(other_provider)
    assert "Gone" not in client.get(reverse("listings:dashboard")).content.decode()


def test_the_pages_listing_open_reports_say_how_long_each_has_been_open(client, service, provider, moderator):
    with time_machine.travel(datetime(2025, 3, 3, 16, 30, tzinfo=UTC)):
        ProblemReport.objects.create(service=service, reason="closed", comment="Gone")
    with time_machine.travel(datetime(2025, 3, 12, 9, 0, tzinfo=UTC)):
        ProblemReport.objects.create(service=service, reason="area", comment="Not Newport")
        for user, page in [(moderator, "listings:moderation"), (provider, "listings:dashboard")]:
            client.force_login(user)
            html = client.get(reverse(page)).content.decode()
            assert "(3 Mar 2025, open for 9 days)" in html, page
            assert "(12 Mar 2025, today)" in html, page
    with time_machine.travel(datetime(2025, 3, 13, 9, 0, tzinfo=UTC)):
        client.force_login(provider)
        assert "(12 Mar 2025, open for 1 day)" in client.get(reverse("listings:dashboard")).content.decode()
        welsh = client.get(f"/cy{reverse('listings:dashboard')}").content.decode()
        assert "(3 Maw 2025, ar agor ers 10 diwrnod)" in welsh and "(12 Maw 2025, ar agor ers 1 diwrnod)" in welsh


def test_resolving_records_who_and_when_and_leaves_the_queue(client, service, moderator):
    client.post(reverse("listings:report_problem", args=[service.public_id]), {"reason": "closed", "comment": "Gone"})
    report = ProblemReport.objects.get()
    client.force_login(moderator)
    response = client.post(reverse("listings:report_resolve", args=[report.public_id]), {"next": "moderation"})
    assert response["Location"] == reverse("listings:moderation")
    report.refresh_from_db()
    assert report.resolved_by == moderator and report.resolved_at is not None
    page = client.get(reverse("listings:moderation")).content.decode()
    assert "Gone" not in _open_section(page) and "Gone" in _resolved_section(page)  # still there to reopen
    # Resolving again changes nothing.
    resolved_at = report.resolved_at
    client.post(reverse("listings:report_resolve", args=[report.public_id]))
    report.refresh_from_db()
    assert report.resolved_at == resolved_at


def _banner_form(page: str) -> str:
    return re.search(r'<div class="govuk-notification-banner__content">.*?</div>', page, re.S).group(0)


def test_the_resolved_message_carries_a_button_that_reopens_the_report(client, service, provider):
    # "Mark as resolved" had no undo: a click on the wrong report's button lost it from every list.
    report = ProblemReport.objects.create(service=service, reason="closed", comment="Gone")
    client.force_login(provider)
    page = client.post(reverse("listings:report_resolve", args=[report.public_id]), follow=True).content.decode()
    report.refresh_from_db()
    assert not report.is_open and "Gone" not in _open_section(page)
    banner = _banner_form(page)
    assert "Problem report marked as resolved: Own service, The service has closed." in banner
    action = re.search(r'<form method="post" action="([^"]+)">', banner).group(1)
    assert action == reverse("listings:report_reopen", args=[report.public_id])
    assert 'name="csrfmiddlewaretoken"' in banner and "Reopen report" in banner

    response = client.post(html.unescape(action), follow=True)
    assert response.redirect_chain == [(reverse("listings:dashboard"), 302)]
    report.refresh_from_db()
    assert report.is_open and report.resolved_by is None
    page = response.content.decode()
    assert "Problem report reopened: Own service, The service has closed. It is listed as open again." in page
    assert "“Gone”" in page  # listed again, with its button to resolve it
    assert reverse("listings:report_resolve", args=[report.public_id]) in page


def test_a_moderator_reopening_from_the_queue_goes_back_to_it(client, service, moderator):
    report = ProblemReport.objects.create(service=service, reason="area", comment="Not Newport")
    client.force_login(moderator)
    page = client.post(
        reverse("listings:report_resolve", args=[report.public_id]), {"next": "moderation"}, follow=True,
    ).content.decode()
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)">', _banner_form(page)).group(1))
    assert action == reverse("listings:report_reopen", args=[report.public_id]) + "?next=moderation"
    response = client.post(action)
    assert response["Location"] == reverse("listings:moderation")
    assert "Not Newport" in client.get(reverse("listings:moderation")).content.decode()


def test_reopening_an_open_report_says_so_and_changes_nothing(client, service, provider):
    report = ProblemReport.objects.create(service=service, reason="area")
    client.force_login(provider)
    page = client.post(reverse("listings:report_reopen", args=[report.public_id]), follow=True).content.decode()
    assert "This report is already open." in page
    report.refresh_from_db()
    assert report.is_open


def test_resolving_and_reopening_say_so_in_welsh(client, service, provider):
    report = ProblemReport.objects.create(service=service, reason="closed")
    client.force_login(provider)
    page = client.post(f"/cy{reverse('listings:report_resolve', args=[report.public_id])}", follow=True).content.decode()
    banner = _banner_form(page)
    assert "Nodwyd bod yr adroddiad am broblem wedi'i ddatrys: Own service, " in html.unescape(banner)
    assert "Ailagor yr adroddiad" in banner and "Reopen" not in banner
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)">', banner).group(1))
    assert action.startswith("/cy/")
    page = client.post(action, follow=True).content.decode()
    assert "Ailagorwyd yr adroddiad am broblem" in page and "Mae ar y rhestr o adroddiadau agored eto." in html.unescape(page)


def _resolve_button_names(page: str) -> list[str]:
    buttons = re.findall(r'<button type="submit"[^>]*>(Mark as resolved.*?)</button>', page, re.S)
    return [re.sub(r"<[^>]+>", "", button) for button in buttons]


@pytest.mark.parametrize("who, url", [("moderator", "listings:moderation"), ("provider", "listings:dashboard")])
def test_each_resolve_button_is_named_for_its_own_report(client, service, moderator, provider, who, url):
    # Two reports on one listing gave two buttons a screen reader named alike ("Mark as resolved –
    # Own service"): which one resolves which report could not be told apart in a list of buttons.
    with time_machine.travel(datetime(2026, 11, 2, 9, 30, tzinfo=UTC)):
        ProblemReport.objects.create(service=service, reason="area")
    with time_machine.travel(datetime(2026, 11, 3, 14, 5, tzinfo=UTC)):
        ProblemReport.objects.create(service=service, reason="area")
    ProblemReport.objects.create(service=service, reason="closed")
    client.force_login(moderator if who == "moderator" else provider)
    names = _resolve_button_names(client.get(reverse(url)).content.decode())
    assert len(names) == 3 and len(set(names)) == 3
    assert "Mark as resolved – Own service, It does not cover my area, 2 Nov 2026 09:30" in names


def test_the_error_summary_links_to_the_first_radio(client, service):
    page = client.post(reverse("listings:report_problem", args=[service.public_id]), {}).content.decode()
    assert 'href="#id_reason_0"' in page and 'id="id_reason_0"' in page


def test_a_client_sending_many_reports_is_asked_to_wait_and_keeps_what_it_wrote(client, service, settings):
    # Reports land in the moderators' queue: a script sending hundreds would bury the real ones.
    settings.PROBLEM_REPORT_RATE = "2/hour"
    url = reverse("listings:report_problem", args=[service.public_id])
    for _ in range(2):
        assert client.post(url, {"reason": "area", "comment": "Not Newport."}).status_code == 302
    assert client.post(url, {"reason": "", "comment": "a mistake, corrected"}).status_code == 200  # not counted

    refused = client.post(url, {"reason": "waiting_time", "comment": "The wait is now 20 weeks."})

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    page = refused.content.decode()
    assert "this one has not been sent yet" in page and "There is a problem" in page
    assert "The wait is now 20 weeks." in page  # nothing typed is lost
    assert 'value="waiting_time" checked' in page
    assert ProblemReport.objects.count() == 2
    other = client.post(url, {"reason": "waiting_time", "comment": "From elsewhere."}, REMOTE_ADDR="192.0.2.77")
    assert other.status_code == 302, "another client"


def test_the_limit_is_kept_under_a_hash_of_the_address_never_the_address(client, service, settings):
    from django.core.cache import cache

    settings.PROBLEM_REPORT_RATE = "5/hour"
    client.post(reverse("listings:report_problem", args=[service.public_id]), {"reason": "area"},
                REMOTE_ADDR="198.51.100.23")
    keys = [key for key in cache._cache if "report_problem" in key]
    assert len(keys) == 1
    assert "198.51.100.23" not in keys[0]


def _back_link(page: str) -> tuple[str, str]:
    link = re.search(r'<a href="([^"]*)" class="govuk-back-link[^"]*">([^<]*)</a>', page)
    return link.group(1), link.group(2)


@pytest.mark.parametrize(("prefix", "text"), [("", "Back to the service"), ("/cy", "Yn ôl i'r gwasanaeth")])
def test_the_report_page_links_back_to_the_service_in_the_page_language_also_after_an_error(
    client, service, prefix, text,
):
    # The browser's back button was the only way back, and after a refused report it went back to the form.
    url = prefix + reverse("listings:report_problem", args=[service.public_id])
    service_page = prefix + reverse("directory:service_detail", args=[service.public_id])
    assert _back_link(client.get(url).content.decode()) == (service_page, text)
    refused = client.post(url, {"comment": "x"})
    assert refused.status_code == 200 and _back_link(refused.content.decode()) == (service_page, text)
    assert client.get(service_page).status_code == 200


def test_the_welsh_report_page_warns_and_refuses_a_long_comment_in_welsh(client, service):
    url = f"/cy{reverse('listings:report_problem', args=[service.public_id])}"
    page = client.get(url).content.decode()
    assert "Peidiwch â chynnwys unrhyw beth a allai adnabod plentyn neu deulu" in page
    assert "Do not include anything" not in page

    page = client.post(url, {"reason": "other", "comment": "x" * 1201}).content.decode()
    assert "Eich sylw: rhaid iddo fod yn 300 o nodau neu lai. Mae ganddo 1,201." in page
    assert "Your comment" not in page and "must be" not in page


def test_the_welsh_report_page_marks_the_names_shown_in_english_as_english(client, service):
    # As the service's own page does: a Welsh screen reader read "Own service" with Welsh sounds.
    english_url = reverse("listings:report_problem", args=[service.public_id])
    welsh_url = f"/cy{english_url}"
    service.name_cy = "Gwasanaeth ei hun"
    service.save()
    page = client.get(welsh_url).content.decode()
    assert '<span class="govuk-caption-l">Gwasanaeth ei hun</span>' in page
    assert '<dd class="govuk-summary-list__value" lang="en">Own organisation</dd>' in page

    service.name_cy = ""
    service.save()
    assert '<span class="govuk-caption-l" lang="en">Own service</span>' in client.get(welsh_url).content.decode()
    english = client.get(english_url).content.decode()
    assert '<span class="govuk-caption-l">Own service</span>' in english
    assert '<dd class="govuk-summary-list__value">Own organisation</dd>' in english


def test_a_comment_naming_a_child_is_refused_shown_again_and_nothing_is_stored(client, service):
    url = reverse("listings:report_problem", args=[service.public_id])
    response = client.post(url, {"reason": "other", "comment": "My daughter Ffion, DOB 2/3/2015, was refused"})
    page = response.content.decode()
    assert response.status_code == 200 and ProblemReport.objects.count() == 0
    assert "this seems to hold a date of birth and a child&#x27;s or relative&#x27;s name" in page
    assert 'href="#id_comment"' in page  # the error summary leads to the box
    assert "My daughter Ffion, DOB 2/3/2015, was refused</textarea>" in page  # kept, to edit


# Emails about reports: to whoever can put the listing right, nothing about the reporter, and one
# email for a flood of reports.

@pytest.fixture
def emailed(settings, django_capture_on_commit_callbacks):
    """report(service, reason, comment="", address=...) -> the messages that report sent."""
    settings.SITE_URL = SITE
    settings.PROBLEM_REPORT_RATE = "1000/hour"

    def report(service, reason: str, comment: str = "", address: str = "192.0.2.1") -> list:
        from django.test import Client

        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(reverse("listings:report_problem", args=[service.public_id]),
                                     {"reason": reason, "comment": comment}, REMOTE_ADDR=address)
        assert response.status_code == 302
        return mail.outbox[before:]

    return report


def test_a_report_emails_the_providers_editors_a_link_to_their_reports(emailed, service, provider, moderator,
                                                                        other_provider):
    [message] = emailed(service, "area", address="198.51.100.23")
    assert message.to == ["own@example.org"]  # not the moderators, nor another organisation's editors
    assert message.subject == "Problem reported: Own service"
    assert 'reported a problem with the listing of Own service (Own organisation)' in message.body
    assert '"It does not cover my area"' in message.body
    assert "There is 1 open problem report about your listings." in message.body
    assert f"{SITE}/manage/#problem-reports" in message.body.split()
    assert "has no account" not in message.body
    assert "198.51.100.23" not in message.body  # nothing about who sent it
    assert ProblemReport.objects.get().emailed_to == ProblemReport.EmailedTo.PROVIDERS


def test_the_comment_is_left_out_of_the_email_and_read_on_the_page(emailed, client, service, provider):
    [message] = emailed(service, "other", "Ring the office on Tuesdays instead.")
    assert "Ring the office" not in message.body
    assert "They left a comment, which is not copied into emails: read it on the page below." in message.body
    elsewhere = OrganisationFactory(name="Elsewhere")
    MembershipFactory(user=UserFactory(email="elsewhere@example.org"), organisation=elsewhere)
    [without] = emailed(ServiceFactory(organisation=elsewhere, name="Other"), "area")
    assert "comment" not in without.body
    client.force_login(provider)
    dashboard = client.get(reverse("listings:dashboard")).content.decode()
    assert 'id="problem-reports"' in dashboard and "Ring the office on Tuesdays instead." in dashboard


def test_with_no_provider_account_to_tell_the_moderators_are_emailed_a_link_to_their_queue(
    emailed, client, service, moderator,
):
    # The provider's only accounts cannot be told: one closed, one without an address.
    MembershipFactory(user=UserFactory(email="gone@example.org", is_active=False), organisation=service.organisation)
    MembershipFactory(user=UserFactory(email=""), organisation=service.organisation)
    [message] = emailed(service, "closed")
    assert message.to == ["mod@example.org"]
    assert "The provider has no account on servicemap to tell, so this comes to the moderators." in message.body
    assert "There is 1 open problem report in the moderation queue." in message.body
    assert f"{SITE}/moderation/#problem-reports" in message.body.split()
    assert ProblemReport.objects.get().emailed_to == ProblemReport.EmailedTo.MODERATORS
    client.force_login(moderator)
    assert 'id="problem-reports"' in client.get(reverse("listings:moderation")).content.decode()


def test_a_flood_of_reports_emails_the_editors_once_a_day_while_the_first_is_open(emailed, service, provider):
    second = ServiceFactory(organisation=service.organisation, name="Second service")
    start = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        assert len(emailed(service, "area")) == 1
        for number in range(20):
            assert emailed(service, "criteria", address=f"192.0.2.{number + 10}") == []
        assert emailed(second, "closed") == []  # the same people: their page lists both
    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False):
        assert emailed(service, "area") == []
    with time_machine.travel(start + timedelta(days=1, minutes=1), tick=False):
        [message] = emailed(service, "waiting_time")
    assert "There are 24 open problem reports about your listings." in message.body
    assert ProblemReport.objects.filter(emailed_to="providers").count() == 2
    assert ProblemReport.objects.filter(emailed_to="").count() == 22


def test_once_the_emailed_report_is_resolved_the_next_is_emailed_at_once(emailed, service, provider):
    emailed(service, "area")
    emailed(service, "closed")
    for report in ProblemReport.objects.all():  # the editors dealt with both
        report.resolved_at = report.created_at
        report.save()
    [message] = emailed(service, "criteria")
    assert "There is 1 open problem report about your listings." in message.body


def test_another_organisations_report_is_emailed_to_its_own_editors(emailed, service, provider, other_provider):
    emailed(service, "area")
    other = ServiceFactory(organisation=other_provider.memberships.get().organisation, name="Theirs")
    [message] = emailed(other, "area")
    assert message.to == ["other@example.org"]


def test_a_flood_about_services_with_no_provider_account_emails_the_moderators_once(emailed, moderator, db):
    services = [ServiceFactory(name=f"Service {n}", organisation=OrganisationFactory(name=f"Org {n}")) for n in range(5)]
    sent = [message for service in services for message in emailed(service, "closed")]
    assert [m.to for m in sent] == [["mod@example.org"]]
    assert list(ProblemReport.objects.order_by("id").values_list("emailed_to", flat=True)) == [
        "moderators", "", "", "", ""]


def test_the_email_is_in_the_readers_language_with_welsh_links(emailed, service, provider):
    account_language_set(user=provider, language="cy")
    [message] = emailed(service, "area")
    assert message.subject == "Rhoddwyd gwybod am broblem: Own service"
    assert "Mae 1 adroddiad agored am broblem gyda'ch cofnodion." in message.body
    assert '"Nid yw\'n cwmpasu fy ardal i"' in message.body  # the reason too
    assert f"{SITE}/cy/manage/#problem-reports" in message.body.split()
    assert "someone using" not in message.body.lower() and ENGLISH_BELOW not in message.body


def test_an_editor_who_has_not_chosen_a_language_gets_both_welsh_first(emailed, service):
    MembershipFactory(user=UserFactory(email="unset@example.org"), organisation=service.organisation)
    [message] = emailed(service, "area")
    assert message.subject == "Rhoddwyd gwybod am broblem: Own service / Problem reported: Own service"
    assert message.body.startswith(ENGLISH_BELOW)
    assert message.body.index(f"{SITE}/cy/manage/") < message.body.index(f"{SITE}/manage/")


# Two reports at the same moment: whether to email is decided one report at a time.

@pytest.fixture
def connections_of_their_own(transactional_db, tmp_path):
    """`start()`, once the test's rows are written, gives each thread that then calls `connect()` a
    connection of its own to the test database, as two requests on two app servers have.

    PostgreSQL's are that already. SQLite's test database is in memory, and threads share it through
    a shared cache, whose locks are per table and never waited for: unlike a database file's, where
    a second writer waits for the first to commit. So on SQLite `start()` copies it to a file and
    points this thread, and each that calls `connect()`, at the copy."""
    main = connections[DEFAULT_DB_ALIAS]
    settings_dict = None

    def connect() -> None:
        if settings_dict is not None:
            connections[DEFAULT_DB_ALIAS] = main.__class__(settings_dict, DEFAULT_DB_ALIAS)

    class Start:
        def __call__(self):
            nonlocal settings_dict
            if main.vendor == "sqlite":
                main.ensure_connection()
                with sqlite3.connect(tmp_path / "db.sqlite3") as copy:
                    main.connection.backup(copy)
                settings_dict = {**main.settings_dict, "NAME": str(tmp_path / "db.sqlite3")}
                connect()
            return connect

    yield Start()
    if connections[DEFAULT_DB_ALIAS] is not main:
        connections[DEFAULT_DB_ALIAS].close()
        connections[DEFAULT_DB_ALIAS] = main


def _two_reports_at_once(connect, first_service, second_service) -> tuple[list, list]:
    """Two reports from two threads, the second made while the first, which has
    decided whether to email, has not yet committed. Returns the errors raised and how many
    emails had gone when the first was about to commit."""
    decided, second_done = threading.Event(), threading.Event()
    errors, sent_before_commit = [], []

    def pause_once_decided(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if 'SET "emailed_to"' in sql:  # the first report's email is decided: let the second come
            decided.set()
            # A second report that can decide meanwhile (no lock) finishes at once; one that waits
            # for this commit does not finish in this second.
            second_done.wait(timeout=1)
            sent_before_commit.append(len(mail.outbox))
        return result

    def report(service, reason: str, *, first: bool) -> None:
        connect()
        try:
            if first:
                with connection.execute_wrapper(pause_once_decided):
                    problem_report_create(service=service, reason=reason)
            else:
                decided.wait(timeout=10)
                problem_report_create(service=service, reason=reason)
        except Exception as error:  # noqa: BLE001 - reported to the test's thread
            errors.append(error)
        finally:
            if not first:
                second_done.set()
            connection.close()

    threads = [threading.Thread(target=report, args=(first_service, "area"), kwargs={"first": True}),
               threading.Thread(target=report, args=(second_service, "closed"), kwargs={"first": False})]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors, sent_before_commit


@pytest.mark.django_db(transaction=True)
def test_two_reports_at_the_same_moment_email_the_editors_once(connections_of_their_own, service, provider):
    # The second report's decision waits for the first to commit, and so sees it. Without that, on
    # PostgreSQL each missed the other's (not yet committed) report and both emailed; on SQLite the
    # second failed ("database is locked") and was lost.
    errors, sent_before_commit = _two_reports_at_once(connections_of_their_own(), service, service)

    assert errors == []
    assert sent_before_commit == [0]  # the email goes once the report is committed
    assert [m.to for m in mail.outbox] == [["own@example.org"]]
    assert list(ProblemReport.objects.order_by("id").values_list("reason", "emailed_to")) == [
        ("area", "providers"), ("closed", "")]


@pytest.mark.django_db(transaction=True)
def test_two_reports_at_the_same_moment_with_no_provider_account_email_the_moderators_once(
    connections_of_their_own, moderator,
):
    # The moderators' quiet day spans every organisation's services: two at once about two
    # services of two organisations.
    first, second = (ServiceFactory(organisation=OrganisationFactory(name=f"Org {n}")) for n in range(2))

    errors, sent_before_commit = _two_reports_at_once(connections_of_their_own(), first, second)

    assert errors == []
    assert sent_before_commit == [0]
    assert [m.to for m in mail.outbox] == [["mod@example.org"]]
    assert list(ProblemReport.objects.order_by("id").values_list("service", "emailed_to")) == [
        (first.pk, "moderators"), (second.pk, "")]


def _open_section(page: str) -> str:
    match = re.search(r'<h2 class="govuk-heading-[ml]" id="problem-reports">.*?(?=<h2|$)', page, re.S)
    return match.group(0) if match else ""


def _resolved_section(page: str) -> str:
    match = re.search(r'<h2 class="govuk-heading-[ml]" id="resolved-reports">.*?(?=<h2|$)', page, re.S)
    return match.group(0) if match else ""


def _reopen_button_names(page: str) -> list[str]:
    buttons = re.findall(r'<button type="submit"[^>]*>(Reopen report.*?)</button>', page, re.S)
    return [re.sub(r"<[^>]+>", "", button) for button in buttons]


@pytest.fixture
def resolved_reports(service, moderator, other_provider):
    """Resolved 2 and 5 days, and 15 days, before 20 Nov 2026 12:00; one still open; one on another
    organisation's listing."""
    other_service = ServiceFactory(organisation=other_provider.memberships.get().organisation, name="Their service")

    def resolved(on: datetime, **fields) -> ProblemReport:
        with time_machine.travel(on - timedelta(days=1)):
            report = ProblemReport.objects.create(**fields)
        ProblemReport.objects.filter(pk=report.pk).update(resolved_at=on, resolved_by=moderator)
        return report

    resolved(datetime(2026, 11, 5, 10, 0, tzinfo=UTC), service=service, reason="criteria", comment="Too old")
    resolved(datetime(2026, 11, 15, 10, 0, tzinfo=UTC), service=service, reason="closed", comment="Gone")
    resolved(datetime(2026, 11, 18, 10, 0, tzinfo=UTC), service=service, reason="area", comment="Not Newport")
    resolved(datetime(2026, 11, 17, 10, 0, tzinfo=UTC), service=other_service, reason="other", comment="Theirs")
    ProblemReport.objects.create(service=service, reason="waiting_time", comment="Still open")


@pytest.mark.parametrize("who, url", [("moderator", "listings:moderation"), ("provider", "listings:dashboard")])
def test_reports_resolved_in_the_last_14_days_are_listed_newest_first_each_with_a_named_reopen_button(
    client, resolved_reports, moderator, provider, who, url,
):
    # A report resolved by mistake could be reopened only from the banner straight after: once the
    # page was left, it was gone from every list.
    client.force_login(moderator if who == "moderator" else provider)
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=UTC)):
        section = _resolved_section(client.get(reverse(url)).content.decode())
    assert "Problem reports resolved in the last 14 days" in section
    assert "Too old" not in section and "Still open" not in section  # too long ago; not resolved
    assert ("Theirs" in section) == (who == "moderator")  # a provider's own listings only
    assert section.index("Not Newport") < section.index("Gone")
    assert "(reported 17 Nov 2026, resolved 18 Nov 2026 by mod@example.org)" in section
    names = _reopen_button_names(section)
    assert "Reopen report – Own service, It does not cover my area, 17 Nov 2026 10:00" in names
    assert "Reopen report – Own service, The service has closed, 14 Nov 2026 10:00" in names
    assert len(names) == len(set(names)) == (3 if who == "moderator" else 2)


@pytest.mark.parametrize("who, url", [("moderator", "listings:moderation"), ("provider", "listings:dashboard")])
def test_reopening_from_the_resolved_list_opens_it_again_and_comes_back(client, service, moderator, provider, who, url):
    report = ProblemReport.objects.create(service=service, reason="area", comment="Not Newport")
    user = moderator if who == "moderator" else provider
    client.force_login(user)
    services.problem_report_resolve(report=report, by=user)
    section = _resolved_section(client.get(reverse(url)).content.decode())
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', section, re.S)
    assert html.unescape(form.group(1)).startswith(reverse("listings:report_reopen", args=[report.public_id]))
    data = dict(re.findall(r'<input type="hidden" name="(next)" value="([^"]+)">', form.group(2)))
    response = client.post(html.unescape(form.group(1)), data, follow=True)
    assert response.redirect_chain == [(reverse(url), 302)]
    report.refresh_from_db()
    assert report.is_open
    page = response.content.decode()
    assert "Problem report reopened: Own service" in page and "Not Newport" not in _resolved_section(page)


def test_with_nothing_resolved_lately_the_dashboard_shows_no_section_and_the_queue_says_so(
    client, service, provider, moderator,
):
    client.force_login(provider)
    assert 'id="resolved-reports"' not in client.get(reverse("listings:dashboard")).content.decode()
    client.force_login(moderator)
    section = _resolved_section(client.get(reverse("listings:moderation")).content.decode())
    assert "None were resolved in that time." in section


def test_the_resolved_list_is_in_welsh(client, resolved_reports, provider):
    client.force_login(provider)
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=UTC)):
        section = _resolved_section(client.get(f"/cy{reverse('listings:dashboard')}").content.decode())
    assert "Adroddiadau am broblemau a ddatryswyd yn ystod y 14 diwrnod diwethaf" in section
    assert "adroddwyd ar 17 Tach 2026, datryswyd ar 18 Tach 2026 gan mod@example.org" in section
    assert "Ailagor yr adroddiad" in section and "Reopen" not in section


@pytest.mark.parametrize("who, url", [("moderator", "listings:moderation"), ("provider", "listings:dashboard")])
def test_reopening_records_who_and_when_and_the_open_reports_say_so(client, service, moderator, provider, who, url):
    # Reopening only cleared who had resolved it: back on the list, a report looked as if never seen.
    user = moderator if who == "moderator" else provider
    with time_machine.travel(datetime(2026, 11, 17, 10, 0, tzinfo=UTC)):
        report = ProblemReport.objects.create(service=service, reason="area", comment="Not Newport")
        ProblemReport.objects.create(service=service, reason="closed", comment="Never resolved")
        services.problem_report_resolve(report=report, by=user)
    client.force_login(user)
    with time_machine.travel(datetime(2026, 11, 18, 9, 30, tzinfo=UTC), tick=False):
        response = client.post(
            reverse("listings:report_reopen", args=[report.public_id]),
            {"next": "moderation"} if who == "moderator" else {}, follow=True,
        )
    assert response.redirect_chain == [(reverse(url), 302)]
    report.refresh_from_db()
    assert (report.reopened_by, report.reopened_at) == (user, datetime(2026, 11, 18, 9, 30, tzinfo=UTC))
    assert (report.resolved_by, report.resolved_at) == (None, None)
    section = _open_section(response.content.decode())
    line = f"Reopened by {user.email} on 18 Nov 2026"
    assert line in section and section.count("Reopened") == 1  # the report never resolved says nothing
    assert section.index("Not Newport") > section.index(line) > section.index("It does not cover my area")
    # Resolved again, the last reopening is kept (the admin shows it), and is not listed as open.
    services.problem_report_resolve(report=report, by=user)
    report.refresh_from_db()
    assert report.reopened_by == user and "Reopened" not in _open_section(client.get(reverse(url)).content.decode())


def test_a_reopened_report_whose_reopener_has_gone_says_when_and_in_welsh_by_whom(client, service, provider):
    with time_machine.travel(datetime(2026, 11, 18, 9, 30, tzinfo=UTC)):
        kept = ReopenedProblemReportFactory(service=service, reopened_by=UserFactory(email="mod2@example.org"))
        gone = ReopenedProblemReportFactory(service=service, reason="closed")
    gone.reopened_by.delete()  # an account erased (SET_NULL): the date stays
    gone.refresh_from_db()
    assert gone.reopened_by is None and gone.reopened_at is not None and kept.reopened_by is not None
    client.force_login(provider)
    section = _open_section(client.get(reverse("listings:dashboard")).content.decode())
    assert "Reopened by mod2@example.org on 18 Nov 2026" in section and "Reopened on 18 Nov 2026" in section
    welsh = _open_section(client.get(f"/cy{reverse('listings:dashboard')}").content.decode())
    assert "Ailagorwyd gan mod2@example.org ar 18 Tach 2026" in welsh and "Ailagorwyd ar 18 Tach 2026" in welsh
    assert "Reopened" not in welsh


def test_the_admin_lists_who_reopened_each_report(client, service):
    ReopenedProblemReportFactory(service=service, reopened_by=UserFactory(username="mod2", email="mod2@example.org"))
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:directory_problemreport_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Reopened by" in page and "Reopened at" in page
    row = re.search(r'<tr>.*?</tr>', page.split("<tbody>")[1], re.S).group(0)
    assert ">mod2<" in row  # the account, by its str (its username)
