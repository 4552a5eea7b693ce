"""Production hardening: `check --deploy`, DEBUG guard, security headers, CSP nonces, static files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils.safestring import mark_safe

from servicemap.settings import BASE_DIR, is_local_host, tile_origin
from servicemap.templatetags.security import add_nonce
from tests.conftest import REDIS_URL

# What docs/deploy.md tells an operator to set (one app server behind a TLS-terminating proxy).
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-for-the-deploy-check-only-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DJANGO_REQUIRE_SECRET_KEY": "1",
    "ALLOWED_HOSTS": "servicemap.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://servicemap.example.org",
    "SITE_URL": "https://servicemap.example.org",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    "STATIC_MANIFEST": "true",
    "REDIS_URL": REDIS_URL,  # check --deploy connects to it (servicemap.E002)
    "SITE_OPERATOR_NAME": "Example Regional Safeguarding Board",
    "PRIVACY_CONTACT_EMAIL": "privacy@servicemap.example.org",
    "PRIVACY_DPO_CONTACT": "dpo@example.org",
    "PRIVACY_LAWFUL_BASIS_CONFIRMED": "true",
}


def _manage(args: list[str], env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process with only `env` on top of a clean environment."""
    return _python([str(BASE_DIR / "manage.py"), *args], env, tmp_path)


def _python(args: list[str], env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    """Python in a fresh process with only `env` on top of a clean environment (and a SQLite file)."""
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH"}}
    base["DATABASE_URL"] = f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}"
    return subprocess.run([sys.executable, *args], env={**base, **env}, cwd=BASE_DIR, capture_output=True, text=True,
                          timeout=120)


def test_check_deploy_is_clean_with_the_production_environment(tmp_path):
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_the_production_environment(tmp_path):
    # The same check must catch a deployment that forgot the settings (and the dev SECRET_KEY).
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], {"DEBUG": "false"}, tmp_path)
    assert result.returncode != 0
    for code in ["W004", "W008", "W009", "W012", "W016"]:
        assert f"security.{code}" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("env", "code", "said"),
    [({"DATABASE_URL": "postgres://servicemap:s3cret@127.0.0.1:1/servicemap"}, "servicemap.E001", "port 1 failed"),
     ({"REDIS_URL": "redis://:s3cret@127.0.0.1:1/0"}, "servicemap.E002", "127.0.0.1:1"),
     ({"REDIS_URL": REDIS_URL.rsplit("/", 1)[0] + "/999"}, "servicemap.E002", "DB index is out of range")],
)
def test_check_deploy_fails_while_the_database_or_redis_does_not_answer(env, code, said, tmp_path):
    # Found by the guide's last step before gunicorn starts, not as a 503 or 500 on every page.
    result = _manage(["check", "--deploy"], {**PRODUCTION_ENV, **env}, tmp_path)
    assert result.returncode != 0
    assert code in result.stderr and said in result.stderr, result.stderr
    assert "s3cret" not in result.stderr + result.stdout


def test_debug_cannot_be_on_with_a_public_host(tmp_path):
    result = _manage(["check"], {"DEBUG": "true", "ALLOWED_HOSTS": "localhost,servicemap.example.org"}, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "servicemap.example.org" in result.stderr


def test_debug_can_be_on_with_local_hosts(tmp_path):
    result = _manage(["check"], {"DEBUG": "true", "ALLOWED_HOSTS": "localhost,127.0.0.1,app.localhost"}, tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_malformed_proxy_header_setting_is_refused(tmp_path):
    result = _manage(["check"], {"SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"}, tmp_path)
    assert result.returncode != 0 and "SECURE_PROXY_SSL_HEADER" in result.stderr


@pytest.mark.parametrize(
    ("host", "local"),
    [("localhost", True), ("127.0.0.1", True), ("[::1]", True), ("testserver", True), ("a.localhost", True),
     ("*", False), (".example.org", False), ("servicemap.example.org", False), ("localhost.example.org", False)],
)
def test_only_loopback_names_count_as_local(host, local):
    assert is_local_host(host) is local


def test_tile_origin_allows_the_tile_host_and_its_subdomains():
    assert tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    assert tile_origin("https://tiles.example.org/wales/{z}/{x}/{y}.png") == "https://tiles.example.org"


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in re.search(r"script-src[^;]*", csp)[0]


@pytest.mark.django_db
def test_the_inline_script_of_every_page_carries_the_nonce_in_the_header(client):
    response = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode())
    assert scripts, "base.html has an inline script"
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)


