"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

Kept lean for a 2-core machine: one browser per module, the reference data and the sample
directory committed once per module (not a flushed database per test; loaded once per process and
restored from a copy after that, tests/database_snapshot.py), pages reused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

from servicemap.settings import BASE_DIR

# Playwright's sync API runs an event loop in this thread, which makes Django refuse ORM calls
# ("cannot call this from an async context") although nothing here is async.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run",
]
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
ARTIFACTS = BASE_DIR / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


def _load_postcodes(prefixes: tuple[str, ...]) -> None:
    # The whole postcode file takes ~8 s to load; the journeys need only a few postcodes.
    from directory.models import Postcode, PostcodeDistrict
    from directory.reference_data import _rows

    Postcode.objects.bulk_create(
        Postcode(postcode=r["postcode"], latitude=float(r["latitude"]), longitude=float(r["longitude"]),
                 lad_code=r["lad_code"])
        for r in _rows("wales_postcodes.csv.gz") if r["postcode"].startswith(prefixes)
    )
    PostcodeDistrict.objects.bulk_create(
        PostcodeDistrict(prefix=r[key], latitude=float(r["latitude"]), longitude=float(r["longitude"]),
                         lad_code=r["lad_code"], lad_share=float(r["lad_share"] or 1))
        for name, key in (("gb_postcode_sectors.csv.gz", "sector"), ("gb_postcode_districts.csv.gz", "district"))
        for r in _rows(name) if r[key].startswith(prefixes)
    )


@pytest.fixture(scope="module")
def directory_data(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The real areas, some Powys postcodes and the fictional sample directory, for one module:
    loaded by the first module of this process, a copy restored for each later one."""
    from tests.conftest import load_sample_data
    from tests.database_snapshot import loaded

    def load() -> None:
        loaded("sample directory", load_sample_data)
        _load_postcodes(("LD1",))

    with django_db_blocker.unblock():
        loaded("sample directory, LD1 postcodes", load)
        yield
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def new_page(browser, viewport: dict, **options):
    """A page in a fresh context. CSP is bypassed only so axe-core can be injected into it."""
    context = browser.new_context(viewport=viewport, bypass_csp=True, **options)
    return context.new_page()


def sign_in(page, live_server, user) -> None:
    """Give the page's browser a signed-in session (the sign-in form itself is tested elsewhere)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as loaded, each with its impact and first few nodes."""
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
        }))"""
    )


def save_artifact(name: str, data: object) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
