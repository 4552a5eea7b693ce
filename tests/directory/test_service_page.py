from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from tests.factories import (
    ClosedServiceFactory,
    HiddenLocationFactory,
    LocationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    WaitingTimeReportFactory,
)

CARDIFF_VALE_HEALTH_BOARD = "W11000029"


def _url(service) -> str:
    return reverse("directory:service_detail", args=[service.public_id])


def test_it_shows_the_service_its_referral_route_wait_history_and_coverage(client, wales_areas):
    service = ServiceFactory(
        name="Seren therapy", how_to_refer="Email the referral form to the duty team.",
        referral_url="https://example.org/refer", disclosure_required=True, pre_trial_therapy=True,
        coverage=[wales_areas[CARDIFF_VALE_HEALTH_BOARD]],
    )
    WaitingTimeReportFactory(service=service, weeks=14, as_of=date.today() - timedelta(days=90))
    WaitingTimeReportFactory(service=service, weeks=9, as_of=date.today() - timedelta(days=7))
    ServiceAtLocationFactory(service=service, location=LocationFactory(
        organisation=service.organisation, name="Seren House", city="Cardiff", latitude=51.481123, longitude=-3.171123))

    response = client.get(_url(service))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Seren therapy" in html and "Email the referral form to the duty team." in html
    assert "https://example.org/refer" in html
    assert "The child must have told someone in words" in html
    assert "Offers pre-trial therapy" in html
    assert "9 weeks, as of" in html
    assert html.index("9 weeks") < html.index("14 weeks")  # history, latest first
    assert "Cardiff and Vale University Health Board" in html
    # The map outlines both local authorities in the health board, and the published base.
    assert '"lad_code": "W06000014"' in html and '"lad_code": "W06000015"' in html
    assert "51.481123" in html


def test_a_do_not_publish_address_is_never_shown(client, wales_areas):
    service = ServiceFactory()
    ServiceAtLocationFactory(service=service, location=HiddenLocationFactory(
        organisation=service.organisation, name="Safe house", address_1="7 Secret Row", postcode="CF5 9XX",
        latitude=51.499987, longitude=-3.199987))

    html = client.get(_url(service)).content.decode()

    for secret in ("Safe house", "7 Secret Row", "CF5 9XX", "51.499987", "3.199987"):
        assert secret not in html
    assert "One address is not published" in html


def test_a_closed_service_still_has_its_page_saying_so(client, wales_areas):
    html = client.get(_url(ClosedServiceFactory())).content.decode()

    assert "This service is closed" in html


@pytest.mark.parametrize("path", ["/services/9ba434f0-f59c-4daf-ad7d-fffa8ac6be9b/", "/services/not-a-uuid/", "/services/1/"])
def test_unknown_or_malformed_ids_are_404(client, db, path):
    assert client.get(path).status_code == 404


def test_the_service_page_query_count_is_flat(client, wales_areas, django_assert_max_num_queries):
    service = ServiceFactory(coverage=list(wales_areas.values()))
    for weeks in range(12):
        WaitingTimeReportFactory(service=service, weeks=weeks)
    for _ in range(5):
        ServiceAtLocationFactory(service=service)

    with django_assert_max_num_queries(8):
        assert client.get(_url(service)).status_code == 200


@pytest.mark.django_db
def test_the_service_page_links_to_report_a_problem(client):
    from tests.factories import ServiceFactory

    service = ServiceFactory()
    body = client.get(f"/services/{service.public_id}/").content.decode()
    assert f"/services/{service.public_id}/report/" in body


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_the_service_page_links_back_to_the_search_form_without_javascript(client, prefix):
    # last-search.js points the link at the tab's last search; without it and with no search to go
    # back to (test_back_to_search.py), the form in the page's language (never a dead link).
    service = ServiceFactory()
    body = client.get(f"{prefix}/services/{service.public_id}/").content.decode()
    link = re.search(r'<a href="([^"]*)" class="govuk-back-link[^"]*" data-last-search>', body)
    assert link and link[1] == f"{prefix}/search/"
    assert "js/last-search" in body

def test_the_maps_key_names_where_it_is_based_only_when_the_map_marks_it(client, wales_areas):
    based = ServiceFactory(coverage=[wales_areas[CARDIFF_VALE_HEALTH_BOARD]])
    ServiceAtLocationFactory(service=based, location=LocationFactory(
        organisation=based.organisation, latitude=51.48, longitude=-3.17))
    hidden = ServiceFactory(coverage=[wales_areas[CARDIFF_VALE_HEALTH_BOARD]])
    ServiceAtLocationFactory(service=hidden, location=HiddenLocationFactory(organisation=hidden.organisation))
    remote = ServiceFactory(coverage=[wales_areas[CARDIFF_VALE_HEALTH_BOARD]])

    assert "sm-key--base" in client.get(_url(based)).content.decode()
    for service in (hidden, remote):
        key = client.get(_url(service)).content.decode().split('<div class="sm-map-note">')[1].split("</div>")[0]
        assert "areas it takes referrals from" in key and "where it is based" not in key


