"""The all-services list: a moderator's (the whole directory) and a large organisation's, a page at a time."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.listings import selectors
from directory.listings.views import FULL_DASHBOARD_MAX, OVERVIEW_PAGE_SIZE
from directory.models import ServiceChange, WaitingTimeReport
from tests.factories import (
    ClosedServiceFactory,
    MembershipFactory,
    OrganisationFactory,
    PausedServiceFactory,
    ProblemReportFactory,
    ReopenedProblemReportFactory,
    ResolvedProblemReportFactory,
    ServiceFactory,
    UnpublishedServiceFactory,
    UserFactory,
)

WAIT_FORM_BUTTON = "Update wait as of today"


def _rows(page: str) -> list[str]:
    """The service names listed, in order."""
    return re.findall(r'<tr class="govuk-table__row" id="service-[^"]+">\s*<th[^>]*>\s*<a[^>]*>([^<]+)<', page)


def _services_with_history(organisation, n: int) -> None:
    """n services, each with a wait history, an open report and a decided change: what made the old page heavy."""
    for i in range(n):
        service = ServiceFactory(organisation=organisation, name=f"Listed {i:03d}", wait_weeks=3)
        for weeks_ago in (8, 16, 24):
            WaitingTimeReport.objects.create(service=service, weeks=weeks_ago, as_of=date.today() - timedelta(weeks=weeks_ago))
        ProblemReportFactory(service=service)
        ServiceChange.objects.create(
            service=service, kind=ServiceChange.Kind.EDIT, state=ServiceChange.State.REJECTED, reason="No.",
            proposed={"age_max": "16.0"},
        )


def test_a_moderator_sees_every_service_a_compact_row_each_a_page_at_a_time(client, moderator):
    # The page listed every service with its whole wait history and a wait form each: 10 MB and 15 s for 2,000.
    _services_with_history(OrganisationFactory(name="Big charity"), OVERVIEW_PAGE_SIZE + 5)
    client.force_login(moderator)
    page = client.get(reverse("listings:dashboard")).content.decode()
    assert _rows(page) == [f"Listed {i:03d}" for i in range(OVERVIEW_PAGE_SIZE)]
    assert WAIT_FORM_BUTTON not in page
    assert f"{OVERVIEW_PAGE_SIZE + 5} services" in page
    assert 'aria-current="page">1<' in page and 'href="?page=2#services"' in page
    row = " ".join(page[page.index(">Listed 000<"):page.index(">Listed 001<")].split())
    assert "3 weeks, referrals open" in row and "1 open problem report" in row
    assert "Latest change not approved" in row and "Big charity" in row

    page = client.get(reverse("listings:dashboard") + "?page=2").content.decode()
    assert _rows(page) == [f"Listed {i:03d}" for i in range(OVERVIEW_PAGE_SIZE, OVERVIEW_PAGE_SIZE + 5)]


def test_a_page_of_the_list_takes_as_many_queries_for_many_services_as_for_few(
    client, moderator, django_assert_max_num_queries
):
    organisation = OrganisationFactory()
    _services_with_history(organisation, 2)
    client.force_login(moderator)
    with django_assert_max_num_queries(7):
        assert client.get(reverse("listings:dashboard")).status_code == 200
    _services_with_history(organisation, 60)
    with django_assert_max_num_queries(7):
        assert client.get(reverse("listings:dashboard") + "?show=reports&q=listed").status_code == 200


@pytest.fixture
def states(org):
    """One service in each state a filter looks for, and one in none (on 1 Jun 2026)."""
    today = date(2026, 6, 1)
    old = today - timedelta(days=43)
    made = {
        "fine": ServiceFactory(organisation=org, last_confirmed_at=today),
        "stale_wait": ServiceFactory(organisation=org, last_confirmed_at=today),
        "no_wait": ServiceFactory(organisation=org, last_confirmed_at=today),
        "closed_no_wait": ClosedServiceFactory(organisation=org, last_confirmed_at=today),
        "overdue": ServiceFactory(organisation=org, last_confirmed_at=today - timedelta(days=366)),
        "never_confirmed": ServiceFactory(organisation=org, last_confirmed_at=None),
        "paused": PausedServiceFactory(organisation=org, last_confirmed_at=today),
        "reported": ServiceFactory(organisation=org, last_confirmed_at=today),
        "report_resolved": ServiceFactory(organisation=org, last_confirmed_at=today),
        "pending": ServiceFactory(organisation=org, last_confirmed_at=today),
        "rejected": ServiceFactory(organisation=org, last_confirmed_at=today),
        "rejected_then_sent": ServiceFactory(organisation=org, last_confirmed_at=today),
        "unpublished_never_confirmed": UnpublishedServiceFactory(organisation=org, last_confirmed_at=None),
        "long_wait": ServiceFactory(organisation=org, last_confirmed_at=today),
        "long_wait_corrected": ServiceFactory(organisation=org, last_confirmed_at=today),
        "closed_long_wait": ClosedServiceFactory(organisation=org, last_confirmed_at=today),
    }
    for name, service in made.items():
        if name not in ("no_wait", "closed_no_wait", "unpublished_never_confirmed", "long_wait", "closed_long_wait"):
            WaitingTimeReport.objects.create(service=service, weeks=2, as_of=old if name == "stale_wait" else today)
    WaitingTimeReport.objects.create(service=made["unpublished_never_confirmed"], weeks=2, as_of=today)
    # Over two years (directory/unusual_waits.py): only the newest wait counts, and not a closed service's.
    for name in ("long_wait", "closed_long_wait"):
        WaitingTimeReport.objects.create(service=made[name], weeks=105, as_of=today)
    WaitingTimeReport.objects.create(service=made["long_wait_corrected"], weeks=200, as_of=today - timedelta(days=1))
    ProblemReportFactory(service=made["reported"])
    ResolvedProblemReportFactory(service=made["report_resolved"])
    now = timezone.now()
    ServiceChange.objects.create(service=made["pending"], kind="edit", proposed={"age_max": "16.0"})
    ServiceChange.objects.create(service=made["rejected"], kind="edit", state="rejected", reason="No.")
    ServiceChange.objects.create(service=made["rejected_then_sent"], kind="edit", state="rejected", reason="No.",
                                 submitted_at=now - timedelta(days=2))
    ServiceChange.objects.create(service=made["rejected_then_sent"], kind="edit", state="approved", submitted_at=now)
    return today, {service.pk: name for name, service in made.items()}


@pytest.mark.parametrize(("show", "expected"), [
    ((), None),
    (("wait",), {"stale_wait", "no_wait"}),
    (("overdue",), {"overdue", "never_confirmed"}),
    (("paused_closed",), {"paused", "closed_no_wait", "closed_long_wait"}),
    (("reports",), {"reported"}),
    (("pending",), {"pending"}),
    (("rejected",), {"rejected"}),
    (("long_wait",), {"long_wait"}),
    (("overdue", "wait"), set()),
])
def test_each_filter_lists_the_services_in_that_state_and_filters_combine(provider, states, show, expected):
    today, names = states
    found = selectors.service_list_overview(user=provider, show=show, today=today)
    assert {names[s.pk] for s in found} == (set(names.values()) if expected is None else expected)


def test_the_search_matches_a_service_or_organisation_name_in_english_or_welsh(client, moderator):
    ServiceFactory(name="Llwybrau", name_cy="Llwybrau Cymru", organisation=OrganisationFactory(name="North Trust"))
    ServiceFactory(name="Pathways", organisation=OrganisationFactory(name="South Trust", name_cy="Ymddiriedolaeth y De"))
    ServiceFactory(name="Other", organisation=OrganisationFactory(name="Other Trust"))
    client.force_login(moderator)
    url = reverse("listings:dashboard")
    assert _rows(client.get(url, {"q": "north"}).content.decode()) == ["Llwybrau"]
    assert _rows(client.get(url, {"q": "cymru"}).content.decode()) == ["Llwybrau"]
    assert _rows(client.get(url, {"q": "ymddiriedolaeth"}).content.decode()) == ["Pathways"]
    page = client.get(url, {"q": "nowhere"}).content.decode()
    assert _rows(page) == [] and "No service matches this search" in page


@pytest.mark.parametrize("search", ["ŵyr", "ŴYR", "môn", "mo\u0302n", "Ŵyrion Môn"])
def test_the_search_matches_welsh_letters_in_any_case_and_composed_or_not(client, moderator, search):
    # SQLite's LIKE, and so `icontains`, folded A-Z alone: "ŵyr" missed "Ŵyrion" (directory/lookups.py).
    ServiceFactory(name="Grandchildren", name_cy="Ŵyrion Môn", organisation=OrganisationFactory(name="North Trust"))
    ServiceFactory(name="Other", organisation=OrganisationFactory(name="Other Trust"))
    client.force_login(moderator)
    assert _rows(client.get(reverse("listings:dashboard"), {"q": search}).content.decode()) == ["Grandchildren"]


def test_the_search_takes_a_percent_sign_or_underscore_as_itself(client, moderator):
    ServiceFactory(name="Ŵyr 100% free", organisation=OrganisationFactory(name="North Trust"))
    ServiceFactory(name="Ŵyr_line")
    ServiceFactory(name="Ŵyrion")
    client.force_login(moderator)
    url = reverse("listings:dashboard")
    assert _rows(client.get(url, {"q": "ŵyr 100%"}).content.decode()) == ["Ŵyr 100% free"]
    assert _rows(client.get(url, {"q": "ŵyr_"}).content.decode()) == ["Ŵyr_line"]


def test_a_filtered_list_keeps_its_search_and_filters_from_page_to_page(client, moderator):
    # One organisation: the list is ordered by organisation first, and factory names ("Organisation 99",
    # "Organisation 100") sort by their digits, so which service came last depended on earlier tests.
    organisation = OrganisationFactory()
    for i in range(OVERVIEW_PAGE_SIZE + 1):
        PausedServiceFactory(name=f"Paused {i:03d}", organisation=organisation)
    ServiceFactory(name="Paused but not really")
    client.force_login(moderator)
    page = client.get(reverse("listings:dashboard"), {"q": "paused", "show": "paused_closed"}).content.decode()
    assert 'href="?q=paused&amp;show=paused_closed&amp;page=2#services"' in page
    page = client.get(reverse("listings:dashboard"), {"q": "paused", "show": "paused_closed", "page": 2}).content.decode()
    assert _rows(page) == [f"Paused {OVERVIEW_PAGE_SIZE:03d}"]


def test_a_link_with_an_unknown_filter_or_page_is_said_not_an_error(client, moderator):
    ServiceFactory(name="Listed")
    client.force_login(moderator)
    response = client.get(reverse("listings:dashboard"), {"show": "bogus", "page": "x", "q": "listed"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose only from the filters listed." in page
    assert _rows(page) == ["Listed"]  # the valid search still applies
    assert _rows(client.get(reverse("listings:dashboard"), {"page": "999"}).content.decode()) == ["Listed"]


def test_a_list_link_holding_a_control_character_goes_to_the_same_list_without_it(client, moderator):
    # The search box showed "Null characters are not allowed." over a box holding the NUL itself
    # (and PostgreSQL refuses a NUL in a comparison): as the public search does, the same list without it.
    ServiceFactory(name="Listed")
    client.force_login(moderator)

    response = client.get(reverse("listings:dashboard") + "?q=list%00ed&show=%1B")

    assert response.status_code == 302
    assert response["Location"] == reverse("listings:dashboard") + "?q=listed&show="
    page = client.get(response["Location"]).content.decode()
    assert _rows(page) == ["Listed"]
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", page)


def test_a_provider_with_a_few_services_keeps_the_full_dashboard(client, provider, org):
    for _ in range(FULL_DASHBOARD_MAX):
        ServiceFactory(organisation=org, wait_weeks=3)
    client.force_login(provider)
    page = client.get(reverse("listings:dashboard")).content.decode()
    assert page.count(WAIT_FORM_BUTTON) == FULL_DASHBOARD_MAX
    assert "Show only services that" not in page


def test_a_provider_with_many_services_gets_the_list_of_their_own_only(client, provider, org):
    for i in range(FULL_DASHBOARD_MAX + 1):
        ServiceFactory(organisation=org, name=f"Own {i:03d}", wait_weeks=3)
    other = ServiceFactory(name="Someone else's")
    ProblemReportFactory(service=other)
    own_report = ProblemReportFactory(service=org.services.first(), comment="The phone number has changed.")
    ReopenedProblemReportFactory(service=org.services.last(), reopened_by=provider)
    client.force_login(provider)
    page = client.get(reverse("listings:dashboard")).content.decode()
    assert WAIT_FORM_BUTTON not in page and "Show only services that" in page
    assert _rows(page) == [f"Own {i:03d}" for i in range(FULL_DASHBOARD_MAX + 1)]
    # Their open reports are still theirs to resolve from here.
    assert own_report.comment in page and reverse("listings:report_resolve", args=[own_report.public_id]) in page
    assert "Reopened by own@example.org on " in page  # one resolved once, then opened again
    assert "Someone else" not in page
    assert _rows(client.get(reverse("listings:dashboard"), {"q": "someone"}).content.decode()) == []


def test_the_list_is_in_welsh_on_welsh_pages(client, moderator):
    ServiceFactory(name="Listed", wait_weeks=3)
    client.force_login(moderator)
    page = client.get("/cy/manage/").content.decode()
    assert "Pob gwasanaeth" in page and "Dangos gwasanaethau" in page
    assert "All services" not in page


def _row(page: str, service) -> str:
    """A service's two rows: its name's, and its organisation's, tags' and actions' under it."""
    start = page.index(f'id="service-{service.public_id}"')
    return page[start:page.index("</tr>", page.index("</tr>", start) + 1)]


