"""From the all-services list to a service's page and back: to the same page of the same search and
filters, with what was done said (directory/listings/return_to.py)."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from directory.listings import services
from directory.listings.views import FULL_DASHBOARD_MAX, OVERVIEW_PAGE_SIZE
from directory.models import Service, WaitingTimeReport
from tests.directory.listings.conftest import form_data
from tests.factories import ProblemReportFactory, ServiceFactory

LIST = "/manage/?q=needs&show=wait&page=2"


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr class="govuk-table__row" id="service-[^"]+">\s*<th[^>]*>\s*<a[^>]*>([^<]+)<', page)


def _href(page: str, text: str) -> str:
    """The address of the first link whose text starts with `text`."""
    match = re.search(r'<a [^>]*href="([^"]+)"[^>]*>' + re.escape(text), page)
    assert match, f"no link {text!r}"
    return html.unescape(match[1])


def _back_link(page: str) -> tuple[str, str]:
    match = re.search(r'<a href="([^"]+)" class="govuk-back-link">([^<]+)</a>', page)
    assert match, "no back link"
    return html.unescape(match[1]), match[2]


def _banner(page: str) -> str:
    match = re.search(r'govuk-notification-banner__heading">([^<]+)<', page)
    return html.unescape(match[1]) if match else ""


@pytest.fixture
def needing_a_wait(org, areas):
    """A second page of services with no wait, among others that have one; the one returned is
    complete enough for the edit form to save."""
    for i in range(OVERVIEW_PAGE_SIZE + 3):
        ServiceFactory(organisation=org, name=f"Needs {i:03d}", referral_phone="01000 000000",
                       coverage=[areas["W06000015"]])
    ServiceFactory(organisation=org, name="Needs nothing", wait_weeks=2)
    return Service.objects.get(name=f"Needs {OVERVIEW_PAGE_SIZE + 1:03d}")


def _wait_link(page: str, name: str, label: str = "Update the wait") -> str:
    return _href(page, f'{label}<span class="govuk-visually-hidden"> – {name}')


def test_updating_the_wait_from_page_two_of_a_filtered_list_goes_back_there_and_says_so(
    client, moderator, needing_a_wait,
):
    client.force_login(moderator)
    listed = client.get(LIST).content.decode()
    assert needing_a_wait.name in _rows(listed)

    wait_page_url = _wait_link(listed, needing_a_wait.name)
    wait_page = client.get(wait_page_url).content.decode()
    assert _back_link(wait_page) == (LIST, "All services")

    response = client.post(wait_page_url, {"weeks": "4", "referrals_open": "yes"})

    assert response.status_code == 302 and response["Location"] == LIST
    assert WaitingTimeReport.objects.get(service=needing_a_wait).weeks == 4
    back = client.get(response["Location"]).content.decode()
    assert _banner(back) == (
        f"Wait for {needing_a_wait.name} updated as of today. Its listing now says it is taking referrals, with a "
        "wait of 4 weeks."
    )
    # The same list, less the service that no longer needs a wait.
    assert 'aria-current="page">2<' in back and needing_a_wait.name not in _rows(back)
    assert _rows(back) == [f"Needs {i:03d}" for i in (OVERVIEW_PAGE_SIZE, OVERVIEW_PAGE_SIZE + 2)]


def test_saving_an_edit_from_the_list_goes_back_to_the_same_page_of_it(client, moderator, needing_a_wait):
    client.force_login(moderator)
    edit_url = _href(client.get(LIST).content.decode(), needing_a_wait.name)
    assert edit_url.startswith(reverse("listings:service_edit", args=[needing_a_wait.public_id]) + "?next=")
    assert _back_link(client.get(edit_url).content.decode())[0] == LIST

    response = client.post(edit_url, form_data(needing_a_wait, description_en="Checked."))

    assert response.status_code == 302 and response["Location"] == LIST
    needing_a_wait.refresh_from_db()
    assert needing_a_wait.description_en == "Checked."
    # Named: back on a list of many, "Saved and published." alone was the first thing a screen reader
    # said (the banner is focused), with nothing to say which listing.
    assert _banner(client.get(LIST).content.decode()) == f"{needing_a_wait.name}: saved and published."


def test_the_history_and_a_restore_from_it_keep_the_way_back_to_the_list(client, moderator, needing_a_wait):
    services.service_edit(service=needing_a_wait, by=moderator,
                          values=services.form_values_from_service(needing_a_wait, referral_phone="02999 999999"))
    client.force_login(moderator)
    history_url = _href(client.get(LIST).content.decode(),
                        f'History<span class="govuk-visually-hidden"> – {needing_a_wait.name}')
    history = client.get(history_url).content.decode()
    assert _back_link(history) == (LIST, "All services")

    restore_url = _href(history, "Restore this version")
    assert _back_link(client.get(restore_url).content.decode())[0] == history_url
    response = client.post(restore_url)

    assert response.status_code == 302
    needing_a_wait.refresh_from_db()
    assert needing_a_wait.referral_phone == "01000 000000"
    assert response["Location"] == reverse("listings:history", args=[needing_a_wait.public_id]) + "?" + urlencode(
        {"next": LIST})
    assert _back_link(client.get(response["Location"]).content.decode())[0] == LIST


def test_where_it_is_based_keeps_the_way_back_to_the_list(client, moderator, needing_a_wait):
    client.force_login(moderator)
    edit_page = client.get(_href(client.get(LIST).content.decode(), needing_a_wait.name)).content.decode()
    locations_url = _href(edit_page, "Where it is based")
    assert _back_link(client.get(locations_url).content.decode())[0] == LIST

    response = client.post(_href(client.get(locations_url).content.decode(), "Add a location"),
                           {"name": "Main office", "address_1": "1 High Street", "city": "Cardiff"})

    assert response.status_code == 302, response.content.decode()
    assert _back_link(client.get(response["Location"]).content.decode())[0] == LIST


def test_a_welsh_list_is_gone_back_to_in_welsh(client, moderator, needing_a_wait):
    client.force_login(moderator)
    welsh_list = "/cy" + LIST
    wait_page_url = _wait_link(client.get(welsh_list).content.decode(), needing_a_wait.name, "Diweddaru'r amser aros")
    assert wait_page_url.startswith("/cy/")

    response = client.post(wait_page_url, {"weeks": "4", "referrals_open": "yes"})

    assert response["Location"] == welsh_list
    assert needing_a_wait.name in _banner(client.get(welsh_list).content.decode())


def test_a_provider_resolving_a_report_from_their_long_list_goes_back_to_its_page(client, provider, org):
    for i in range(FULL_DASHBOARD_MAX + OVERVIEW_PAGE_SIZE):
        ServiceFactory(organisation=org, name=f"Own {i:03d}")
    report = ProblemReportFactory(service=Service.objects.get(name="Own 060"))
    client.force_login(provider)
    listed = client.get("/manage/?page=2").content.decode()
    action = re.search(r'<form method="post" action="([^"]+)">', listed[listed.index("open problem report"):])[1]

    response = client.post(html.unescape(action))

    assert response["Location"] == "/manage/?page=2"
    report.refresh_from_db()
    assert report.resolved_at is not None


@pytest.mark.parametrize("next_value", [
    "https://evil.example/manage/?page=2",
    "//evil.example/manage/?page=2",
    "/\\evil.example/manage/?page=2",
    "javascript:alert(1)",
    "/accounts/logout/?page=2",
    "/manage/services/new/?page=2",
    "/manage/../admin/?page=2",
    "/manage/?" + "q=x&" * 600,
])
def test_a_next_that_is_not_this_sites_list_goes_to_the_lists_first_page(client, moderator, service, next_value):
    client.force_login(moderator)
    url = reverse("listings:wait_update", args=[service.public_id])

    page = client.get(url, {"next": next_value})
    response = client.post(url + "?" + urlencode({"next": next_value}), {"weeks": "3", "referrals_open": "yes"})

    assert page.status_code == 200 and _back_link(page.content.decode())[0] == "/manage/"
    assert response.status_code == 302 and response["Location"] == "/manage/"


def test_only_the_lists_own_parameters_are_carried_back(client, moderator, service):
    client.force_login(moderator)
    url = reverse("listings:wait_update", args=[service.public_id])
    crafted = "/manage/?page=2&q=a%0d%0aSet-Cookie:%20x&show=wait&evil=1"

    response = client.post(url + "?" + urlencode({"next": crafted}), {"weeks": "3", "referrals_open": "yes"})

    assert response["Location"] == "/manage/?page=2&q=a%0D%0ASet-Cookie%3A+x&show=wait"


def test_a_page_opened_without_the_list_goes_back_to_its_first_page(client, provider, service):
    client.force_login(provider)
    url = reverse("listings:wait_update", args=[service.public_id])

    assert _back_link(client.get(url).content.decode()) == ("/manage/", "Your listings")
    assert client.post(url, {"weeks": "3", "referrals_open": "yes"})["Location"] == "/manage/"


def _header_link(page: str) -> str:
    return html.unescape(re.search(r'<a class="sm-header__link" href="/(?:cy/)?manage/">([^<]+)</a>', page).group(1))


def test_the_header_names_the_list_as_its_page_does(client, moderator, provider):
    """A moderator's /manage/ is titled "All services": the header said "Your listings"."""
    client.force_login(provider)
    assert _header_link(client.get(reverse("directory:home")).content.decode()) == "Your listings"
    client.force_login(moderator)
    assert _header_link(client.get(reverse("directory:home")).content.decode()) == "All services"
    assert _header_link(client.get("/cy/").content.decode()) == "Pob gwasanaeth"