@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_the_maps_key_is_a_named_list_of_its_words_before_the_map(client, wales_areas, prefix):
    """The key was one paragraph of empty swatches and words after the map. It is a list named by
    its "Key" label, each swatch hidden from a screen reader and its words the item's text, read
    before the map's own parts."""
    service = ServiceFactory(coverage=[wales_areas[CARDIFF_VALE_HEALTH_BOARD]])
    ServiceAtLocationFactory(service=service, location=LocationFactory(
        organisation=service.organisation, latitude=51.48, longitude=-3.17))

    body = client.get(prefix + _url(service)).content.decode()

    with translation.override(prefix.strip("/") or "en"):
        label = translation.gettext("Key")
        words = [translation.gettext("areas it takes referrals from"), translation.gettext("where it is based")]
    key = re.search(rf'<p class="[^"]*" id="map-key">{label}</p>\n  <ul class="govuk-list govuk-body-s sm-map-key" '
                    r'aria-labelledby="map-key">(.*?)</ul>', body, re.DOTALL)
    items = re.findall(r'<li><span class="sm-key sm-key--(area|base)" aria-hidden="true"></span> ([^<]+)</li>', key[1])
    assert [(swatch, unescape(text)) for swatch, text in items] == list(zip(["area", "base"], words, strict=True))
    assert key.end() < body.index('class="sm-map"')



NOT_STATED = {
    "": ("Not stated: ask the service whether it works with a child during a police investigation or court case",
         "Not stated: whether it works with a child during a police investigation or court case."),
    "/cy": ("Heb ei nodi: holwch y gwasanaeth a yw'n gweithio gyda phlentyn yn ystod ymchwiliad gan yr heddlu neu "
            "achos llys",
            "Heb ei nodi: a yw'n gweithio gyda phlentyn yn ystod ymchwiliad gan yr heddlu neu achos llys."),
}


def _section(body: str, service, tag: str) -> str:
    """The card or pack entry (each an article) of one service."""
    return re.search(rf'<{tag} class="sm-result[^"]*" id="service-{service.public_id}".*?</{tag}>', body, re.S)[0]


@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_a_service_that_has_not_stated_whether_it_works_during_a_case_says_so_on_its_page_card_and_pack(
    client, wales_areas, prefix,
):
    """Neither "offers pre-trial therapy" nor "only once the case is finished": not a "no", and a social
    worker with a case ongoing must ask. The card (stored per service) said nothing at all."""
    on_page, on_card = NOT_STATED[prefix]
    unstated = ServiceFactory(name="Unstated", coverage=[wales_areas[CARDIFF_VALE_HEALTH_BOARD]])
    pre_trial = ServiceFactory(name="Pre-trial", coverage=[wales_areas[CARDIFF_VALE_HEALTH_BOARD]],
                               pre_trial_therapy=True)
    after = ServiceFactory(name="After", coverage=[wales_areas[CARDIFF_VALE_HEALTH_BOARD]],
                           requires_proceedings_finished=True)

    with translation.override("en"):  # the paths, which the prefix makes Welsh
        urls = {service: _url(service) for service in (unstated, pre_trial, after)}
        add, shortlist = reverse("directory:shortlist_add"), reverse("directory:shortlist")

    assert on_page in unescape(client.get(prefix + urls[unstated]).content.decode())
    for service in (pre_trial, after):
        page = client.get(prefix + urls[service]).content.decode()
        assert "Not stated:" not in page and "Heb ei nodi:" not in page
    search = unescape(client.get(prefix + "/search/?la=W06000015").content.decode())
    for service in (unstated, pre_trial, after):
        client.post(add, {"service": str(service.public_id)})
    pack = unescape(client.get(prefix + shortlist).content.decode())
    for body, tag in ((search, "article"), (pack, "article")):
        assert on_card in _section(body, unstated, tag)
        assert on_card not in _section(body, pre_trial, tag) and on_card not in _section(body, after, tag)


def _wait_rows(body: str) -> list[str]:
    table = re.search(r'<caption[^>]*id="waits-caption".*?</table>', body, re.S)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r'<tr class="govuk-table__row"[^>]*>(.*?)</tr>', table, re.S)[1:]]