@pytest.mark.django_db
def test_each_response_gets_a_fresh_nonce(client):
    first = re.search(r"'nonce-([^']+)'", client.get("/")["Content-Security-Policy"])[1]
    second = re.search(r"'nonce-([^']+)'", client.get("/")["Content-Security-Policy"])[1]
    assert first != second


def test_add_nonce_marks_every_inline_script_and_style_once():
    html = '<div></div><script>a()</script><STYLE>.x{}</STYLE><script nonce="old">b()</script>'
    out = add_nonce(html, "N")
    assert out == '<div></div><script nonce="N">a()</script><STYLE nonce="N">.x{}</STYLE><script nonce="old">b()</script>'


def test_the_nonce_filter_never_blesses_unsafe_text():
    request = RequestFactory().get("/")
    request.csp_nonce = "N"
    template = Template("{% load security %}{{ html|csp_nonce:request }}")
    built = template.render(Context({"html": mark_safe("<script>map()</script>"), "request": request}))
    typed = template.render(Context({"html": "<script>alert(1)</script>", "request": request}))
    assert built == '<script nonce="N">map()</script>'
    assert typed == "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.mark.django_db
def test_whitenoise_serves_static_files(client):
    response = client.get("/static/css/servicemap.css")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/static/favicon.svg",
                                  "/static/drf_spectacular_sidecar/swagger-ui-dist/oauth2-redirect.html",
                                  "/static/css/servicemap.css"])
def test_static_files_opened_on_their_own_run_nothing_and_cannot_be_framed(client, path):
    # whitenoise answers before the CSP and framing middleware: an SVG or HTML file opened on its own
    # is a document of this site like any page.
    response = client.get(path)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "sandbox" in csp
    assert "script-src" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_every_inline_script_in_a_template_carries_the_nonce():
    # An inline <script> without the nonce is blocked by the policy: catch it here, not in a browser.
    missing = []
    for template in (BASE_DIR / "templates").rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", template.read_text()):
            if "src=" not in tag and 'nonce="{{ request.csp_nonce }}"' not in tag:
                missing.append(f"{template.relative_to(BASE_DIR)}: {tag}")
    assert missing == []


def test_every_map_embedded_in_a_template_gets_the_nonce():
    unfiltered = [
        f"{t.relative_to(BASE_DIR)}: {m}"
        for t in (BASE_DIR / "templates").rglob("*.html")
        for m in re.findall(r"{{\s*\w*map_html[^}]*}}", t.read_text())
        if "csp_nonce:request" not in m
    ]
    assert unfiltered == []