class _Table(HTMLParser):
    """The text of each row header of the table's body (hidden text included: a screen reader reads
    it), each link's text and aria-describedby by address, and each hidden element's text by id."""

    def __init__(self) -> None:
        super().__init__()
        self.row_headers: list[str] = []
        self.links: dict[str, tuple[str, str | None]] = {}
        self.text_by_id: dict[str, str] = {}
        self._in_body = False
        self._header: list[str] | None = None
        self._link: tuple[str, str | None, list[str]] | None = None
        self._id: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tbody":
            self._in_body = True
        elif tag == "th" and self._in_body:
            self._header = []
        elif tag == "a":
            self._link = (attrs["href"], attrs.get("aria-describedby"), [])
        elif attrs.get("id") and "hidden" in attrs:
            self._id = (attrs["id"], [])

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "th" and self._header is not None:
            self.row_headers.append(" ".join("".join(self._header).split()))
            self._header = None
        elif tag == "a" and self._link is not None:
            href, described_by, text = self._link
            self.links[href] = (" ".join("".join(text).split()), described_by)
            self._link = None
        elif self._id is not None:
            self.text_by_id[self._id[0]] = "".join(self._id[1])
            self._id = None

    def handle_data(self, data):
        for open_text in (self._header, self._link and self._link[2], self._id and self._id[1]):
            if open_text is not None:
                open_text.append(data)


