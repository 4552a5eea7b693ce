"""The Content-Security-Policy in a real browser: pages and folium maps run with no violation."""

from __future__ import annotations

import os
import re

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the live server's database access is still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        yield page
        browser.close()


def _watch(page) -> list[str]:
    """Collect console errors and CSP violation reports (the page records them as they happen)."""
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    # Failed loads by URL instead (the admin's pages ask for /favicon.ico, which is not ours to serve).
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return problems


@pytest.mark.browser
@pytest.mark.urls("tests.servicemap.csp_pages.urls")
def test_a_folium_map_runs_under_the_policy(live_server, page):
    problems = _watch(page)
    response = page.goto(f"{live_server.url}/csp-test-map/")
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    page.wait_for_selector("path.leaflet-interactive")  # the GeoJSON was drawn: folium's script ran
    page.hover("path.leaflet-interactive")
    page.wait_for_selector(".leaflet-tooltip")  # the tooltip table (with its style attributes) rendered
    page.click(".leaflet-marker-icon:not(.leaflet-div-icon)")
    page.wait_for_selector(".leaflet-popup-content")
    assert page.locator(".sm-map-label").inner_text() == "No provision"
    assert page.evaluate("document.body.classList.contains('js-enabled')")  # base.html's inline script ran
    page.screenshot(path=os.environ.get("CSP_SCREENSHOT", "/tmp/csp-map.png"), full_page=True)
    assert problems == []


@pytest.mark.browser
@pytest.mark.urls("tests.servicemap.csp_pages.urls")
def test_a_script_without_the_nonce_is_blocked(live_server, page):
    # The policy is not a formality: an injected inline script is refused.
    problems = _watch(page)
    page.goto(f"{live_server.url}/csp-test-map/")
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.injected = true'; document.body.appendChild(s); }""")
    assert page.evaluate("window.injected === undefined")
    assert any("CSP violation: script-src" in p for p in problems)


@pytest.fixture
def sample_directory(transactional_db):
    from directory.models import PostcodeDistrict
    from tests.conftest import load_sample_data
    from tests.database_snapshot import loaded

    loaded("sample directory", load_sample_data)  # a copy when this process has loaded it before
    PostcodeDistrict.objects.create(prefix="CF10 1", latitude=51.4797, longitude=-3.1781, lad_code="W06000015")
    from django.contrib.auth import get_user_model

    from directory.models import Service

    get_user_model().objects.create_superuser("csp-admin", "a@example.org", "a-long-password-1")
    return Service.objects.filter(coverage_areas__code="W06000015", status="active").order_by("name").first()