def test_collectstatic_for_production_succeeds_and_hashes_the_files(tmp_path):
    # It failed on the vendored files' references to source maps and the GOV.UK crest we do not ship.
    env = {"STATIC_MANIFEST": "true", "STATIC_ROOT": str(tmp_path / "static")}
    result = _manage(["collectstatic", "--noinput", "-v0"], env, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    assert re.fullmatch(r"vendor/leaflet/leaflet\.[0-9a-f]{12}\.js", manifest["vendor/leaflet/leaflet.js"])
    assert (tmp_path / "static" / (manifest["css/servicemap.css"] + ".gz")).exists()
    # The page's module script imports GOV.UK Frontend by its hashed name: under its plain name the
    # browser fetched a second, uncacheable copy on every page, as a second module instance.
    init_js = (tmp_path / "static" / manifest["js/init.js"]).read_text()
    assert manifest["vendor/govuk/govuk-frontend.min.js"].rsplit("/", 1)[1] in init_js


def _load_the_wsgi_app(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    return _python(["-c", "import servicemap.wsgi"], env, tmp_path)


def test_the_app_refuses_to_start_where_its_collected_static_files_are_not(tmp_path):
    # STATIC_ROOT as .env.example shows it, in an image whose files are elsewhere: every page would
    # be served without its styles, scripts and maps.
    env = {**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path / "not-collected")}

    result = _load_the_wsgi_app(env, tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "collectstatic" in result.stderr
    assert str(tmp_path / "not-collected" / "staticfiles.json") in result.stderr


def test_the_app_starts_once_collectstatic_has_written_its_static_root(tmp_path):
    env = {**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path / "static")}
    assert _manage(["collectstatic", "--noinput", "-v0"], env, tmp_path).returncode == 0

    result = _load_the_wsgi_app(env, tmp_path)

    assert result.returncode == 0, result.stderr[-2000:]
    assert _load_the_wsgi_app({}, tmp_path).returncode == 0  # development: files from the finders, none collected


@pytest.mark.parametrize("secret_key", [None, "change-me", "x" * 60,
                                        "django-insecure-0123456789abcdefghijklmnopqrstuvwxyz0123456789"])
def test_a_site_others_can_reach_refuses_to_start_on_a_weak_secret_key(secret_key, tmp_path):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "DJANGO_REQUIRE_SECRET_KEY"}
    env.pop("SECRET_KEY")
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key  # unset: the development key

    result = _manage(["check"], env, tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY must be a long random value" in result.stderr
    if secret_key:
        assert secret_key not in result.stderr  # never printed


def test_a_missing_secret_key_is_refused_where_it_is_required_and_says_how_to_make_one(tmp_path):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SECRET_KEY"}
    result = _manage(["check"], env, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr and "secrets.token_urlsafe(64)" in result.stderr


@pytest.mark.parametrize(("required", "refused"), [("1", True), ("true", True), ("0", False), ("false", False)])
def test_requiring_a_secret_key_is_a_switch_like_every_other(required, refused, tmp_path):
    # Before, any value at all (even "false") required it.
    env = {"DEBUG": "false", "ALLOWED_HOSTS": "localhost", "DJANGO_REQUIRE_SECRET_KEY": required}
    result = _manage(["check"], env, tmp_path)
    assert (result.returncode != 0) is refused, result.stderr
    assert ("SECRET_KEY must be set" in result.stderr) is refused


def test_a_mistyped_secret_key_switch_is_refused(tmp_path):
    result = _manage(["check"], {"DJANGO_REQUIRE_SECRET_KEY": "ture", "SECRET_KEY": "x" * 60}, tmp_path)
    assert result.returncode != 0 and "DJANGO_REQUIRE_SECRET_KEY must be true or false" in result.stderr


def test_a_weak_secret_key_is_still_fine_on_this_machine(tmp_path):
    result = _manage(["check"], {"DEBUG": "false", "SECRET_KEY": "change-me", "ALLOWED_HOSTS": "localhost"}, tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("site_url", [None, "http://127.0.0.1:8000", "https://servicemap.example.com"])
def test_a_site_others_can_reach_refuses_to_start_with_email_links_that_do_not_reach_it(site_url, tmp_path):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SITE_URL"}
    if site_url is not None:
        env["SITE_URL"] = site_url  # unset: the development default, 127.0.0.1

    result = _manage(["check"], env, tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SITE_URL must be the site's public address" in result.stderr


def test_email_links_may_go_to_any_name_the_site_answers_to(tmp_path):
    env = {**PRODUCTION_ENV, "ALLOWED_HOSTS": ".example.org", "SITE_URL": "https://www.example.org/"}
    result = _manage(["check"], env, tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/cy/search/", "/accounts/login/", "/api/oruk/services", "/gaps/data.csv",
                                  "/no-such-page/", "/static/favicon.svg"])
def test_every_response_turns_off_the_browser_features_no_page_uses(client, path):
    # Pages, the API, downloads, error pages and static files (whitenoise answers those itself).
    response = client.get(path)
    policy = response["Permissions-Policy"]
    for feature in ("geolocation", "camera", "microphone", "payment"):
        assert f"{feature}=()" in policy.split(", ")
