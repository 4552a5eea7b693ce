"""Report a problem: reasons, a short comment with a warning, to the moderators and the provider."""

from __future__ import annotations

import re

from django.urls import reverse

from directory.listings.forms import COMMENT_TOO_LONG, REASON_REQUIRED
from directory.models import ProblemReport


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
        "id", "public_id", "service", "reason", "comment", "created_at", "resolved_at", "resolved_by"
    }


def test_a_report_needs_a_reason_and_a_short_comment(client, service):
    url = reverse("listings:report_problem", args=[service.public_id])
    response = client.post(url, {"reason": "", "comment": "x"})
    assert response.status_code == 200 and str(REASON_REQUIRED) in response.content.decode()
    response = client.post(url, {"reason": "nonsense"})
    assert response.status_code == 200 and str(REASON_REQUIRED) in response.content.decode()
    response = client.post(url, {"reason": "other", "comment": "x" * 301})
    assert response.status_code == 200 and str(COMMENT_TOO_LONG) in response.content.decode()
    assert not ProblemReport.objects.exists()


def test_an_over_long_comment_is_refused_with_a_message_and_kept_whole_not_cut_short_by_the_browser(client, service):
    # The box carried maxlength="300": a browser silently cut a pasted 400-character comment to 300
    # and sent the report with its end missing, never showing the message below.
    url = reverse("listings:report_problem", args=[service.public_id])
    box = re.search(r"<textarea[^>]*>", client.get(url).content.decode()).group(0)
    assert 'name="comment"' in box and "maxlength" not in box, box
    typed = "The phone number on the listing rings a closed office. " * 7
    response = client.post(url, {"reason": "contact_details", "comment": typed})
    assert response.status_code == 200 and str(COMMENT_TOO_LONG) in response.content.decode()
    assert typed.strip() in response.content.decode()
    assert not ProblemReport.objects.exists()


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


def test_resolving_records_who_and_when_and_leaves_the_queue(client, service, moderator):
    client.post(reverse("listings:report_problem", args=[service.public_id]), {"reason": "closed", "comment": "Gone"})
    report = ProblemReport.objects.get()
    client.force_login(moderator)
    response = client.post(reverse("listings:report_resolve", args=[report.public_id]), {"next": "moderation"})
    assert response["Location"] == reverse("listings:moderation")
    report.refresh_from_db()
    assert report.resolved_by == moderator and report.resolved_at is not None
    assert "Gone" not in client.get(reverse("listings:moderation")).content.decode()
    # Resolving again changes nothing.
    resolved_at = report.resolved_at
    client.post(reverse("listings:report_resolve", args=[report.public_id]))
    report.refresh_from_db()
    assert report.resolved_at == resolved_at


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


def test_the_welsh_report_page_warns_and_refuses_a_long_comment_in_welsh(client, service):
    url = f"/cy{reverse('listings:report_problem', args=[service.public_id])}"
    page = client.get(url).content.decode()
    assert "Peidiwch â chynnwys unrhyw beth a allai adnabod plentyn neu deulu" in page
    assert "Do not include anything" not in page

    page = client.post(url, {"reason": "other", "comment": "x" * 301}).content.decode()
    assert "Cadwch eich sylw i 300 nod neu lai." in page
    assert "Keep your comment" not in page


def test_a_comment_naming_a_child_is_refused_shown_again_and_nothing_is_stored(client, service):
    url = reverse("listings:report_problem", args=[service.public_id])
    response = client.post(url, {"reason": "other", "comment": "My daughter Ffion, DOB 2/3/2015, was refused"})
    page = response.content.decode()
    assert response.status_code == 200 and ProblemReport.objects.count() == 0
    assert "this seems to hold a date of birth and a child&#x27;s or relative&#x27;s name" in page
    assert 'href="#id_comment"' in page  # the error summary leads to the box
    assert "My daughter Ffion, DOB 2/3/2015, was refused</textarea>" in page  # kept, to edit