# Every page with a map or an inline script, and the admin. Data fixtures come before `page`:
# Django refuses database calls while Playwright's event loop runs.
@pytest.mark.browser
def test_the_apps_pages_and_maps_run_with_no_policy_violation(live_server, sample_directory, page):
    problems = _watch(page)
    pages = {
        "/search/?postcode=CF10+1&age=9&abuse_forms=intra_familial&view=map": ".leaflet-container path",
        f"/services/{sample_directory.public_id}/": ".leaflet-container path",
        "/gaps/": ".leaflet-container path",
        "/shortlist/": "main",
        f"/services/{sample_directory.public_id}/report/": "form",
        "/api/docs/": ".opblock",  # Swagger UI (drf-spectacular, our template with nonces)
        "/accounts/login/": "form",
        "/admin/login/": "#id_username",  # the site's own sign-in page (servicemap/admin_sign_in.py)
    }
    for path, ready in pages.items():
        page.goto(f"{live_server.url}{path}")
        # Attached is enough: Leaflet only draws paths once folium's (nonced) script has run; some
        # paths (areas outside the view) are empty and never "visible".
        page.wait_for_selector(ready, state="attached")
        assert problems == [], f"{path}: {problems}"
    page.fill("#id_username", "csp-admin")
    page.fill("#id_password", "a-long-password-1")
    page.click("main form [type=submit]")
    service_id = sample_directory.pk
    for path in ["/moderation/", "/manage/", f"/admin/directory/service/{service_id}/change/", f"/admin/directory/service/{service_id}/history/",
                 "/admin/directory/service/?q=Cardiff"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector("#content, main")
        assert problems == [], f"{path}: {problems}"
    page.screenshot(path=os.environ.get("CSP_SCREENSHOT_ADMIN", "/tmp/csp-admin.png"))


def _scale_lines(page) -> list[str]:
    from playwright.sync_api import expect

    expect(page.locator(".leaflet-control-scale-line")).to_have_count(2)
    return page.locator(".leaflet-control-scale-line").all_inner_texts()


def _zoom_in_to_metres(page) -> None:
    """Press the map's + until its scale is in metres (a street's width), as a person would."""
    metric = page.locator(".leaflet-control-scale-line").first
    for _press in range(12):
        if re.fullmatch(r"\d+ m", metric.inner_text()):
            return
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(300)  # the zoom's animation; the scale is written at its end


@pytest.mark.browser
def test_the_maps_scale_bar_is_in_welsh_on_welsh_pages(live_server, sample_directory, page):
    """Leaflet's scale said "mi" and "ft" on Welsh pages; its units are the page's language's, set by
    the map's own nonced script (the policy is not loosened for it)."""
    problems = _watch(page)
    for path in ("/cy/search/?postcode=CF10+1EP&age=9&abuse_forms=intra_familial&view=map",
                 f"/cy/services/{sample_directory.public_id}/", "/cy/gaps/"):
        page.goto(f"{live_server.url}{path}")
        metric, imperial = _scale_lines(page)
        assert re.fullmatch(r"\d+ km", metric), (path, metric)
        assert re.fullmatch(r"\d+ milltir", imperial), (path, imperial)
    page.goto(f"{live_server.url}/cy/services/{sample_directory.public_id}/")
    _zoom_in_to_metres(page)
    from playwright.sync_api import expect

    lines = page.locator(".leaflet-control-scale-line")
    expect(lines.first).to_have_text(re.compile(r"^\d+ m$"))
    expect(lines.last).to_have_text(re.compile(r"^\d+ troedfedd$"))
    page.goto(f"{live_server.url}/services/{sample_directory.public_id}/")
    assert re.fullmatch(r"\d+ mi", _scale_lines(page)[1])  # English pages as Leaflet writes them
    assert problems == []


@pytest.mark.browser
def test_the_maps_controls_are_named_in_the_pages_language(live_server, sample_directory, page):
    """Leaflet's + and − said "Zoom in" and "Zoom out" to a screen reader on Welsh pages too (and in
    their tooltips), and its corner link "A JavaScript library for interactive maps"; the map's own
    nonced script renames them."""
    from playwright.sync_api import expect

    problems = _watch(page)
    languages = (
        ("/cy", "Chwyddo i mewn", "Chwyddo allan", "Llyfrgell JavaScript ar gyfer mapiau rhyngweithiol"),
        ("", "Zoom in", "Zoom out", "A JavaScript library for interactive maps"),
    )
    for prefix, zoom_in, zoom_out, leaflet in languages:
        for path in ("/search/?postcode=CF10+1&view=map", f"/services/{sample_directory.public_id}/", "/gaps/"):
            page.goto(f"{live_server.url}{prefix}{path}")
            expect(page.get_by_role("button", name=zoom_in, exact=True)).to_have_attribute("title", zoom_in)
            expect(page.get_by_role("button", name=zoom_out, exact=True)).to_have_attribute("title", zoom_out)
            expect(page.locator('.leaflet-control-attribution a[href="https://leafletjs.com"]')).to_have_attribute(
                "title", leaflet)
    assert problems == []


@pytest.mark.browser
@pytest.mark.urls("tests.servicemap.csp_pages.urls")
def test_a_page_cannot_have_the_location_even_where_the_browser_would_give_it(live_server):
    # Permissions-Policy (servicemap/permissions_policy.py): a browser that has been told to give this
    # site the location, with one to give, still refuses it to the page and to anything in it.
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(permissions=["geolocation"], geolocation={"latitude": 51.48, "longitude": -3.18})
        page = context.new_page()
        problems = _watch(page)  # Chromium reports a feature it does not know in the header as an error
        page.goto(f"{live_server.url}/csp-test-map/")
        page.wait_for_selector("path.leaflet-interactive")
        assert page.evaluate("document.featurePolicy.allowsFeature('geolocation')") is False
        answer = page.evaluate("""() => new Promise(done => navigator.geolocation.getCurrentPosition(
                                      () => done('given'), error => done(error.code), {timeout: 5000}))""")
        browser.close()
    assert answer == 1  # GeolocationPositionError.PERMISSION_DENIED
    # Chromium says why on the console; and nothing else (a feature it did not know would be there too).
    assert [p for p in problems if not p.startswith("Permissions policy violation: Geolocation")] == []
    assert len(problems) == 1
