"""The search page feeds the unmet-demand counter: aggregates only, nothing finer than the month."""

from __future__ import annotations

import pytest
import time_machine

from gaps.models import UnmetSearchCount
from gaps.vocabulary import classify_unmet
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("local_matches", "failures", "expected"),
    [
        (1, [["age"]], None),
        (0, [], ("none", "no_service")),
        (0, [["age"], ["age"]], ("age", "criteria_exclude")),
        (0, [["welsh"]], ("language", "criteria_exclude")),
        (0, [["age"], ["welsh"]], ("several", "criteria_exclude")),
        (0, [["status"], ["wait"]], ("several", "lists_closed")),
        (0, [["wait"]], ("wait", "lists_closed")),
    ],
)
def test_it_classifies_why_a_search_found_nothing_local(local_matches, failures, expected):
    assert classify_unmet(local_matches=local_matches, local_failures=failures) == expected


@time_machine.travel("2026-11-25 10:00 +0000")
def test_a_search_with_nothing_covering_the_area_is_counted_by_month_and_band(client, wales_areas):
    ServiceFactory(coverage=[wales_areas["W06000015"]], age_min=12, age_max=18)
    response = client.get("/search/", {"la": "W06000015", "age": "9", "abuse_form": "intra_familial"})
    assert response.status_code == 200
    row = UnmetSearchCount.objects.get()
    assert (row.lad_code, row.excluded_by, row.reason, row.count) == ("W06000015", "age", "criteria_exclude", 1)
    assert row.month.isoformat() == "2026-11-01"
    # Paging through the same search does not count it again.
    client.get("/search/", {"la": "W06000015", "age": "9", "page": "2"})
    assert UnmetSearchCount.objects.get().count == 1


def test_a_search_with_a_local_match_is_not_counted(client, wales_areas):
    ServiceFactory(coverage=[wales_areas["W06000015"]])
    assert client.get("/search/", {"la": "W06000015", "age": "9"}).status_code == 200
    assert not UnmetSearchCount.objects.exists()


def test_a_head_request_for_a_search_is_answered_but_not_counted(client, wales_areas):
    # Link checkers and uptime monitors ask for headers only: they are not someone looking for support.
    ServiceFactory(coverage=[wales_areas["W06000015"]], age_min=12, age_max=18)
    query = {"la": "W06000015", "age": "9", "abuse_form": "intra_familial"}
    response = client.head("/search/", query)
    assert response.status_code == 200
    assert not UnmetSearchCount.objects.exists()
    client.get("/search/", query)
    assert UnmetSearchCount.objects.get().count == 1


def test_one_client_counts_only_so_many_searches_and_is_still_served(client, wales_areas, settings):
    # The published figures are not a script's to write: past UNMET_COUNT_RATE its searches are
    # answered as ever, and not counted.
    settings.UNMET_COUNT_RATE = "2/hour"
    ServiceFactory(coverage=[wales_areas["W06000015"]], age_min=12, age_max=18)
    query = {"la": "W06000015", "age": "9", "abuse_form": "intra_familial"}
    for _ in range(3):
        assert client.get("/search/", query).status_code == 200
    assert UnmetSearchCount.objects.get().count == 2
    assert client.get("/search/", query, REMOTE_ADDR="192.0.2.44").status_code == 200
    assert UnmetSearchCount.objects.get().count == 3, "another client is counted"


def test_the_unmet_figures_state_the_cap_on_counting(client, wales_areas, settings):
    settings.UNMET_COUNT_RATE = "60/hour"
    page = client.get("/gaps/unmet/").content.decode()
    assert "At most 60 searches an hour are counted from one network address" in page


@pytest.mark.parametrize(("dest", "counted"), [("document", 1), ("image", 0), ("iframe", 0), ("script", 0), ("empty", 0)])
def test_only_a_search_opened_as_a_page_is_counted_not_one_another_site_embeds(client, wales_areas, dest, counted):
    """An <img> or <iframe> on another site's page pointing at a search would otherwise add one
    unmet search for each of its visitors (each within the per-client limit)."""
    ServiceFactory(coverage=[wales_areas["W06000015"]], age_min=12, age_max=18)
    query = {"la": "W06000015", "age": "9", "abuse_form": "intra_familial"}
    assert client.get("/search/", query, headers={"Sec-Fetch-Dest": dest}).status_code == 200
    assert sum(row.count for row in UnmetSearchCount.objects.all()) == counted
