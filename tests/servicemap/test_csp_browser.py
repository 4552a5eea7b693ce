"""The Content-Security-Policy in a real browser: pages and folium maps run with no violation."""

from __future__ import annotations

import os

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
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
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
