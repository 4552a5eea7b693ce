"""An imported service area with no ONS code is matched to an area by its English or Welsh name, as
listing names are compared (listings.selectors.name_key), not by SQLite's iexact (A-Z alone)."""

from __future__ import annotations

import pytest

from directory.oruk.importer import _Run
from directory.oruk.records import AreaRef
from tests.factories import AreaFactory


@pytest.fixture
def anglesey(db):
    return AreaFactory(code="W06000001", name="Isle of Anglesey", name_cy="Ynys Môn")


@pytest.mark.parametrize("named", ["Ynys Môn", "YNYS MÔN", "ynys  môn ", "Ynys Mo\u0302n", "isle of ANGLESEY"])
def test_an_area_named_in_any_case_or_spacing_is_matched(anglesey, named):
    notes: list[str] = []
    assert _Run().area(AreaRef(code=None, name=named), notes) == anglesey
    assert notes == [f"service area without an ONS URI, matched by name: {named!r} -> W06000001"]


def test_an_area_with_no_name_or_another_name_is_kept_unmapped(anglesey):
    AreaFactory(code="W06000002", name="Gwynedd", name_cy="")  # no Welsh name: "" matched it by iexact
    for named in ("", "Ynys Mon"):
        notes: list[str] = []
        assert _Run().area(AreaRef(code=None, name=named), notes) is None
        assert notes[-1].startswith("service area matching no known area")


def test_a_run_reads_the_area_names_once(anglesey, django_assert_num_queries):
    run = _Run()
    with django_assert_num_queries(1):
        for named in ("Ynys Môn", "YNYS MÔN", "Isle of Anglesey"):
            assert run.area(AreaRef(code=None, name=named), []) == anglesey