def test_the_public_wait_table_lists_one_report_a_day_the_last_that_day_and_the_history_keeps_all(moderator_client):
    """A provider who corrects a wait the day they give it adds a report; the public table listed each
    (three rows for one day, the first two wrong). The moderators' history keeps every one."""
    service = ServiceFactory(name="Seren therapy")
    today, earlier = date.today(), date.today() - timedelta(days=20)
    now = timezone.now()
    WaitingTimeReportFactory(service=service, weeks=9, as_of=earlier, recorded_at=now - timedelta(days=20))
    for minutes, weeks, is_open in ((30, 40, True), (20, 4, True), (10, 5, False)):  # the last is the correction
        WaitingTimeReportFactory(service=service, weeks=weeks, as_of=today, referrals_open=is_open,
                                 recorded_at=now - timedelta(minutes=minutes))

    rows = _wait_rows(Client().get(_url(service)).content.decode())

    assert rows == [f"{today:%-d %b %Y} 5 weeks Closed", f"{earlier:%-d %b %Y} 9 weeks Open"]
    history = moderator_client.get(reverse("listings:history", args=[service.public_id])).content.decode()
    waits = history.split('id="waits"', 1)[1].split('id="changes"', 1)[0]
    assert re.findall(r'<td class="govuk-table__cell"[^>]*>(\d+) weeks</td>', waits) == ["5", "4", "40", "9"]


def test_each_reported_wait_is_a_row_headed_by_its_date(client, db):
    """Moving down the Wait column, a screen reader says each row's header with the cell: it said
    "Wait, 9 weeks" with no date when the date was a plain cell."""
    service = ServiceFactory()
    WaitingTimeReportFactory(service=service, weeks=9, as_of=date(2026, 3, 2))

    table = re.search(r'<caption[^>]*id="waits-caption".*?</table>', client.get(_url(service)).content.decode(), re.S)[0]

    assert ('<tr class="govuk-table__row" role="row"><th scope="row" class="govuk-table__header" role="rowheader">2 Mar 2026</th>'
            '<td class="govuk-table__cell" role="cell" data-label="Wait">9 weeks</td>') in table


@pytest.mark.parametrize(("prefix", "not_stated"), [("", "Not stated"), ("/cy", "Heb ei nodi")])
def test_a_service_that_lists_none_of_a_vocabulary_says_not_stated_rather_than_an_empty_row(
    client, wales_areas, prefix, not_stated
):
    """An imported record listing no forms of abuse, referrers or ways of giving support (another
    publisher's feed knows none of ours) gave rows with a label and nothing beside it. (A service
    always supports someone: a database constraint.)"""
    service = ServiceFactory(
        coverage=[wales_areas[CARDIFF_VALE_HEALTH_BOARD]],
        abuse_intra_familial=False, abuse_extra_familial=False, abuse_cse=False, abuse_harmful_sexual_behaviour=False,
        abuse_online=False,
        referral_by_professional=False, referral_by_parent_carer=False, referral_by_self=False,
        delivery_in_person=False, delivery_outreach=False, delivery_phone=False, delivery_online=False,
    )
    with translation.override("en"):
        url = _url(service)

    page = client.get(prefix + url).content.decode()

    rows = dict(re.findall(r'<dt class="govuk-summary-list__key">([^<]*)</dt><dd class="govuk-summary-list__value">(.*?)'
                           r'</dd>', page))
    assert len(rows) > 8
    empty = [key for key, value in rows.items() if not re.sub(r"<[^>]*>", "", value).strip()]
    assert empty == []
    assert page.count(not_stated) >= 4  # the three vocabularies, and kinds of support as before


@pytest.mark.parametrize(("prefix", "name"), [
    ("", "Referral form on example.org (Seren therapy)"),
    ("/cy", "Ffurflen atgyfeirio ar example.org (Seren therapy)"),
])
def test_the_referral_form_link_is_named_by_what_it_is_not_by_its_whole_address(client, db, prefix, name):
    # Its name was its web address, read out character by character in places. The address still
    # prints after it (the print stylesheet's rule for links out: tests/browser/test_referral_pack_print.py).
    service = ServiceFactory(name="Seren therapy", name_cy="", referral_url="https://www.example.org/forms/refer?x=1")

    html = client.get(prefix + _url(service)).content.decode()

    link = re.search(r'<a class="govuk-link" href="https://www.example.org/forms/refer\?x=1"[^>]*>(.*?)</a>', html)
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", link.group(1))).strip() == name
