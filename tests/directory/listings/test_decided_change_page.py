"""A change's page once it is decided: who decided it, when, and what it changed (or would have).

After approval the live listing holds the proposed values, so a diff against it said only "The
proposed values are the same as the live ones now": the page shows the listing as it stood when the
change was decided instead, kept on the change (older ones: the listing's history)."""

from __future__ import annotations

import re
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from directory.listings import selectors, services
from directory.models import Service, ServiceChange

# The table's parts name their roles too (role="row", ...): laid out as blocks on a phone, some browsers drop them.
ROW = re.compile(r'<tr class="govuk-table__row"[^>]*><th scope="row" class="govuk-table__header"[^>]*>(.*?)</th>(.*?)</tr>', re.S)
CELL = re.compile(r'<td class="govuk-table__cell sm-diff-(?:before|after)"[^>]*>(.*?)(?:<span|</td>)', re.S)


def _rows(html: str) -> dict[str, tuple[str, ...]]:
    """The field-by-field table as {label: (its cells' values)}: one cell for a new listing, two for an edit."""
    return {unescape(label): tuple(unescape(cell).strip() for cell in CELL.findall(cells))
            for label, cells in ROW.findall(html)}


def _headings(html: str) -> list[str]:
    head = html[html.index('<thead class="govuk-table__head"'):html.index("</thead>")]
    return [unescape(text) for text in re.findall(r'<th scope="col" class="govuk-table__header"[^>]*>(.*?)</th>', head)]


def _page(client, change: ServiceChange, language: str = "") -> str:
    with translation.override("en"):  # a Welsh page leaves Welsh active here, and reverse() follows it
        path = reverse("listings:change_detail", args=[change.pk])
    response = client.get(f"{language}{path}")
    assert response.status_code == 200
    return response.content.decode()


def _propose(service: Service, by, **values) -> ServiceChange:
    change = services.service_edit(service=service, values=services.form_values_from_service(service, **values), by=by).pending
    assert change is not None
    return change


def _edit_at_once(service: Service, by, **values) -> None:
    service.refresh_from_db()
    services.service_edit(service=service, values=services.form_values_from_service(service, **values), by=by)


def test_an_approved_change_says_who_approved_it_when_and_what_it_replaced(client, provider, moderator, service):
    change = _propose(service, provider, age_max=16, eligibility_en="Referrals from Cardiff schools")
    with time_machine.travel("2026-03-05 09:30"):
        services.change_approve(change=change, by=moderator)
    _edit_at_once(service, moderator, age_max=14)  # the listing moves on: the page still shows the decision

    client.force_login(moderator)
    page = _page(client, change)
    assert "Approved on 5 Mar 2026, 09:30 by mod@example.org." in page
    assert _headings(page) == ["Field", "Live when it was decided", "Proposed"]
    assert _rows(page) == {"Oldest age (years)": ("18", "16"), "Who is eligible (English)": ("—", "Referrals from Cardiff schools")}
    assert "same as the live ones" not in page and "Not recorded" not in page
    assert "Approve and publish" not in page
    ServiceChange.objects.filter(pk=change.pk).update(proposed={"age_max": "18.0"})  # as it was live then
    assert "The proposed values were the same as the live ones when it was decided." in _page(client, change)


def test_a_change_not_approved_says_who_decided_when_why_and_what_it_would_have_changed(
    client, provider, moderator, service
):
    change = _propose(service, provider, age_max=16)
    with time_machine.travel("2026-03-05 09:30"):
        services.change_reject(change=change, by=moderator, reason="Say which ages your groups take.")
    _edit_at_once(service, moderator, age_max=16)  # made live anyway, later: the decision was against 18

    client.force_login(moderator)
    page = _page(client, change)
    assert "Not approved on 5 Mar 2026, 09:30 by mod@example.org." in page
    assert "Reason given to the provider: Say which ages your groups take." in page
    assert _rows(page) == {"Oldest age (years)": ("18", "16")}
    welsh = _page(client, change, "/cy")
    assert "Heb ei gymeradwyo ar 5 Maw 2026, 09:30 gan mod@example.org." in welsh
    assert _headings(welsh) == ["Maes", "Yn fyw pan benderfynwyd arno", "Arfaethedig"]