def test_editing_a_listing_from_a_problem_report_on_the_moderation_page_goes_back_there(client, moderator, service):
    """"Edit the listing" beside a report led back to All services after saving, away from the report
    the moderator had just put right and came to mark as resolved."""
    ProblemReportFactory(service=service)
    client.force_login(moderator)
    for queue in (reverse("listings:moderation"), "/cy" + reverse("listings:moderation")):
        edit_url = _href(client.get(queue).content.decode(), "Edit the listing" if not queue.startswith("/cy") else "Golygu")
        assert _back_link(client.get(edit_url).content.decode()) == (
            queue, "Moderation" if not queue.startswith("/cy") else "Cymedroli")

        response = client.post(edit_url, form_data(service, referral_phone="02920 000000"))

        assert response.status_code == 302 and response["Location"] == queue
    service.refresh_from_db()
    assert service.referral_phone == "02920 000000"


def test_a_listing_held_from_an_import_is_edited_and_its_history_read_from_its_change_and_back(
    client, moderator, areas,
):
    """The change page asks for the listing to be edited before approving: saving it led to All
    services, and the change had to be found again in the queue."""
    held = ServiceFactory(name="Held listing", is_published=False, referral_phone="01000 000000",
                          coverage=[areas["W06000015"]])
    services.imported_hold([held.pk])
    change = held.changes.get()
    change_url = reverse("listings:change_detail", args=[change.pk])
    client.force_login(moderator)
    change_page = client.get(change_url).content.decode()
    history_url = _href(change_page, "See the full history of this service")
    assert _back_link(client.get(history_url).content.decode()) == (change_url, "Review change")
    edit_url = _href(change_page, "edit the listing")

    response = client.post(edit_url, form_data(held, disclosure_required=False))

    assert response.status_code == 302 and response["Location"] == change_url
    held.refresh_from_db()
    assert held.disclosure_required is False and not held.is_published


