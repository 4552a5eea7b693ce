"""Backups lose nothing: a `dumpdata` export loads into an empty database and exports the same, and
(on PostgreSQL) a `pg_dump` restores into a fresh database with every row. See docs/deploy.md."""

from __future__ import annotations

import io
import json
import re
import subprocess
import uuid
from datetime import date

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from directory import version
from directory.models import Area, Postcode, Service, WaitingTimeReport
from directory.sample_directory import load_sample_directory
from servicemap.settings import BASE_DIR

DOCS = (BASE_DIR / "docs" / "deploy.md").read_text()

# What docs/deploy.md's export command leaves out, read from it so the two cannot differ.
EXCLUDE = re.findall(r"--exclude ([\w.]+)", re.search(r"manage\.py dumpdata [^`]*?--output", DOCS, flags=re.S)[0])


def test_the_export_leaves_out_what_migrate_or_the_restore_makes_anew():
    """Rebuilt by `migrate` in any database (their ids differ per database; everything that points at
    them is exported with natural keys), and the directory version, a cache key the restore replaces.
    And the stored renderings: each is valid for one directory generation, which the restore
    replaces, so every one was stale on arrival (~460 MB of 20,000 services' documents and cards)."""
    assert sorted(EXCLUDE) == ["auth.permission", "contenttypes", "directory.directoryversion",
                               "directory.servicerendering", "sessions"]
    assert "manage.py build_renderings" in DOCS.split("**Portable: a Django export**", 1)[1].split("## 5.", 1)[0]


@pytest.fixture
def directory_data(wales_areas):
    """The sample directory (services, coverage, locations, wait histories, change history), a staff
    user, a Welsh translation and a postcode."""
    load_sample_directory(today=date(2025, 3, 1))
    service = Service.objects.order_by("name").first()
    service.description_cy = "Cymorth therapiwtig."
    service.save()
    get_user_model().objects.create_user("moderator", "moderator@example.org", "a-long-password-1", is_staff=True)
    Postcode.objects.create(postcode="CF10 1EP", latitude=51.48, longitude=-3.18, lad_code="W06000015")


def _export() -> list[dict]:
    out = io.StringIO()
    call_command("dumpdata", exclude=EXCLUDE, natural_foreign=True, indent=None, stdout=out)
    # Django's JSON keeps milliseconds: a time with under 1 ms of microseconds prints ".000" and
    # loads back as a whole second. Compare at the format's precision (pg_dump keeps everything).
    rows = json.loads(re.sub(r'(T\d\d:\d\d:\d\d)\.000(Z|[+-]\d\d:\d\d)"', r'\1\2"', out.getvalue()))
    return sorted(rows, key=lambda r: (r["model"], str(r["pk"])))


# Transactional: `flush` cannot TRUNCATE inside the test's transaction on PostgreSQL (deferred
# foreign-key checks are pending), and a restore never runs inside one either.
@pytest.mark.django_db(transaction=True)
def test_an_export_loads_into_an_empty_database_with_nothing_lost(directory_data, tmp_path):
    before = _export()
    version_before = version.current()
    counts = {"services": Service.objects.count(), "waits": WaitingTimeReport.objects.count()}
    coverage = {s.public_id: sorted(s.coverage_areas.values_list("code", flat=True)) for s in Service.objects.all()}
    assert counts["services"] > 50 and counts["waits"] > counts["services"]

    dump = tmp_path / "servicemap.json"
    dump.write_text(json.dumps(before))
    call_command("flush", interactive=False, verbosity=0)  # the schema of a freshly migrated database
    assert Service.objects.count() == 0 and Area.objects.count() == 0
    call_command("restore_export", str(dump), verbosity=0)

    assert _export() == before  # every model, every field, every relation
    assert version.current() not in {version_before, "none"}  # caches of the old data are not reused
    assert Service.objects.count() == counts["services"]
    assert WaitingTimeReport.objects.count() == counts["waits"]
    assert {s.public_id: sorted(s.coverage_areas.values_list("code", flat=True)) for s in Service.objects.all()} == coverage
    assert Service.objects.filter(description_cy="Cymorth therapiwtig.").count() == 1
    assert get_user_model().objects.get(username="moderator").check_password("a-long-password-1")


