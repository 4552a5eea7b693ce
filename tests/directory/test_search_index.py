"""The search index brought up to date after a change: patched with the services whose token
changed (`search_index.patched`), or read again, it must hold exactly what reading every service
afresh holds (`assemble`, `build`)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory import search_index, version
from directory.models import Area
from tests.directory.test_search_vectorised import AREAS, NATION, points, rows
from tests.factories import ServiceAtLocationFactory, ServiceFactory, WaitingTimeReportFactory

CARDIFF, SWANSEA = "W06000015", "W06000011"


def _plain(index: search_index.SearchIndex) -> dict:
    """Everything the index holds, as plain values (arrays as lists, rows as their slots)."""
    def plain(value: object) -> object:
        if isinstance(value, np.ndarray):
            return (value.dtype.str, value.tolist())
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, search_index.ServiceRow):
            return tuple(getattr(value, slot) for slot in search_index.ServiceRow.__slots__)
        if isinstance(value, tuple):
            return tuple(plain(item) for item in value)
        return value

    return {field.name: plain(getattr(index, field.name)) for field in dataclasses.fields(index)
            if field.name != "columns"} | {
        field.name: plain(getattr(index.columns, field.name)) for field in dataclasses.fields(index.columns)}


def _pairs(held: dict[int, list | set]) -> list[tuple]:
    return [(service_id, *(item if isinstance(item, tuple) else (item,)))
            for service_id, items in held.items() for item in items]


@st.composite
def directories_and_changes(draw):
    """A directory (rows, links, points; two unpublished services' too) and some of its services
    changed: any column, their coverage, their points."""
    count = draw(st.integers(1, 20))
    area_sets = st.sets(st.sampled_from([*AREAS, NATION]), max_size=3)
    links = {service_id: draw(area_sets) for service_id in range(1, count + 3)}
    sites = {service_id: draw(st.lists(points, max_size=3)) for service_id in range(1, count + 3)}
    before = {service_id: draw(rows(service_id)) for service_id in range(1, count + 1)}
    changed = sorted(draw(st.sets(st.integers(1, count), min_size=1)))
    after, after_links, after_sites = dict(before), dict(links), dict(sites)
    for service_id in changed:
        after[service_id] = draw(rows(service_id))
        if draw(st.booleans()):
            after_links[service_id] = draw(area_sets)
        if draw(st.booleans()):
            after_sites[service_id] = draw(st.lists(points, max_size=3))
    for held, held_links in ((before, links), (after, after_links)):
        for row in held.values():
            row.lists_an_area = bool(held_links[row.id])
    return (before, links, sites), (after, after_links, after_sites), changed


@settings(max_examples=200, deadline=None)
@given(directories_and_changes())
def test_a_patched_index_holds_what_assembling_it_afresh_holds(case):
    (before, links, sites), (after, after_links, after_sites), changed = case
    held = search_index.assemble("v1", before.values(), _pairs(links), _pairs(sites), generation="g")

    patched = search_index.patched(
        held, "v2", [after[service_id] for service_id in changed],
        _pairs({service_id: after_links[service_id] for service_id in changed}),
        _pairs({service_id: after_sites[service_id] for service_id in changed}),
    )

    expected = search_index.assemble("v2", after.values(), _pairs(after_links), _pairs(after_sites), generation="g")
    assert _plain(patched) == _plain(expected)
    assert _plain(held) == _plain(search_index.assemble("v1", before.values(), _pairs(links), _pairs(sites),
                                                        generation="g")), "the held index is never written to"


@pytest.fixture
def directory(wales_areas):
    """Five Cardiff services, two of them based somewhere, and a first index of them."""
    services = ServiceFactory.create_batch(5, coverage=[wales_areas[CARDIFF]])
    sites = [ServiceAtLocationFactory(service=service) for service in services[:2]]
    return services, sites, search_index.current()


def _read_afresh() -> search_index.SearchIndex:
    return search_index.build(*version.current_with_generation())


def test_after_providers_changes_only_the_changed_services_are_read_again(directory, wales_areas):
    services, sites, first = directory
    WaitingTimeReportFactory(service=services[0], weeks=9, as_of=date.today() - timedelta(days=3))
    services[1].coverage_areas.set([wales_areas[SWANSEA]])
    sites[1].location.latitude = 51.62
    sites[1].location.save()
    services[2].name = "Renamed service"
    services[2].welsh_available = True
    services[2].age_max = 12
    services[2].save()

    index = search_index.current()

    assert index.version == version.current()
    assert _plain(index) == _plain(_read_afresh())
    assert index.rows[services[4].id] is first.rows[services[4].id], "an unchanged service is not read again"
    assert index.rows[services[0].id].current_wait_weeks == 9
    assert index.points[services[1].id] == ((51.62, -3.1791),)
    swansea = Area.objects.get(code=SWANSEA).id
    assert index.columns.covering[swansea].tolist() == [list(index.rows).index(services[1].id)]


def test_a_change_with_no_service_to_read_keeps_every_row(directory):
    services, _sites, first = directory
    version.bump(services=[])

    index = search_index.current()

    assert index.version == version.current()
    assert index.columns is first.columns


@pytest.mark.parametrize("change", ["new service", "unpublished", "unknown reach"])
def test_a_change_to_which_services_are_published_or_of_unknown_reach_reads_everything(directory, wales_areas, change):
    services, _sites, first = directory
    if change == "new service":
        ServiceFactory(coverage=[wales_areas[SWANSEA]])
    elif change == "unpublished":
        services[3].is_published = False
        services[3].save()
    else:
        Area.objects.filter(code=SWANSEA).update(name="Abertawe/Swansea")
        version.bump()  # a bulk write's own bump: its reach is unknown

    index = search_index.current()

    assert _plain(index) == _plain(_read_afresh())
    assert index.rows[services[4].id] is not first.rows[services[4].id]


def test_the_candidates_digest_of_a_stored_search_is_its_outcomes(directory, wales_areas):
    from directory import selectors

    directory_version, generation = version.current_with_generation()
    point = (51.48, -3.18)
    outcome = selectors.service_search(lad_code=CARDIFF, point=point, age=9, hydrate=False,
                                       directory_version=directory_version, generation=generation)
    kwargs = {"lad_code": CARDIFF, "point": point, "directory_version": directory_version, "generation": generation}

    assert len(outcome.candidates) == 16
    assert selectors.candidates_digest(**kwargs) == outcome.candidates
    assert selectors.candidates_digest(**{**kwargs, "lad_code": "W06000002"}) != outcome.candidates