def test_a_provider_sent_towards_the_moderation_page_goes_back_to_their_listings(client, provider, service):
    client.force_login(provider)
    url = reverse("listings:wait_update", args=[service.public_id]) + "?" + urlencode({"next": "/moderation/"})

    assert _back_link(client.get(url).content.decode()) == ("/manage/", "Your listings")
    assert client.post(url, {"weeks": "3", "referrals_open": "yes"})["Location"] == "/manage/"


def _a_change_from_its_history(client, history_url: str, change_path: str) -> tuple[str, str]:
    """The change page opened from the history's "Changes sent for approval" row: its address and page."""
    match = re.search(r'<a class="govuk-link" href="(' + re.escape(change_path) + r'[^"]*)"', client.get(history_url).content.decode())
    assert match, "no link to the change"
    change_url = html.unescape(match[1])
    return change_url, client.get(change_url).content.decode()


@pytest.mark.parametrize(("language", "label"), [("", "History"), ("/cy", "Hanes")])
def test_a_change_opened_from_its_listings_history_goes_back_to_that_history(
    client, provider, moderator, service, language, label,
):
    """A change read from its listing's history had its back link to the moderation queue, away from the
    history the moderator came from. Approving it still goes to the queue."""
    change = services.service_edit(
        service=service, values=services.form_values_from_service(service, age_max=16), by=provider).pending
    assert change is not None
    client.force_login(moderator)
    # Before any request: a Welsh page leaves Welsh active here, and reverse() follows it.
    history_url = language + reverse("listings:history", args=[service.public_id])
    change_path = language + reverse("listings:change_detail", args=[change.pk])
    reject, approve = (language + reverse(f"listings:change_{verb}", args=[change.pk]) for verb in ("reject", "approve"))
    queue = language + reverse("listings:moderation")

    change_url, page = _a_change_from_its_history(client, history_url, change_path)

    assert change_url.startswith(change_path + "?next=")
    assert _back_link(page) == (history_url, label)
    assert f'<input type="hidden" name="next" value="{history_url}">' in page
    # Not approved with no reason: the page again, still going back to the history.
    response = client.post(reject, {"reason": "", "next": history_url})
    assert _back_link(response.content.decode()) == (history_url, label)
    assert client.post(approve, {
        "seen_version": re.search(r'name="seen_version" value="(\d+)"', page)[1], "next": history_url,
    })["Location"] == queue
    change.refresh_from_db()
    assert change.state == change.State.APPROVED


