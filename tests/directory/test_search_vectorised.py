"""The vectorised search (`selectors.weigh`) against the plain loop it replaced, on random directories.

The loop below is the reference: every candidate weighed one by one through `failed_criteria`
(CRITERIA, the readable definition), its distance from `great_circle_km`, its group by the rules
in `service_search`'s docstring. Both must give the same outcome to the last digit: the same
results in the same order with the same groups and distances, the same exclusions, counts, local
failures, and people chosen whom no local result supports. No database: the index is assembled from
rows the test makes.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import numpy as np
import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from directory import search_index, selectors, vocabulary
from directory.models import Service
from directory.selectors import (
    CRITERIA,
    NEARBY_KM,
    SORTS,
    AudienceGap,
    Exclusion,
    Group,
    SearchArea,
    SearchCriteria,
    SearchOutcome,
    SearchResult,
    failed_criteria,
    great_circle_km,
    sort_results,
    weigh,
)

TODAY = date.today()
AREAS = range(1, 7)  # local authorities, boards, regions
NATION = 7
SLOTS = search_index.ServiceRow.__slots__


# --- the reference: the loop `service_search` ran before it was vectorised ------------------


def _nearest_km(point, points):
    if point is None or not points:
        return None
    return min(great_circle_km(point, other) for other in points)


def _group(row, covers_local, covers_nation, distance_km, nearby):
    if covers_local:
        return Group.LOCAL
    if covers_nation or (row.kind_helpline and not row.lists_an_area):
        return Group.FALLBACK
    if nearby and distance_km is not None and distance_km <= NEARBY_KM:
        return Group.NEARBY
    return None


def _exclusions(failures):
    exclusions = []
    for criterion in CRITERIA:
        failing = [f for f in failures if criterion.code in f]
        if failing:
            exclusions.append(Exclusion(criterion.code, str(criterion.label), len(failing),
                                        sum(1 for f in failing if len(f) == 1)))
    return sorted(exclusions, key=lambda e: -e.count)


def reference(index, links, area, point, criteria, sort) -> SearchOutcome:
    covering = lambda area_ids: {s for s, a in links if a in area_ids and s in index.rows}  # noqa: E731
    local, nation = covering(area.local_ids), covering(area.nation_ids)
    nearby_ids = set()
    if point is not None:
        south, north, west, east = search_index.bounding_box(point, NEARBY_KM)
        nearby_ids = {
            service_id for service_id, held in index.points.items()
            for lat, lon in held if south <= lat <= north and west <= lon <= east
        }
    helplines = {r.id for r in index.rows.values() if r.kind_helpline and not r.lists_an_area}
    candidates = local | nation | helplines | nearby_ids
    failures, local_failures, results, considered = [], [], [], 0
    for row in [index.rows[i] for i in sorted(candidates) if i in index.rows]:
        failed = failed_criteria(row, criteria)
        near = row.id in nearby_ids
        distance = _nearest_km(point, index.points.get(row.id, ())) if near or not failed else None
        group = _group(row, row.id in local, row.id in nation, distance, near)
        if group is None:
            continue
        considered += 1
        if failed:
            failures.append(failed)
            if group == Group.LOCAL:
                local_failures.append(failed)
        else:
            results.append(SearchResult(row, group, distance, index.points.get(row.id, ()), criteria))
    return SearchOutcome(area, sort_results(results, sort), _exclusions(failures), considered, local_failures,
                         audience_gaps=_audience_gaps(results, criteria))


def _audience_gaps(results, criteria):
    # Each person chosen whom no local result supports, and the first other group (all-Wales, then
    # near by) with a result that does; none at all when no result is local (AudienceGap).
    if not any(r.group == Group.LOCAL for r in results):
        return ()
    gaps = []
    for code, _label in vocabulary.AUDIENCES:
        if code not in criteria.audiences:
            continue
        supports = lambda r: getattr(r.service, vocabulary.AUDIENCE_FIELDS[code])  # noqa: B023, E731
        if any(supports(r) for r in results if r.group == Group.LOCAL):
            continue
        elsewhere = next((g for g in (Group.FALLBACK, Group.NEARBY)
                          if any(supports(r) for r in results if r.group == g)), None)
        gaps.append(AudienceGap(code, elsewhere))
    return tuple(gaps)


# --- random directories and searches ---------------------------------------------------------

FLAGS = (
    "kind_helpline", "welsh_available", "disclosure_required", "requires_proceedings_finished",
    *vocabulary.ABUSE_FORM_FIELDS.values(), *vocabulary.AUDIENCE_FIELDS.values(),
    *vocabulary.DELIVERY_MODE_FIELDS.values(), *vocabulary.REFERRER_FIELDS.values(),
)
# Few values, so that a child's age often equals a service's limit (and a wait the longest accepted).
ages = st.sampled_from([Decimal(a) for a in ("0", "4", "9.5", "12.5", "18", "25")]) | st.integers(0, 250).map(
    lambda tenths: Decimal(tenths) / 10)
weeks = st.integers(0, 4)
# Points around Cardiff, some repeated (several services at one base), some 40 km away or more.
points = st.tuples(st.floats(51.2, 51.8), st.floats(-3.8, -2.6)) | st.sampled_from(
    [(51.4816, -3.1791), (51.5842, -2.9977), (51.6214, -3.9436)])
names = st.text("aAbB ", max_size=3)


@st.composite
def rows(draw, service_id: int) -> search_index.ServiceRow:
    low, high = sorted((draw(ages), draw(ages)))
    reported = draw(st.booleans())
    values = {
        "id": service_id, "public_id": None, "name_en": draw(names), "name_cy": draw(names | st.none()),
        "status": draw(st.sampled_from(Service.Status.values)), "age_min": low, "age_max": high,
        **{name: draw(st.booleans()) for name in FLAGS},
        "current_wait_weeks": draw(weeks) if reported else None,
        "current_wait_as_of": TODAY - timedelta(days=draw(st.integers(0, 90))) if reported else None,
        "current_wait_open": draw(st.booleans()) if reported else None,
        "render_token": draw(st.uuids()), "lists_an_area": False,
    }
    return search_index.ServiceRow(values[name] for name in SLOTS)


@st.composite
def directories(draw):
    count = draw(st.integers(0, 25))
    made = [draw(rows(i)) for i in draw(st.permutations(range(1, count + 1)))]
    links, sites = [], []
    for service_id in range(1, count + 3):  # and two unpublished services' links and points, left out
        links += [(service_id, area_id) for area_id in draw(st.sets(st.sampled_from([*AREAS, NATION]), max_size=2))]
        sites += [(service_id, *point) for point in draw(st.lists(points, max_size=3))]
    for row in made:
        row.lists_an_area = any(service_id == row.id for service_id, _area in links)
    return search_index.assemble("v", made, links, sites), links


criteria = st.builds(
    SearchCriteria,
    # 12.50000000000000000001: the same float as 12.5, a larger Decimal (above a range ending at 12.5).
    # 4.99999999999999999999: the same float as 5, a smaller Decimal (inside a range ending at 4,
    # whose whole year runs to the 5th birthday).
    age=st.none() | ages | st.sampled_from([
        Decimal("12.50"), Decimal("4.05"), Decimal("12.50000000000000000001"), Decimal("4.99"),
        Decimal("4.99999999999999999999"), Decimal("5"), Decimal("18.5"), Decimal("19")]),
    abuse_forms=st.lists(st.sampled_from(list(vocabulary.ABUSE_FORM_FIELDS)), max_size=3).map(tuple),
    audiences=st.lists(st.sampled_from(list(vocabulary.AUDIENCE_FIELDS)), max_size=2).map(tuple),
    no_disclosure=st.booleans(),
    proceedings_ongoing=st.booleans(),
    delivery_modes=st.lists(st.sampled_from(list(vocabulary.DELIVERY_MODE_FIELDS)), max_size=2).map(tuple),
    welsh=st.booleans(),
    max_wait_weeks=st.none() | weeks,
    referrer=st.sampled_from(["", *vocabulary.REFERRER_FIELDS]),
)
areas = st.builds(
    lambda local, nation: SearchArea("W06000015", "Cardiff", bool(nation), True, frozenset(local), frozenset(nation)),
    st.sets(st.sampled_from(AREAS)), st.sets(st.just(NATION)),
)


@settings(max_examples=300, deadline=None)
@given(directories(), areas, st.none() | points, criteria, st.sampled_from([code for code, _ in SORTS]),
       st.sampled_from(["en", "cy"]))
def test_the_vectorised_search_gives_the_reference_outcome(directory, area, point, search, sort, language):
    index, links = directory
    with translation.override(language):
        expected = reference(index, links, area, point, search, sort)
        outcome = weigh(index, area, point, search, sort)

    assert outcome == expected
    assert [(r.service.id, r.group, r.distance_km) for r in outcome.results] == [
        (r.service.id, r.group, r.distance_km) for r in expected.results]


def _either_side_of_40_km(status: str) -> tuple[tuple[float, float], tuple, tuple, search_index.SearchIndex]:
    """Service 1 just within NEARBY_KM of the origin and service 2 just beyond it, by
    great_circle_km (points found by bisection), with this status."""
    origin = (51.4816, -3.1791)
    low, high = 0.0, 1.0
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if great_circle_km(origin, (origin[0] + middle, origin[1])) <= NEARBY_KM else (low, middle)
    inside, outside = (origin[0] + low, origin[1]), (origin[0] + high, origin[1])
    assert great_circle_km(origin, inside) <= NEARBY_KM < great_circle_km(origin, outside)
    made = []
    for service_id in (1, 2):
        values = {name: False for name in SLOTS} | {
            "id": service_id, "name_en": str(service_id), "name_cy": None, "status": status, "age_min": 0,
            "age_max": 18, "current_wait_weeks": None, "current_wait_as_of": None, "current_wait_open": None,
            "render_token": uuid4()}
        made.append(search_index.ServiceRow(values[name] for name in SLOTS))
    return origin, inside, outside, search_index.assemble("v", made, [], [(1, *inside), (2, *outside)])


def test_a_service_40_km_away_is_near_by_and_one_just_beyond_is_not():
    # The vectorised test must not tip either way on its own last digits.
    origin, _inside, _outside, index = _either_side_of_40_km("closed")
    area = SearchArea("W06000015", "Cardiff", True, True)

    outcome = weigh(index, area, origin, SearchCriteria())

    assert outcome.considered == 1  # closed, so counted among the left out, not shown
    assert outcome == reference(index, [], area, origin, SearchCriteria(), "best")


@pytest.mark.parametrize("nudge", [np.inf, -np.inf])
def test_what_a_card_shows_is_great_circle_km_whatever_numpys_last_bits(monkeypatch, nudge):
    # On a processor with AVX-512, numpy's vectorised atan2 and pow give about one distance in a
    # hundred a last bit apart from the C library's: here every one of them is a bit out.
    vectorised = selectors._nearest_kms
    monkeypatch.setattr(selectors, "_nearest_kms", lambda *args: np.nextafter(vectorised(*args), nudge))
    origin, inside, outside, index = _either_side_of_40_km("active")

    outcome = weigh(index, SearchArea("W06000015", "Cardiff", True, True), origin, SearchCriteria())

    assert [(r.service.id, r.group, r.distance_km) for r in outcome.results] == [
        (1, Group.NEARBY, great_circle_km(origin, inside))]