def test_a_change_waiting_for_approval_is_shown_against_the_listing_live_now(client, provider, moderator, service):
    change = _propose(service, provider, age_max=16, abuse_cse=True)
    _edit_at_once(service, moderator, abuse_cse=True)  # a moderator made part of it live since

    client.force_login(moderator)
    page = _page(client, change)
    assert _headings(page) == ["Field", "Live now", "Proposed"]
    assert _rows(page) == {"Oldest age (years)": ("18", "16")}
    assert "Approve and publish" in page
    assert ServiceChange.objects.get(pk=change.pk).live_when_decided is None  # kept only once decided


def test_a_change_to_where_it_is_based_shows_the_addresses_it_replaced(client, provider, moderator, service, office):
    entries = selectors.service_location_entries(service=service)
    entries[0] = {**entries[0], "address_1": "2 Low Street"}
    change = services.service_locations_update(service=service, locations=entries, by=provider).pending
    services.change_approve(change=change, by=moderator)

    client.force_login(moderator)
    before, after = _rows(_page(client, change))["Where it is based"]
    assert "1 High Street" in before and "2 Low Street" not in before
    assert "2 Low Street" in after


def test_a_change_its_provider_took_back_shows_where_the_service_was_based_then(
    client, provider, moderator, service, office
):
    """A withdrawn change kept nothing, so its page read the listing's history, which holds no locations:
    "Where it is based" said "Not recorded" for a change taken back a minute ago."""
    entries = selectors.service_location_entries(service=service)
    moved = [{**entries[0], "address_1": "2 Low Street"}]
    with time_machine.travel("2026-03-02 10:00"):
        services.service_locations_update(service=service, locations=moved, by=provider)
        change = _propose(service, provider, age_max=16)  # the same proposal, now with an age too
    with time_machine.travel("2026-03-02 11:00"):
        services.service_locations_update(service=service, locations=entries, by=provider)  # taken back
    change.refresh_from_db()
    assert change.state == ServiceChange.State.WITHDRAWN
    _edit_at_once(service, moderator, age_max=14)  # the listing moves on
    services.service_locations_update(
        service=service, locations=[{**entries[0], "address_1": "3 New Road"}], by=moderator)

    client.force_login(moderator)
    page = _page(client, change)
    assert "Replaced by a later change on 2 Mar 2026, 11:00." in page, page[page.index("govuk-inset-text"):][:600]
    assert _headings(page) == ["Field", "Live when it was withdrawn", "Proposed"]
    rows = _rows(page)
    assert rows["Oldest age (years)"] == ("18", "16")
    before, after = rows["Where it is based"]
    assert "1 High Street" in before and "3 New Road" not in before
    assert "2 Low Street" in after
    assert "Not recorded" not in page
    assert _headings(_page(client, change, "/cy"))[1] == "Yn fyw pan dynnwyd ef yn ôl"
    # One taken back before it was kept says so in those words, not "decided".
    ServiceChange.objects.filter(pk=change.pk).update(live_when_decided=None)
    page = _page(client, change)
    assert _rows(page)["Where it is based"][0] == "Not recorded"
    assert "this change was taken back before its page kept the listing as it stood" in page
    assert "decided before its page kept" not in page
    assert "tynnwyd y newid hwn yn ôl cyn i'w dudalen gadw" in unescape(_page(client, change, "/cy"))


