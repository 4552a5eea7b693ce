from __future__ import annotations

import re
from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from directory.models import Service
from gaps.models import Snapshot, SnapshotAccess
from tests.factories import ServiceFactory
from tests.job_log import job_log

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-03-31 09:00 +0000", tick=False)
def test_take_gaps_snapshot_files_under_today_and_is_idempotent(wales_areas):
    ServiceFactory(coverage=[wales_areas["W06000015"]])
    with job_log() as log:
        call_command("take_gaps_snapshot", stdout=StringIO())
    # Its log file's lines say when (local time: 10:00 BST is 09:00 UTC), how it went and what it filed.
    started, finished = log.getvalue().splitlines()
    assert started == "2026-03-31T10:00:00+01:00 INFO servicemap.jobs.take_gaps_snapshot: started"
    assert re.fullmatch(r"2026-03-31T10:00:00\+01:00 INFO servicemap.jobs.take_gaps_snapshot: finished in [\d.]+ s: "
                        rf"snapshot 2026-03-31: 1 services, {23 * 66} area × layer figures\.", finished)
    call_command("take_gaps_snapshot", stdout=StringIO())
    assert list(Snapshot.objects.values_list("taken_on", flat=True)) == [date(2026, 3, 31)]
    assert SnapshotAccess.objects.count() == 23 * 66


def test_take_gaps_snapshot_takes_a_date_and_refuses_a_bad_one(wales_areas):
    call_command("take_gaps_snapshot", "--date", "2025-12-31", stdout=StringIO())
    assert Snapshot.objects.get().taken_on == date(2025, 12, 31)
    with pytest.raises(CommandError):
        call_command("take_gaps_snapshot", "--date", "31/12/2025")


@time_machine.travel("2026-12-05 09:00 +0000", tick=False)
def test_take_gaps_snapshot_refuses_a_date_after_today(wales_areas):
    """A snapshot is the directory as it is now: filed under 2062-12-05 (a slip for 2026) or the
    next quarter, the trends page showed commissioners provision on a date not yet come."""
    with pytest.raises(CommandError, match="2027-01-01 is after today, 2026-12-05"):
        call_command("take_gaps_snapshot", "--date", "2027-01-01", stdout=StringIO())
    assert not Snapshot.objects.exists()

    call_command("take_gaps_snapshot", "--date", "2026-12-05", stdout=StringIO())
    assert Snapshot.objects.get().taken_on == date(2026, 12, 5)


@time_machine.travel("2026-04-01 09:00 +0000", tick=False)
def test_removing_the_sample_directory_removes_the_snapshots_taken_with_it(wales_areas):
    """A snapshot taken while the fictional sample was loaded counts its services in every figure.
    After `--remove` the trends page offered it to commissioners as real provision, with no
    "Sample data" banner any more."""
    from directory.sample_directory import load_sample_directory

    ServiceFactory(coverage=[wales_areas["W06000015"]])
    call_command("take_gaps_snapshot", "--date", "2025-12-31", stdout=StringIO())
    load_sample_directory()
    call_command("take_gaps_snapshot", "--date", "2026-03-31", stdout=StringIO())
    sample = Service.objects.filter(organisation__is_sample=True).count()
    out = StringIO()

    call_command("load_sample_directory", "--remove", stdout=out)

    assert list(Snapshot.objects.values_list("taken_on", flat=True)) == [date(2025, 12, 31)]
    assert Snapshot.objects.get().services.count() == 1
    assert f"{sample} services (with their waits)" in out.getvalue()
    assert "and 1 gaps snapshot(s) taken with it" in out.getvalue()
    assert not Service.objects.filter(organisation__is_sample=True).exists()
