"""The moderators' queue of changes waiting for approval, when an import holds thousands of new listings."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from directory.listings import services
from directory.listings.views import CHANGES_PAGE_SIZE
from directory.models import ServiceChange
from tests.factories import ReopenedProblemReportFactory, ServiceFactory, UnpublishedServiceFactory, UserFactory


def _changes_section(page: str) -> str:
    start = page.index('id="changes">') + len('id="changes">')
    section = page[start : page.index('<h2 class="govuk-heading-l" id="problem-reports"')]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def _sent_by_provider(name: str, *, days_ago: int, provider) -> ServiceChange:
    change = ServiceChange.objects.create(
        service=ServiceFactory(name=name),
        kind=ServiceChange.Kind.EDIT,
        proposed={"status": "paused"},
        submitted_by=provider,
    )
    ServiceChange.objects.filter(pk=change.pk).update(submitted_at=timezone.now() - timedelta(days=days_ago))
    return change


def test_the_queue_is_a_page_at_a_time_with_what_people_sent_before_what_an_import_held(
    client, moderator, provider, django_assert_max_num_queries
):
    # One import held 2,000 new listings: the page listed every one (0.9 MB, 5 s), the problem reports
    # below them, and a provider's change sent after the import was on the list's last screen.
    _sent_by_provider("Sent before the import", days_ago=3, provider=provider)
    imported = [UnpublishedServiceFactory(name=f"Imported {i:03d}") for i in range(CHANGES_PAGE_SIZE + 1)]
    services.imported_hold([service.pk for service in imported])
    _sent_by_provider("Sent after the import", days_ago=0, provider=provider)
    # Open problem reports reopened, each by its own account, named on the page: more than the 3 queries
    # the limit leaves spare (11 are made), so one query per report would show.
    for number in range(5):
        ReopenedProblemReportFactory(reopened_by=UserFactory(email=f"reopener{number}@example.org"))
    client.force_login(moderator)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("listings:moderation")).content.decode()
    assert page.count("Reopened by reopener") == 5
    section = _changes_section(page)
    assert section.startswith(f"{CHANGES_PAGE_SIZE + 3} waiting for approval")
    assert (
        section.index("Sent before the import") < section.index("Sent after the import") < section.index("Imported 000")
    )
    assert f"Imported {CHANGES_PAGE_SIZE - 3:03d}" in section and f"Imported {CHANGES_PAGE_SIZE - 2:03d}" not in section
    assert 'href="?changes_page=2#changes"' in page
    second = _changes_section(client.get(reverse("listings:moderation"), {"changes_page": 2}).content.decode())
    assert f"Imported {CHANGES_PAGE_SIZE - 2:03d}" in second and f"Imported {CHANGES_PAGE_SIZE:03d}" in second
    assert "Sent after the import" not in second
    # A page number out of range or not a number shows a page, never an error.
    assert client.get(reverse("listings:moderation"), {"changes_page": "x"}).status_code == 200


def test_an_empty_queue_is_headed_in_words_not_with_a_nought(client, moderator):
    # It read "0 waiting for approval" above "Nothing is waiting for approval."
    client.force_login(moderator)
    section = _changes_section(client.get(reverse("listings:moderation")).content.decode())
    assert section == "Waiting for approval Nothing is waiting for approval."
    welsh = _changes_section(client.get("/cy" + reverse("listings:moderation")).content.decode())
    assert welsh == "Yn aros am gymeradwyaeth Does dim byd yn aros am gymeradwyaeth."


def test_a_queue_with_changes_is_headed_with_their_number_in_english_and_welsh(client, moderator, provider):
    _sent_by_provider("Sent last week", days_ago=7, provider=provider)
    client.force_login(moderator)
    assert _changes_section(client.get(reverse("listings:moderation")).content.decode()).startswith(
        "1 waiting for approval Service"
    )
    _sent_by_provider("Sent today", days_ago=0, provider=provider)
    welsh = _changes_section(client.get("/cy" + reverse("listings:moderation")).content.decode())
    assert welsh.startswith("2 yn aros am gymeradwyaeth")


def test_the_queue_lets_a_senders_address_wrap_after_its_at_sign_or_before_a_dot_only(client, moderator):
    # Allowed to break anywhere, the "Sent" column split it mid-word on a phone ("prov@exampl / e.org").
    sender = UserFactory(username="first.last@example.org", email="first.last@example.org")
    _sent_by_provider("Sent by a named provider", days_ago=1, provider=sender)
    client.force_login(moderator)
    page = client.get(reverse("listings:moderation")).content.decode()
    assert '<span class="govuk-hint">first<wbr>.last@<wbr>example<wbr>.org</span>' in page


def test_an_address_is_escaped_before_its_places_to_wrap_are_marked():
    from directory.templatetags.directory_extras import email_breaks

    assert email_breaks("<b>x</b>@example.org") == "&lt;b&gt;x&lt;/b&gt;@<wbr>example<wbr>.org"