def test_a_change_decided_before_its_values_were_kept_reads_them_from_the_listings_history(
    client, provider, moderator, service, office
):
    change = _propose(service, provider, age_max=16)
    services.change_approve(change=change, by=moderator)
    entries = selectors.service_location_entries(service=service)
    moved = services.service_locations_update(
        service=service, locations=[{**entries[0], "address_1": "2 Low Street"}], by=provider,
    ).pending
    services.change_approve(change=moved, by=moderator)
    _edit_at_once(service, moderator, age_max=14)
    ServiceChange.objects.update(live_when_decided=None)  # as every change decided before it was kept

    client.force_login(moderator)
    page = _page(client, change)
    assert _rows(page) == {"Oldest age (years)": ("18", "16")}  # the version before the approval's own
    assert "Not recorded" not in page
    # Where a service is based is not in its history: said, never guessed.
    page = _page(client, moved)
    assert _rows(page)["Where it is based"][0] == "Not recorded"
    assert "this change was decided before its page kept the listing as it stood" in page


def test_a_change_with_no_version_recorded_before_it_says_so(client, provider, moderator, service):
    change = _propose(service, provider, age_max=16)
    services.change_reject(change=change, by=moderator, reason="Say which ages your groups take.")
    ServiceChange.objects.update(live_when_decided=None)
    service.history.all().delete()

    client.force_login(moderator)
    page = _page(client, change)
    assert _rows(page) == {"Oldest age (years)": ("Not recorded", "16")}
    assert "this change was decided before its page kept the listing as it stood" in page


def test_a_new_listing_shows_its_proposed_values_alone_under_one_heading(client, provider, moderator, org, service):
    values = services.form_values_from_service(service, name_en="Sibling support")
    new = services.service_create(organisation=org, values=values, by=provider)
    change = ServiceChange.objects.get(service=new)

    client.force_login(moderator)
    page = _page(client, change)
    assert _headings(page) == ["Field", "Proposed"]  # no empty column for the live version it has not got
    assert "sm-diff-before" not in page
    assert _rows(page)["Name (English)"] == ("Sibling support",)
    assert _headings(_page(client, change, "/cy")) == ["Maes", "Arfaethedig"]

    services.change_approve(change=change, by=moderator)
    _edit_at_once(new, moderator, name_en="Sibling support (renamed)")
    page = _page(client, change)
    assert _headings(page) == ["Field", "Proposed"]
    assert _rows(page)["Name (English)"] == ("Sibling support",)  # as approved
    assert _rows(page)["Where it is based"] == ("—",)

    ServiceChange.objects.update(live_when_decided=None)
    rows = _rows(_page(client, change))
    assert rows["Name (English)"] == ("Sibling support",)  # the version the approval was made on
    assert rows["Where it is based"] == ("Not recorded",)
    new.history.all().delete()
    page = _page(client, change)
    assert _rows(page) == {} and "The listing as it was when this was decided was not recorded." in page


# Queries for the page after the session, the account and its permissions (4) and the site-wide
# checks the first page of a test makes (cached after it): the change; the area names; a change
# waiting, the listing's version, coverage and locations; a decided one read from the history, the
# version before it and its coverage.
QUERIES = {"pending": 9, "approved": 6, "rejected": 6, "approved, before it was kept": 8}


@pytest.mark.parametrize("state", QUERIES)
def test_a_changes_page_takes_the_same_queries_however_many_fields_and_areas_it_changes(
    client, provider, moderator, service, areas, django_assert_num_queries, state
):
    client.force_login(moderator)
    client.get(reverse("listings:moderation"))  # the site-wide checks, cached after the first page
    for values in ({"age_max": 15}, {"age_max": 16, "abuse_cse": True, "audience_siblings": True,
                                     "eligibility_en": "Any", "coverage_areas": sorted(areas)}):
        service.refresh_from_db()
        change = _propose(service, provider, **values)
        if state.startswith("approved"):
            services.change_approve(change=change, by=moderator)
        elif state == "rejected":
            services.change_reject(change=change, by=moderator, reason="Not yet.")
        if state.endswith("kept"):
            ServiceChange.objects.update(live_when_decided=None)
        with django_assert_num_queries(QUERIES[state]):
            _page(client, change)