@pytest.mark.parametrize("language", ["", "/cy"])
def test_a_change_sent_anywhere_but_its_own_listings_history_goes_back_to_moderation(
    client, provider, moderator, org, service, language,
):
    change = services.service_edit(
        service=service, values=services.form_values_from_service(service, age_max=16), by=provider).pending
    assert change is not None
    other = ServiceFactory(organisation=org, name="Another service")
    own = reverse("listings:history", args=[service.public_id])
    change_url = language + reverse("listings:change_detail", args=[change.pk])
    queue = language + reverse("listings:moderation")
    client.force_login(moderator)
    for tampered in (
        reverse("listings:history", args=[other.public_id]),  # another service's history
        f"https://elsewhere.example{own}", f"//elsewhere.example{own}", "/\\elsewhere.example" + own,
        reverse("listings:dashboard"), "javascript:alert(1)", own + "x",
    ):
        page = client.get(change_url + "?" + urlencode({"next": tampered})).content.decode()
        assert _back_link(page) == (queue, "Cymedroli" if language else "Moderation"), tampered


@pytest.mark.parametrize("language", ["", "/cy"])
def test_a_change_read_from_a_history_opened_from_the_list_leads_back_to_that_list(
    client, provider, moderator, needing_a_wait, language,
):
    """History → change → back to the history lost where the history was opened from: its back link then
    went to the first page of All services, not page 2 of the filtered list the moderator was working down."""
    change = services.service_edit(service=needing_a_wait, by=provider,
                                   values=services.form_values_from_service(needing_a_wait, age_max=16)).pending
    assert change is not None
    change_path = language + reverse("listings:change_detail", args=[change.pk])
    reject = language + reverse("listings:change_reject", args=[change.pk])
    client.force_login(moderator)
    history_url = _href(client.get(language + LIST).content.decode(),
                        f'{"Hanes" if language else "History"}<span class="govuk-visually-hidden"> – {needing_a_wait.name}')

    _change_url, page = _a_change_from_its_history(client, history_url, change_path)

    assert _back_link(page) == (history_url, "Hanes" if language else "History")
    assert _href(page, "Gweld hanes llawn" if language else "See the full history") == history_url
    assert f'<input type="hidden" name="next" value="{html.escape(history_url)}">' in page
    back_at_history = client.get(_back_link(page)[0]).content.decode()
    assert _back_link(back_at_history) == (language + LIST, "Pob gwasanaeth" if language else "All services")
    # Not approved with no reason: the page again, still leading back the same way.
    response = client.post(reject, {"reason": "", "next": history_url})
    assert _back_link(response.content.decode()) == (history_url, "Hanes" if language else "History")


def test_a_change_read_from_a_history_opened_from_the_queue_leads_back_to_the_queue(
    client, provider, moderator, service,
):
    change = services.service_edit(
        service=service, values=services.form_values_from_service(service, age_max=16), by=provider).pending
    assert change is not None
    history = reverse("listings:history", args=[service.public_id])
    queue = reverse("listings:moderation")
    client.force_login(moderator)

    _change_url, page = _a_change_from_its_history(
        client, f"{history}?{urlencode({'next': queue})}", reverse("listings:change_detail", args=[change.pk]))

    history_url, label = _back_link(page)
    assert (history_url, label) == (f"{history}?{urlencode({'next': queue})}", "History")
    assert _back_link(client.get(history_url).content.decode()) == (queue, "Moderation")


