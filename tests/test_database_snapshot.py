"""tests/database_snapshot.py: a data set loaded once per process, restored exactly after that, and
nothing a module wrote in between carried into the next."""

from __future__ import annotations

from django.core.management import call_command

from directory.models import Area, Organisation, Service
from tests import database_snapshot
from tests.factories import AreaFactory, OrganisationFactory, ServiceFactory


def _rows() -> dict[str, list[tuple]]:
    return {
        "areas": list(Area.objects.order_by("pk").values_list("pk", "code", "name")),
        "organisations": list(Organisation.objects.order_by("pk").values_list("pk", "name", "email")),
        "services": list(Service.objects.order_by("pk").values_list("pk", "name", "organisation_id")),
        "coverage": list(Service.coverage_areas.through.objects.order_by("pk").values_list(
            "pk", "service_id", "area_id")),
    }


def test_a_data_set_is_loaded_once_then_restored_as_it_was_without_a_modules_writes(transactional_db):
    calls = []

    def load():
        calls.append(1)
        area = AreaFactory(code="W06000099", name="Snapshot area")
        ServiceFactory(name="Snapshot service", organisation=OrganisationFactory(name="Snapshot org"),
                       coverage=[area])

    database_snapshot.loaded("a test's data set", load)
    loaded = _rows()
    assert len(loaded["services"]) == 1 and len(loaded["coverage"]) == 1

    # A module writes to it, then empties the database when it ends (as the fixtures do).
    Service.objects.update(name="Changed")
    AreaFactory(code="W06000098")
    call_command("flush", interactive=False, verbosity=0)

    database_snapshot.loaded("a test's data set", load)
    assert calls == [1]  # restored, not loaded again
    assert _rows() == loaded
    # The sequences are past the restored rows: the next row gets a new id.
    organisation = OrganisationFactory(name="After the restore")
    assert organisation.pk > max(pk for pk, *_ in loaded["organisations"])
    area = AreaFactory(code="W06000097")
    assert area.pk > max(pk for pk, *_ in loaded["areas"])


def test_a_restore_empties_what_the_copy_does_not_have(transactional_db):
    database_snapshot.loaded("an empty data set", lambda: None)
    OrganisationFactory(name="Left behind by a module that did not clean up")

    database_snapshot.loaded("an empty data set", lambda: None)

    assert not Organisation.objects.exists()
