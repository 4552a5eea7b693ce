"""The directory version changes on every public change, and only then (directory.version)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from directory import version
from directory.models import Area, PostcodeDistrict, Service, WaitingTimeReport
from directory.reference_data import _replace_if_changed
from tests.factories import AreaFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def changes(action) -> bool:
    before = version.current()
    action()
    return version.current() != before


def test_a_new_service_changes_the_version():
    assert changes(lambda: ServiceFactory())


def test_editing_a_service_changes_the_version():
    service = ServiceFactory()

    def edit():
        service.name = "Renamed"
        service.save()

    assert changes(edit)


def test_a_new_waiting_time_report_changes_the_version():
    service = ServiceFactory()
    assert changes(lambda: WaitingTimeReport.objects.create(service=service, weeks=3, as_of=date(2026, 11, 1)))


def test_coverage_changes_change_the_version():
    service, area = ServiceFactory(), AreaFactory()
    assert changes(lambda: service.coverage_areas.add(area))
    assert changes(lambda: service.coverage_areas.remove(area))


def test_deleting_a_service_changes_the_version():
    service = ServiceFactory()
    assert changes(service.delete)


def test_an_area_population_change_changes_the_version():
    area = AreaFactory()

    def edit():
        area.children_0_17 += 1
        area.save()

    assert changes(edit)


def test_reading_does_not_change_the_version():
    ServiceFactory()
    assert not changes(lambda: list(Service.objects.all()) and list(Area.objects.all()))


def test_bulk_writes_bump_once_when_paused():
    area = AreaFactory()
    before = version.current()
    with version.paused():
        for n in range(3):
            ServiceFactory(name=f"Service {n}").coverage_areas.add(area)
        assert version.current() == before, "no bump per row inside paused()"
    assert version.current() != before


def test_a_version_is_never_reused_after_a_rollback():
    from django.db import transaction

    ServiceFactory()
    seen = version.current()

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        version.bump()
        inside = version.current()
        raise Abort
    assert version.current() == seen
    version.bump()
    assert version.current() not in {seen, inside}


def test_reloading_reference_rows_in_bulk_changes_the_version():
    # bulk_create sends no signals: the loader bumps itself.
    row = PostcodeDistrict(prefix="CF10", latitude=51.48, longitude=-3.18, lad_code="W06000015", lad_share=1)
    assert changes(lambda: _replace_if_changed(PostcodeDistrict, [row]))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_on_postgresql_the_version_read_is_prepared_after_a_few_runs():
    """DB_PREPARE_THRESHOLD (settings): every page reads the version, so PostgreSQL plans it once
    per connection instead of on every request."""
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    assert threshold == 5
    connection.close()  # a new connection: nothing prepared yet, whatever ran before this test

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall() if "directory_directoryversion" in row[0]]

    version.bump()
    for _ in range(threshold):
        version.read()
    assert prepared() == []
    version.read()
    assert len(prepared()) == 1
    first = version.read()
    version.bump()
    assert version.read() != first  # the prepared read sees the new value