@pytest.mark.django_db(transaction=True)
def test_a_restore_into_a_database_that_holds_a_directory_is_refused(directory_data, tmp_path):
    """Loaded over a live database (the wrong DATABASE_URL), the export's rows replaced those with
    the same ids and the rest stayed: a mix of two directories, with no error."""
    dump = tmp_path / "servicemap.json"
    dump.write_text(json.dumps(_export()))
    Service.objects.filter(pk=Service.objects.order_by("pk").first().pk).update(name="Changed since the export")

    with pytest.raises(CommandError, match=r"already holds \d+ services.*freshly migrated"):
        call_command("restore_export", str(dump), verbosity=0)

    assert Service.objects.filter(name="Changed since the export").exists()


_AREA = '{"model": "directory.area", "pk": 9999, "fields": {"code": "W06999999", "name": "Loaded first", "kind": "local_authority"}}'
_SERVICE_WITHOUT_ITS_FIELDS = '{"model": "directory.service", "pk": 1, "fields": {"name": "No organisation"}}'


@pytest.mark.parametrize(("content", "says"), [
    ("", "is not a dumpdata export"),
    ('{"contents": [', "is not a dumpdata export"),
    ('[{"id": "0c9b5e4e-0000-4000-8000-000000000000", "name": "An ORUK export"}]', "is not a dumpdata export"),
    (f"[{_AREA}, {_SERVICE_WITHOUT_ITS_FIELDS}]", "Could not load directory.Service"),
])
@pytest.mark.django_db(transaction=True)
def test_a_file_that_is_not_an_export_is_refused_with_a_message_and_nothing_restored(content, says, tmp_path):
    dump = tmp_path / "servicemap.json"
    dump.write_text(content)

    with pytest.raises(CommandError, match=f"(?s){re.escape(says)}.*Nothing was restored"):
        call_command("restore_export", str(dump), verbosity=0)

    assert not Area.objects.filter(code="W06999999").exists()  # loaded before the bad row, rolled back


def _table_counts(conninfo: str) -> dict[str, int]:
    with psycopg.connect(conninfo) as conn:
        tables = [r[0] for r in conn.execute(
            "select tablename from pg_tables where schemaname = 'public' order by tablename").fetchall()]
        return {t: conn.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}


def _service_keys(conninfo: str) -> list[tuple]:
    with psycopg.connect(conninfo) as conn:
        return conn.execute(
            "select public_id, name, status, age_min, age_max, abuse_intra_familial, supports_parent_carer "
            "from directory_service order by public_id").fetchall()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump/pg_restore are PostgreSQL's tools")
@pytest.mark.django_db(transaction=True)
def test_pg_dump_restores_into_a_fresh_database_with_every_row(directory_data):
    settings = connection.settings_dict
    server = f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} user={settings['USER']}"
    if settings["PASSWORD"]:
        server += f" password={settings['PASSWORD']}"
    source = f"{server} dbname={settings['NAME']}"
    fresh_name = f"{settings['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    fresh = f"{server} dbname={fresh_name}"
    env = {"PGPASSWORD": settings["PASSWORD"] or ""}
    with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as admin:
        admin.execute(f'create database "{fresh_name}"')
    try:
        dump = subprocess.run(["pg_dump", "--format=custom", "--no-owner", source], capture_output=True, check=True,
                              env=env)
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={fresh}"], input=dump.stdout,
                       capture_output=True, check=True, env=env)
        assert _table_counts(fresh) == _table_counts(source)
        assert _service_keys(fresh) == _service_keys(source)
    finally:
        with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as admin:
            admin.execute(f'drop database if exists "{fresh_name}" with (force)')