def test_each_row_header_is_the_service_name_alone_and_each_action_link_names_its_service(client, moderator):
    # The row header held the organisation, tags and the three action links: a screen reader repeats
    # it with every cell of the row, so "Status" was announced after the whole of that.
    published = ServiceFactory(name="Listed & checked", organisation=OrganisationFactory(name="Checkers"))
    ProblemReportFactory(service=published)
    new = UnpublishedServiceFactory(name="Not approved yet")
    client.force_login(moderator)
    page = client.get(reverse("listings:dashboard")).content.decode()
    table = _Table()
    table.feed(page)

    assert table.row_headers == ["Listed & checked", "Not approved yet"]
    edit = table.links[reverse("listings:service_edit", args=[published.public_id])]
    assert edit[0] == "Listed & checked" and table.text_by_id[edit[1]] == "Edit"
    assert table.links[reverse("listings:wait_update", args=[published.public_id])][0] == (
        "Update the wait – Listed & checked")
    assert table.links[reverse("listings:history", args=[published.public_id])][0] == "History – Listed & checked"
    assert table.links[reverse("directory:service_detail", args=[published.public_id])][0] == (
        "Public page – Listed & checked")
    assert table.links[reverse("listings:wait_update", args=[new.public_id])][0] == "Update the wait – Not approved yet"
    # What left the header is still in the service's rows.
    assert all(said in _row(page, published) for said in ("Checkers", "1 open problem report"))
    assert "Not yet published" in _row(page, new)