def test_only_a_way_back_the_history_would_take_is_carried_from_it_to_a_change(client, provider, moderator, service):
    change = services.service_edit(
        service=service, values=services.form_values_from_service(service, age_max=16), by=provider).pending
    assert change is not None
    history = reverse("listings:history", args=[service.public_id])
    change_url = reverse("listings:change_detail", args=[change.pk])
    client.force_login(moderator)
    for foreign in ("https://elsewhere.example/manage/", "//elsewhere.example/moderation/",
                    "/\\elsewhere.example/manage/", "javascript:alert(1)", "/accounts/logout/"):
        carried = f"{history}?{urlencode({'next': foreign})}"
        page = client.get(f"{change_url}?{urlencode({'next': carried})}").content.decode()
        assert _back_link(page) == (history, "History"), foreign
        assert _href(page, "See the full history") == history, foreign
        assert f'<input type="hidden" name="next" value="{history}">' in page, foreign
    # The list's own parameters only, as the history itself keeps them.
    carried = f"{history}?{urlencode({'next': '/manage/?q=x&evil=1&page=2'})}"
    page = client.get(f"{change_url}?{urlencode({'next': carried})}").content.decode()
    assert _back_link(page)[0] == f"{history}?{urlencode({'next': '/manage/?q=x&page=2'})}"


def _language_link(page: str) -> str:
    match = re.search(r'<a class="sm-lang__link" href="([^"]+)"', page)
    assert match, "no language link"
    return html.unescape(match[1])


def test_the_other_language_of_a_refused_do_not_approve_is_the_change_page_not_a_blank_405(
    client, provider, moderator, service,
):
    """A reason refused ("Do not approve" with none) is shown at the button's address, which takes only
    POST: its Cymraeg link led to a blank 405, the change and the way back lost."""
    change = services.service_edit(
        service=service, values=services.form_values_from_service(service, age_max=16), by=provider).pending
    assert change is not None
    history = reverse("listings:history", args=[service.public_id])
    change_path = reverse("listings:change_detail", args=[change.pk])
    reject = reverse("listings:change_reject", args=[change.pk])
    client.force_login(moderator)

    page = client.post(reject, {"reason": ""}).content.decode()
    assert _language_link(page) == f"/cy{change_path}"
    from_history = client.post(reject, {"reason": "", "next": history}).content.decode()
    welsh_url = _language_link(from_history)
    assert welsh_url == f"/cy{change_path}?{urlencode({'next': history})}"

    welsh = client.get(welsh_url)
    assert welsh.status_code == 200
    assert _back_link(welsh.content.decode()) == (f"/cy{history}", "Hanes")
    change.refresh_from_db()
    assert change.state == change.State.PENDING


def test_a_change_taken_back_while_open_from_its_history_keeps_the_way_back_after_approve_or_reject(
    client, provider, moderator, service,
):
    """Approving or rejecting a change its provider took back meanwhile says so on its page, whose back link
    went to the moderation queue instead of the history it was opened from."""
    change = services.service_edit(
        service=service, values=services.form_values_from_service(service, age_max=16), by=provider).pending
    assert change is not None
    history = reverse("listings:history", args=[service.public_id])
    queue = f"{reverse('listings:moderation')}"
    history_url = f"{history}?{urlencode({'next': queue})}"
    client.force_login(moderator)
    _change_url, page = _a_change_from_its_history(
        client, history_url, reverse("listings:change_detail", args=[change.pk]))
    assert page.count(f'<input type="hidden" name="next" value="{html.escape(history_url)}">') == 2  # both forms
    service.refresh_from_db()
    services.service_edit(service=service, values=services.form_values_from_service(service), by=provider)

    for verb, data in (("approve", {"seen_version": "0"}), ("reject", {"reason": "Say which ages."})):
        response = client.post(reverse(f"listings:change_{verb}", args=[change.pk]), {**data, "next": history_url},
                               follow=True)
        page = response.content.decode()
        assert str(services.CHANGE_WITHDRAWN) in page, verb
        assert _back_link(page) == (history_url, "History"), verb
    change.refresh_from_db()
    assert change.state == change.State.WITHDRAWN


def test_the_later_version_of_a_change_read_from_its_history_goes_back_to_that_history(
    client, provider, moderator, service,
):
    """A replaced change read from the history links to the later version waiting; that page's back link went
    to the moderation queue, not the history the moderator was reading."""
    replaced = services.service_edit(
        service=service, values=services.form_values_from_service(service, age_max=16), by=provider).pending
    service.refresh_from_db()
    later = services.service_edit(
        service=service, values=services.form_values_from_service(service, age_max=15), by=provider).pending
    assert replaced is not None and later is not None and later.pk != replaced.pk
    history_url = f"{reverse('listings:history', args=[service.public_id])}?{urlencode({'next': LIST})}"
    client.force_login(moderator)

    _url, page = _a_change_from_its_history(client, history_url, reverse("listings:change_detail", args=[replaced.pk]))
    later_page = client.get(_href(page, "Review the later version")).content.decode()

    assert "Approve and publish" in later_page
    assert _back_link(later_page) == (history_url, "History")
