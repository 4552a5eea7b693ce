"""Wait updates append to the history and publish at once; confirming is not the same as editing."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from directory.listings import selectors, services
from directory.listings.forms import WEEKS_INVALID, WEEKS_RANGE, WEEKS_REQUIRED
from directory.models import Service, ServiceChange, WaitingTimeReport
from tests.directory.listings.conftest import form_data
from tests.factories import (
    PausedServiceFactory,
    ReopenedProblemReportFactory,
    ServiceFactory,
    UnpublishedServiceFactory,
    UserFactory,
)


def test_a_wait_update_adds_to_the_history_and_never_overwrites(client, provider, service):
    url = reverse("listings:wait_update", args=[service.public_id])
    with time_machine.travel(date(2030, 3, 2)):
        client.force_login(provider)
        assert client.post(url, {"weeks": "10", "referrals_open": "yes"})["Location"] == "/manage/"
    with time_machine.travel(date(2030, 4, 6)):
        client.force_login(provider)
        assert client.post(url, {"weeks": "0", "referrals_open": "no"})["Location"] == "/manage/"
    history = list(WaitingTimeReport.objects.filter(service=service).values_list("weeks", "referrals_open", "as_of"))
    assert history[:2] == [(0, False, date(2030, 4, 6)), (10, True, date(2030, 3, 2))]
    assert len(history) == 3  # the factory's first wait is still there
    assert WaitingTimeReport.objects.filter(service=service).first().recorded_by == provider


def test_giving_the_same_wait_again_verifies_it(client, provider, service):
    with time_machine.travel(date(2030, 1, 5)):
        client.force_login(provider)
        client.post(reverse("listings:wait_update", args=[service.public_id]), {"weeks": "6", "referrals_open": "yes"})
    with time_machine.travel(date(2030, 3, 1)):
        client.force_login(provider)
        newest = WaitingTimeReport.objects.filter(service=service).first()
        assert newest.is_stale  # 55 days old
        client.post(reverse("listings:wait_update", args=[service.public_id]), {"weeks": "6", "referrals_open": "yes"})
        newest = WaitingTimeReport.objects.filter(service=service).first()
        assert newest.as_of == date(2030, 3, 1)
        assert not newest.is_stale


def test_a_wait_is_stale_after_six_weeks(service):
    wait = WaitingTimeReport(service=service, weeks=3, as_of=date(2026, 1, 1))
    with time_machine.travel(date(2026, 2, 12)):  # 42 days
        assert not wait.is_stale
    with time_machine.travel(date(2026, 2, 13)):  # 43 days
        assert wait.is_stale


def test_a_wait_update_publishes_at_once_without_approval(client, provider, service):
    client.force_login(provider)
    client.post(reverse("listings:wait_update", args=[service.public_id]), {"weeks": "14", "referrals_open": "yes"})
    public = selectors.service_get_published(public_id=service.public_id)
    assert public.waits[0].weeks == 14
    assert not ServiceChange.objects.exists()


def test_an_invalid_wait_is_explained_and_not_stored(client, provider, service):
    client.force_login(provider)
    url = reverse("listings:wait_update", args=[service.public_id])
    for data, message in [({"weeks": "", "referrals_open": "yes"}, WEEKS_REQUIRED),
                          ({"weeks": "-1", "referrals_open": "yes"}, WEEKS_RANGE),
                          ({"weeks": "600", "referrals_open": "yes"}, WEEKS_RANGE),
                          ({"weeks": "six", "referrals_open": "yes"}, WEEKS_INVALID),
                          ({"weeks": "2-3 weeks", "referrals_open": "yes"}, WEEKS_INVALID),
                          ({"weeks": "6 months", "referrals_open": "yes"}, WEEKS_INVALID)]:
        response = client.post(url, data)
        assert response.status_code == 200
        assert str(message) in response.content.decode()
    response = client.post(url, {"weeks": "3"})
    assert "Say whether the service is taking referrals." in response.content.decode()
    assert WaitingTimeReport.objects.filter(service=service).count() == 1


@pytest.mark.parametrize("typed", ["6 weeks", "6 Weeks.", " 6 wks ", "6w", "6 wythnos"])
def test_a_wait_typed_with_the_word_for_weeks_is_stored_as_the_number(client, provider, service, typed):
    client.force_login(provider)

    response = client.post(reverse("listings:wait_update", args=[service.public_id]),
                           {"weeks": typed, "referrals_open": "yes"})

    assert response.status_code == 302
    assert WaitingTimeReport.objects.filter(service=service).latest("id").weeks == 6


def test_the_wait_box_is_wide_enough_to_show_a_wait_typed_with_its_word(client, provider, service):
    # It was four characters wide: "6 months", refused, was shown back as "6 mo" beside its message.
    client.force_login(provider)
    for url in (reverse("listings:dashboard"), reverse("listings:wait_update", args=[service.public_id])):
        html = client.get(url).content.decode()
        box = re.search(r'<input class="([^"]*)"[^>]*name="weeks"', html)[1].split()
        assert [c for c in box if c.startswith("govuk-input--width-")] == ["govuk-input--width-10"], url


def test_everything_is_still_correct_records_the_date_and_who(client, provider, service):
    with time_machine.travel(date(2030, 5, 20)):
        client.force_login(provider)
        client.post(reverse("listings:service_confirm", args=[service.public_id]))
    service.refresh_from_db()
    assert service.last_confirmed_at == date(2030, 5, 20)
    assert service.confirmed_by == provider


def test_editing_is_not_verifying_unless_ticked(client, provider, service):
    service.last_confirmed_at = date(2025, 1, 1)
    service.save()
    url = reverse("listings:service_edit", args=[service.public_id])
    with time_machine.travel(date(2030, 5, 20)):
        client.force_login(provider)
        client.post(url, form_data(service, referral_phone="02000 111111"))
        service.refresh_from_db()
        assert service.referral_phone == "02000 111111"
        assert service.last_confirmed_at == date(2025, 1, 1)

        client.post(url, {**form_data(service, referral_phone="02000 222222"), "confirm_rest": "on"})
        service.refresh_from_db()
        assert service.last_confirmed_at == date(2030, 5, 20)
        assert service.confirmed_by == provider


def test_the_dashboard_shows_status_wait_age_confirmation_reports_and_pending(client, provider, service):
    services.problem_report_create(service=service, reason="closed", comment="Phone line dead")
    services.service_edit(service=service, values=services.form_values_from_service(service, age_min="8"), by=provider)
    client.force_login(provider)
    page = client.get(reverse("listings:dashboard")).content.decode()
    assert "Own service" in page
    assert "Taking referrals" in page
    assert "6 weeks" in page and "today" in page
    assert "Phone line dead" in page
    assert "Change to referral details" in page
    assert "1 open" in page


def test_the_dashboard_flags_stale_waits_and_overdue_confirmation(client, provider, org):
    with time_machine.travel(date(2025, 1, 1)):
        ServiceFactory(organisation=org, wait_weeks=4, last_confirmed_at=date(2025, 1, 1))
    with time_machine.travel(date(2026, 2, 1)):
        client.force_login(provider)
        page = client.get(reverse("listings:dashboard")).content.decode()
    assert "May be out of date" in page
    assert "Overdue: please check" in page


def test_dashboard_queries_do_not_grow_with_services(client, provider, org, django_assert_max_num_queries):
    from django.utils import timezone

    from directory.models import ProblemReport

    for number in range(12):
        service = ServiceFactory(organisation=org, wait_weeks=3)
        if number % 4 == 0:  # reports resolved lately, listed with a button to reopen each
            ProblemReport.objects.create(service=service, reason="area", resolved_at=timezone.now(), resolved_by=provider)
        if number % 4 == 1:  # open ones reopened, each by its own account, named on the page
            ReopenedProblemReportFactory(service=service, reopened_by=UserFactory(email=f"reopener{number}@example.org"))
    client.force_login(provider)
    # 13th: the provider's organisations, with their contact details; 14th: who edits them (their open
    # accounts); 15th: reports resolved lately.
    with django_assert_max_num_queries(15):
        page = client.get(reverse("listings:dashboard")).content.decode()
    assert page.count("Reopened by reopener") == 3


def test_a_provider_with_no_organisation_sees_how_to_get_access(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    page = client.get(reverse("listings:dashboard")).content.decode()
    assert "Ask a moderator to invite you" in page


def test_the_dashboard_shows_a_rejection_only_while_it_is_the_latest_decision(client, provider, moderator, service):
    client.force_login(provider)

    def propose(age: str):
        return services.service_edit(
            service=service, values=services.form_values_from_service(service, age_min=age), by=provider
        )

    with time_machine.travel("2025-03-03 10:00", tick=False):
        services.change_reject(change=propose("8").pending, by=moderator, reason="Age range looks wrong")
    page = client.get(reverse("listings:dashboard")).content.decode()
    assert "Not approved on 3 Mar 2025" in page and "Age range looks wrong" in page

    with time_machine.travel("2025-03-05 10:00", tick=False):
        services.change_approve(change=propose("7").pending, by=moderator)
    page = client.get(reverse("listings:dashboard")).content.decode()
    assert "Not approved on" not in page and "Age range looks wrong" not in page


def _status_row(page: str, service) -> str:
    card = page[page.index(f'id="service-{service.public_id}"'):]
    row = card[card.index(">Status</dt>"):]
    return " ".join(row[: row.index("</dd>")].split())


def test_the_dashboard_status_says_referrals_are_closed_when_the_public_listing_does(client, provider, service):
    # Closing referrals with the wait update made the public listing say "Referrals closed" while the
    # dashboard's Status still said "Taking referrals".
    client.force_login(provider)
    client.post(reverse("listings:wait_update", args=[service.public_id]), {"weeks": "10", "referrals_open": "no"})
    assert "Referrals closed" in client.get(reverse("directory:service_detail", args=[service.public_id])).content.decode()
    status = _status_row(client.get(reverse("listings:dashboard")).content.decode(), service)
    assert "Referrals closed" in status and "Taking referrals" not in status
    client.post(reverse("listings:wait_update", args=[service.public_id]), {"weeks": "10", "referrals_open": "yes"})
    status = _status_row(client.get(reverse("listings:dashboard")).content.decode(), service)
    assert "Taking referrals" in status and "closed" not in status


def _needs_doing(page: str) -> list[tuple[str, str]]:
    import re

    section = re.search(r'<h2 class="govuk-heading-m" id="needs-doing">.*?</ul>', page, re.S)
    if section is None:
        return []
    return [(href, " ".join(re.sub(r"<[^>]+>", "", text).split()))
            for href, text in re.findall(r'<li><a class="govuk-link" href="([^"]+)">(.*?)</a></li>', section.group(0), re.S)]


def test_the_dashboard_starts_with_what_needs_doing_first(client, provider, moderator, org):
    # Three listings were shown alike in name order, each with its whole wait form: an overdue check
    # or a rejected change on the third was found only by reading every card.
    with time_machine.travel(date(2025, 1, 1)):
        fine = ServiceFactory(organisation=org, name="A fine service", wait_weeks=4, last_confirmed_at=date(2025, 1, 1))
        stale = ServiceFactory(organisation=org, name="B stale service", wait_weeks=4, last_confirmed_at=date(2025, 12, 1))
        rejected = ServiceFactory(organisation=org, name="C rejected service", last_confirmed_at=date(2025, 12, 1))
        never = ServiceFactory(organisation=org, name="D new service", wait_weeks=2, last_confirmed_at=None)
    with time_machine.travel(date(2026, 1, 20)):
        services.wait_update(service=never, weeks=2, referrals_open=True, by=provider)
    with time_machine.travel(date(2026, 2, 1)):
        services.change_reject(
            change=services.service_edit(
                service=rejected, values=services.form_values_from_service(rejected, age_min="8"), by=provider
            ).pending,
            by=moderator, reason="Age range looks wrong",
        )
        client.force_login(provider)
        page = client.get(reverse("listings:dashboard")).content.decode()
        assert _needs_doing(page) == [
            (f"/manage/services/{rejected.public_id}/edit/?from=rejected",
             "Fix the change to C rejected service that was not approved, and send it again"),
            (f"#wait-{rejected.public_id}-weeks", "Give the current waiting time for C rejected service"),
            (f"#wait-{fine.public_id}-weeks", "Update the waiting time for A fine service: it is over 6 weeks old"),
            (f"#wait-{stale.public_id}-weeks", "Update the waiting time for B stale service: it is over 6 weeks old"),
            (f"#service-{fine.public_id}", "Check A fine service and confirm it is still correct: "
                                           "last confirmed over 12 months ago"),
            (f"#service-{never.public_id}", "Check D new service and confirm it is still correct: never confirmed"),
        ]
        for href, _text in _needs_doing(page):
            assert href.startswith("/") or f'id="{href[1:]}"' in page
        # Done, it goes.
        services.wait_update(service=fine, weeks=4, referrals_open=True, by=provider)
        services.service_confirm(service=fine, by=provider)
        page = client.get(reverse("listings:dashboard")).content.decode()
        assert not [t for t in _needs_doing(page) if "A fine service" in t[1]]
        # A moderator's dashboard lists every service in the directory: their list is the moderation queue.
        client.force_login(moderator)
        assert _needs_doing(client.get(reverse("listings:dashboard")).content.decode()) == []


def test_what_needs_doing_calls_a_rejected_new_listing_a_new_listing_not_a_change(client, provider, moderator, org):
    """A new listing sent back was "the change to …": the provider had sent no change, and the page
    it leads to (and the email) says "Your new listing was not approved"."""
    new = ServiceFactory(organisation=org, name="Sibling support", is_published=False)
    change = ServiceChange.objects.create(service=new, kind=ServiceChange.Kind.NEW, proposed={}, submitted_by=provider)
    services.change_reject(change=change, by=moderator, reason="Please add the areas.")
    client.force_login(provider)
    [task] = [t for t in _needs_doing(client.get(reverse("listings:dashboard")).content.decode()) if "Fix" in t[1]]
    assert task == (f"/manage/services/{new.public_id}/edit/",
                    "Fix your new listing Sibling support, which was not approved, and send it again")
    assert "Your new listing was not approved" in client.get(task[0]).content.decode()
    welsh = client.get("/cy" + reverse("listings:dashboard")).content.decode()
    assert "Cywirwch eich cofnod newydd Sibling support, na chafodd ei gymeradwyo, a'i anfon eto" in welsh


def test_the_dashboard_says_which_fields_wait_for_approval(client, provider, service):
    # It said only "Change to referral details, sent 5 Dec": what was sent could be seen only by
    # opening the edit form and comparing it with the public listing from memory.
    services.service_edit(
        service=service, values=services.form_values_from_service(service, age_min="8", abuse_online=True),
        by=provider,
    )
    client.force_login(provider)
    import re

    page = " ".join(re.sub(r"<[^>]+>", " ", client.get(reverse("listings:dashboard")).content.decode()).split())
    assert "Changes sent: Online abuse, Youngest age (years)" in page


def test_confirming_the_listing_says_it_does_not_confirm_the_wait_and_how_to(client, provider, org):
    # "Everything is still correct" beside the wait form left an old wait shown as "may be out of
    # date": nothing said that the wait is confirmed by giving it again, even unchanged.
    with time_machine.travel(date(2025, 1, 1)):
        service = ServiceFactory(organisation=org, wait_weeks=4)
    with time_machine.travel(date(2025, 3, 1)):
        client.force_login(provider)
        page = client.get(reverse("listings:dashboard")).content.decode()
        card = page[page.index(f'id="service-{service.public_id}"'):]
        assert "This does not confirm the wait: update it, even to the same number of weeks." in card
        response = client.post(reverse("listings:service_confirm", args=[service.public_id]), follow=True)
        message = " ".join(str(m) for m in response.context["messages"])
        assert "confirmed as still correct today" in message
        assert "Its wait was last given on 1 Jan 2025: update it" in message


def test_the_wait_page_opens_on_the_current_wait_so_saving_weeks_keeps_referrals_closed(client, moderator, service):
    # Opened from the all-services list: "referrals open" was ticked whatever the current wait said.
    WaitingTimeReport.objects.create(service=service, weeks=9, referrals_open=False, as_of=date.today())
    client.force_login(moderator)

    page = client.get(reverse("listings:wait_update", args=[service.public_id])).content.decode()

    assert 'value="9"' in re.search(r'<input[^>]*name="weeks"[^>]*>', page)[0]
    radios = dict(re.findall(r'<input[^>]*name="referrals_open"[^>]*value="(yes|no)"([^>]*)>', page))
    assert "checked" in radios["no"] and "checked" not in radios["yes"]
    summary = " ".join(page[page.index("Current wait</dt>"):].split())
    assert summary.startswith('Current wait</dt> <dd class="govuk-summary-list__value"> 9 weeks, referrals closed')


def test_each_dashboard_wait_box_is_named_for_its_service(client, provider, org, service):
    # Every card's box was "Current wait in weeks" and its radios "Taking referrals?": a screen
    # reader's list of form fields, or "What needs doing" jumping to one, did not say which service's it was.
    other = ServiceFactory(organisation=org, name="Other service", wait_weeks=2)
    client.force_login(provider)
    page = client.get(reverse("listings:dashboard")).content.decode()
    for listed in (service, other):
        label = re.search(rf'<label class="govuk-label govuk-label--s" for="wait-{listed.public_id}-weeks">(.*?)</label>', page)
        assert label.group(1) == (
            f'Current wait in weeks<span class="govuk-visually-hidden"> – {listed.name}</span>'
        )
        radios = re.search(
            rf'<legend [^>]*>([^<]*(?:<span[^>]*>[^<]*</span>)?)</legend>\s*(?:<div[^>]*>\s*)*'
            rf'<input class="govuk-radios__input" id="wait-{listed.public_id}-referrals_open_0"', page,
        )
        assert radios.group(1) == f'Taking referrals?<span class="govuk-visually-hidden"> – {listed.name}</span>'
    # The wait page, for one service, is named by its heading: its box keeps its plain label.
    wait_page = client.get(reverse("listings:wait_update", args=[service.public_id])).content.decode()
    assert '<label class="govuk-label govuk-label--s" for="id_weeks">Current wait in weeks</label>' in wait_page


def test_the_add_a_service_form_does_not_offer_the_check_that_adding_records_anyway(client, provider, org, service):
    """A new listing is recorded as confirmed by whoever wrote it, that day: a box to tick for it, saying
    "Saving an edit alone does not", was a question whose answer changed nothing."""
    client.force_login(provider)
    page = client.get(reverse("listings:service_new")).content.decode()
    assert 'name="confirm_rest"' not in page
    assert "I have checked the rest of this listing" not in page
    with time_machine.travel(date(2030, 5, 20)):
        client.force_login(provider)
        data = {**form_data(service, name_en="Sibling support"), "organisation": org.pk}
        assert client.post(reverse("listings:service_new"), data).status_code == 302
    new = Service.objects.get(name_en="Sibling support")
    assert (new.last_confirmed_at, new.confirmed_by) == (date(2030, 5, 20), provider)
    # The edit form still asks: editing is not verifying.
    assert 'name="confirm_rest"' in client.get(reverse("listings:service_edit", args=[new.public_id])).content.decode()


def test_the_dashboard_says_who_edits_each_organisation_and_how_to_add_a_colleague(client, provider, org, other_provider):
    """Only a moderator can invite: a provider wanting a colleague to help looked for a way and found
    none (the invitation page is a 403), nor who already had access."""
    from tests.factories import MembershipFactory, UserFactory

    colleague = UserFactory(username="colleague@example.org", email="colleague@example.org")
    MembershipFactory(user=colleague, organisation=org)
    closed = UserFactory(username="left@example.org", email="left@example.org", is_active=False)
    MembershipFactory(user=closed, organisation=org)
    client.force_login(provider)
    page = client.get(reverse("listings:dashboard")).content.decode()
    card = page[page.index('id="organisation-'):]
    assert "Who can edit its listings" in card
    assert card.index("colleague@example.org") < card.index("own@example.org")
    assert "left@example.org" not in page  # a closed account edits nothing
    assert "other@example.org" not in page  # another organisation's provider
    assert "To give a colleague access, ask a moderator to invite them." in card
    assert "When someone leaves, ask a moderator to remove their access." in card  # none can themselves
    client.force_login(colleague)
    welsh = client.get("/cy" + reverse("listings:dashboard")).content.decode()
    assert "Pwy all olygu ei gofnodion" in welsh
    assert "I roi mynediad i gydweithiwr, gofynnwch i gymedrolwr eu gwahodd." in welsh
    assert "Pan fydd rhywun yn gadael, gofynnwch i gymedrolwr ddileu eu mynediad." in welsh


def _wait_saved_banner(client, service, weeks: str, referrals_open: str) -> str:
    response = client.post(
        reverse("listings:wait_update", args=[service.public_id]), {"weeks": weeks, "referrals_open": referrals_open},
        follow=True,
    )
    return re.sub(r"\s+", " ", re.search(
        r'govuk-notification-banner__heading">(.*?)</', response.content.decode(), re.S)[1]).strip()


def test_closing_and_reopening_referrals_says_what_the_public_listing_now_shows(client, provider, service):
    # The same form closes and reopens the list: "updated" alone did not say the listing now turns referrals away.
    client.force_login(provider)
    assert _wait_saved_banner(client, service, "8", "no") == (
        "Wait for Own service updated as of today. Its listing now says its waiting list is closed, so no one can "
        "refer to it until you update the wait with referrals open."
    )
    assert _wait_saved_banner(client, service, "8", "yes") == (
        "Wait for Own service updated as of today. Its listing now says it is taking referrals, with a wait of 8 weeks."
    )
    assert _wait_saved_banner(client, service, "1", "yes").endswith("with a wait of 1 week.")
    assert _wait_saved_banner(client, service, "0", "yes").endswith("Its listing now says it is taking referrals, with no wait.")
    assert [(w.weeks, w.referrals_open) for w in WaitingTimeReport.objects.filter(service=service)[:4]] == [
        (0, True), (1, True), (8, True), (8, False)]


def test_reopening_referrals_on_a_paused_service_says_its_status_still_stops_them(client, provider, org):
    paused = PausedServiceFactory(organisation=org, name="Paused one")
    client.force_login(provider)
    assert _wait_saved_banner(client, paused, "3", "yes") == (
        "Wait for Paused one updated as of today. Its listing still says it is not taking referrals, as its status "
        "is “Referrals paused”: to change that, edit the listing."
    )


def test_a_wait_for_a_listing_not_yet_approved_says_the_public_sees_it_after_approval(client, provider, org):
    waiting = UnpublishedServiceFactory(organisation=org, name="Brand new")
    client.force_login(provider)
    assert _wait_saved_banner(client, waiting, "3", "no") == (
        "Wait for Brand new updated as of today. The public will see it once a moderator approves the listing."
    )


def test_the_wait_saved_message_is_in_welsh_on_welsh_pages(client, provider, service):
    client.force_login(provider)
    response = client.post(
        "/cy" + reverse("listings:wait_update", args=[service.public_id]), {"weeks": "8", "referrals_open": "no"},
        follow=True,
    )
    assert "Mae ei gofnod bellach yn dweud bod ei restr aros ar gau" in response.content.decode()