@pytest.mark.parametrize(("language", "label"), [("en", "Public page"), ("cy", "Tudalen gyhoeddus")])
def test_each_published_row_links_its_public_page_named_for_its_service_and_a_new_listing_none(
        client, moderator, language, label):
    # A moderator checking a report or a change against what the public reads had to search for the
    # service on the public site. The link opens in the same tab (no target), as every link here does.
    published = ServiceFactory(name="Listed & checked")
    new = UnpublishedServiceFactory(name="Not approved yet")
    client.force_login(moderator)
    prefix = "/cy" if language == "cy" else ""
    page = client.get(f"{prefix}/manage/").content.decode()
    public_page = f"{prefix}/services/{published.public_id}/"
    link = re.search(rf'<a ([^>]*)href="{public_page}"([^>]*)>([^<]*)<span class="govuk-visually-hidden">([^<]*)</span></a>',
                     _row(page, published))
    assert link, _row(page, published)
    assert "target" not in link.group(1) + link.group(2)
    assert (link.group(3), link.group(4)) == (label, " – Listed &amp; checked")  # "Public page – Listed & checked"
    assert f'href="{prefix}/services/{new.public_id}/"' not in _row(page, new)
    assert label not in _row(page, new)  # its public page would be a 404
    assert client.get(public_page).status_code == 200


