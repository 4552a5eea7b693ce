"""A record whose savepoint is undone leaves nothing behind, not even in the run's caches: an area or
organisation it made is made again by the next record that needs it, never pointed at as a row that
no longer exists."""

from __future__ import annotations

import pytest

from directory.models import Area, Organisation, Service
from directory.oruk.importer import import_records

BRISTOL = "E06000023"
BRISTOL_URI = f"http://statistics.data.gov.uk/id/statistical-geography/{BRISTOL}"
ORGANISATION = {"id": "0d6f4a52-7c1e-4f0a-b3c2-9e8d7f6a5b4c", "name": "Bristol family services"}
STATED = {"csa_abuse_forms": ["intra_familial"], "csa_audiences": ["child"], "csa_referrers": ["professional"],
          "csa_disclosure_required": True}


def _record(service_id: str, **more) -> dict:
    return {
        "id": service_id, "name": f"Service {service_id[:4]}", "status": "active", "organization": ORGANISATION,
        "service_areas": [{"name": "Bristol", "uri": BRISTOL_URI}],
    } | STATED | more


# Refused after its area and organisation were saved: a wait dated in the future fails `full_clean`.
FAILING = _record("11111111-1111-4111-8111-111111111111", csa_wait_weeks=3, csa_wait_as_of="2999-01-01")
FINE = _record("22222222-2222-4222-8222-222222222222")


@pytest.mark.django_db(transaction=True)
def test_a_record_after_an_undone_one_makes_again_the_area_and_organisation_it_needs():
    report = import_records([FAILING, FINE], skip_invalid=True)

    assert report.committed and report.created == 1
    assert [label for label, _message in report.rejected] == [FAILING["id"]]
    assert "as_of" in report.rejected[0][1]
    service = Service.objects.get(public_id=FINE["id"])
    assert list(service.coverage_areas.values_list("code", flat=True)) == [BRISTOL]
    assert Area.objects.filter(code=BRISTOL).count() == 1
    assert service.organisation == Organisation.objects.get(public_id=ORGANISATION["id"])
    assert not Service.objects.filter(public_id=FAILING["id"]).exists()


@pytest.mark.django_db
def test_an_area_code_first_met_without_a_uri_is_still_added_by_a_later_record_giving_its_uri():
    """Alone, the second record adds Bristol; after one that named its code alone (kept unmapped: a
    code without a URI is not known to be ONS's), it must too: the run's cache does not decide it."""
    code_only = _record("33333333-3333-4333-8333-333333333333",
                        service_areas=[{"name": "Bristol", "csa_area_code": BRISTOL}])
    report = import_records([code_only, FINE])

    assert report.committed and report.created == 2
    assert Service.objects.get(public_id=code_only["id"]).coverage_areas.count() == 0
    assert list(Service.objects.get(public_id=FINE["id"]).coverage_areas.values_list("code", flat=True)) == [BRISTOL]