def test_an_editor_without_an_organisation_sees_no_service(client, db):
    ServiceFactory(name="Listed")
    client.force_login(UserFactory())
    page = client.get(reverse("listings:dashboard")).content.decode()
    assert "Listed" not in page and "Ask a moderator to invite you" in page


def test_a_membership_of_a_second_organisation_adds_its_services(client, provider):
    second = OrganisationFactory(name="Second")
    MembershipFactory(user=provider, organisation=second)
    for i in range(FULL_DASHBOARD_MAX + 1):
        ServiceFactory(organisation=second, name=f"Second {i:03d}")
    client.force_login(provider)
    assert len(_rows(client.get(reverse("listings:dashboard")).content.decode())) == FULL_DASHBOARD_MAX + 1


def test_a_moderator_finds_the_services_whose_wait_is_over_two_years_in_english_and_welsh(client, moderator):
    """A wait that long was asked about before it was saved, but not one an import or the admin
    brought: nothing listed the published waits of years for a moderator to look at again."""
    ServiceFactory(name="Long wait", wait_weeks=200)
    ServiceFactory(name="Two years exactly", wait_weeks=104)
    client.force_login(moderator)
    page = client.get(reverse("listings:dashboard"), {"show": "long_wait"}).content.decode()
    assert "have a wait over two years (104 weeks)" in page
    assert _rows(page) == ["Long wait"]
    welsh = client.get("/cy" + reverse("listings:dashboard"), {"show": "long_wait"}).content.decode()
    assert "sydd ag amser aros dros ddwy flynedd (104 wythnos)" in welsh
    assert _rows(welsh) == ["Long wait"]
