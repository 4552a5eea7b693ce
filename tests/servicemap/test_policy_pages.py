"""The footer's own pages (servicemap/policy_pages.py): the cookies page, the privacy notice and the
accessibility statement state what the code does, from the settings and code that decide it."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time

import pytest
from django.apps import apps
from django.conf import settings
from django.core.checks import run_checks
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from directory.back_to_search import COOKIE_MAX_AGE as BACK_TO_SEARCH_MAX_AGE
from directory.back_to_search import COOKIE_NAME as BACK_TO_SEARCH_COOKIE
from directory.models import ProblemReport, Service
from gaps.suppression import count_cell
from servicemap.cookie_list import cookies_the_site_sets
from servicemap.durations import DAY, HOUR, duration_text
from servicemap.personal_data_kept import BACKUP_DAYS, STAFF_DATA_MODELS
from servicemap.settings import BASE_DIR
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

POLICY_PAGES = ("policies:cookies", "policies:privacy", "policies:accessibility")


def _text(response) -> str:
    """The page's main content as text, in one line (the summary lists wrap it)."""
    main = response.content.decode().split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", main).replace("&#x27;", "'").replace("&quot;", '"').split())


def _get(name: str, language: str = "en", client: Client | None = None):
    with translation.override(language):
        url = reverse(name)
    response = (client or Client()).get(url)
    assert response.status_code == 200, url
    return response


def _listed_cookies(response) -> set[str]:
    return set(re.findall(r'<h3 class="govuk-heading-m sm-cookie-name"><code>([^<]+)</code></h3>',
                          response.content.decode()))


# --- every page links to them --------------------------------------------------------------------


def _footer_links(html: str) -> list[str]:
    footer = html.split('<footer class="govuk-footer"', 1)[1]
    return re.findall(r'class="govuk-footer__link" href="([^"]+)"', footer)


@pytest.mark.parametrize("language", ["en", "cy"])
def test_every_kind_of_page_links_the_three_pages_in_its_footer_in_its_language(sample_directory, language):
    service = Service.objects.published().first()
    provider = UserFactory(username="provider@example.org", email="provider@example.org")
    MembershipFactory(user=provider, organisation=service.organisation)
    moderator = UserFactory(username="moderator@example.org", email="moderator@example.org", is_superuser=True)
    prefix = "/cy" if language == "cy" else ""
    with translation.override(language):
        wanted = [reverse(name) for name in POLICY_PAGES]
    anonymous, signed_in, moderating = Client(), Client(), Client()
    signed_in.force_login(provider)
    moderating.force_login(moderator)
    pages = [
        (anonymous, "/", 200), (anonymous, "/search/?la=W06000023&age=9", 200), (anonymous, "/search/?age=nine", 400),
        (anonymous, f"/services/{service.public_id}/", 200), (anonymous, "/shortlist/", 200),
        (anonymous, "/gaps/", 200), (anonymous, "/gaps/unmet/", 200), (anonymous, "/accounts/login/", 200),
        (anonymous, "/no-such-page/", 404), (signed_in, "/manage/", 200), (moderating, "/moderation/", 200),
        *((anonymous, reverse(name).removeprefix("/cy"), 200) for name in POLICY_PAGES),
    ]
    for client, path, status in pages:
        response = client.get(prefix + path)
        assert response.status_code == status, path
        links = _footer_links(response.content.decode())
        assert all(url in links for url in wanted), f"{prefix}{path}: {links}"


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_error_pages_rendered_without_the_request_link_them_too(language):
    # 400, 500 and 503 are rendered from errors/plain.html, with no request or database.
    from servicemap.errors import _plain

    with translation.override(language):
        wanted = [reverse(name) for name in POLICY_PAGES]
        for template in ("400.html", "500.html", "503.html"):
            links = _footer_links(_plain(template, 500).content.decode())
            assert all(url in links for url in wanted), (template, links)
    assert wanted[0].startswith("/cy/") == (language == "cy")


@pytest.mark.parametrize("name", POLICY_PAGES)
def test_each_page_is_in_welsh_under_cy_and_answers_head(name):
    english, welsh = _get(name, "en"), _get(name, "cy")
    assert '<html lang="en"' in english.content.decode() and '<html lang="cy"' in welsh.content.decode()
    assert _text(english) != _text(welsh)
    with translation.override("en"):
        url = reverse(name)
    assert Client().head(url).status_code == 200
    assert Client().post(url).status_code == 405


# --- the cookies page ------------------------------------------------------------------------------


def _walk_the_main_journeys(service: Service) -> set[str]:
    """Every cookie name any response sets while a visitor searches, shortlists, switches language,
    reads the gaps pages and the API, reports a problem, and a provider signs in and out."""
    seen: set[str] = set()
    client = Client()

    def visit(method: str, path: str, headers: dict | None = None, **data) -> None:
        response = getattr(client, method)(path, data, headers=headers)
        assert response.status_code < 500, path
        seen.update(response.cookies.keys())

    provider = UserFactory(username="provider@example.org", email="provider@example.org")
    MembershipFactory(user=provider, organisation=service.organisation)
    visit("get", "/")
    visit("get", "/search/", la="W06000023", age="9", abuse_form="intra_familial")
    visit("get", "/search/", la="W06000023", age="9", view="map")
    visit("post", "/shortlist/add/", service=str(service.public_id), next="/search/?la=W06000023")
    visit("get", "/search/", la="W06000023")  # shows the message
    visit("get", "/shortlist/")
    visit("get", f"/services/{service.public_id}/")
    # Opened from the results: it keeps the search for "Back to search" (directory/back_to_search.py).
    visit("get", f"/services/{service.public_id}/", headers={"referer": "http://testserver/search/?la=W06000023"})
    visit("get", f"/cy/services/{service.public_id}/")
    visit("get", f"/services/{service.public_id}/report/")
    visit("post", f"/services/{service.public_id}/report/", reason=ProblemReport.Reason.values[0], comment="")
    for path in ("/gaps/", "/gaps/headlines/", "/gaps/area/W06000023/", "/gaps/unmet/", "/gaps/trends/",
                 "/gaps/data.csv", "/api/gaps/", "/api/oruk/", "/api/oruk/services", "/api/docs/", "/api/schema/"):
        visit("get", path)
    visit("get", "/accounts/login/")
    visit("post", "/accounts/login/", username="provider@example.org", password="wrong-password-here")
    visit("post", "/accounts/login/", username="provider@example.org", password="a-long-test-password")
    visit("get", "/manage/")
    visit("get", "/accounts/password-reset/")
    visit("post", "/accounts/logout/")
    return seen


def test_every_cookie_the_main_journeys_set_is_on_the_cookies_page(sample_directory):
    service = Service.objects.published().filter(coverage_areas__code="W06000023").first()
    seen = _walk_the_main_journeys(service)
    # The walk reached what sets each of them (so a cookie missing from the page would be caught).
    assert {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "messages", BACK_TO_SEARCH_COOKIE} <= seen
    for language in ("en", "cy"):
        listed = _listed_cookies(_get("policies:cookies", language))
        assert seen - listed == set(), f"set by the site but not on the cookies page: {seen - listed}"
        assert listed - seen == set(), f"on the cookies page but never set: {listed - seen}"


def _introduced_uses(response) -> list[str]:
    """The introduction's list of what the site's cookies are for, one line each."""
    intro = response.content.decode().split('<ul class="govuk-list govuk-list--bullet sm-cookie-uses">', 1)[1].split("</ul>", 1)[0]
    return [html.unescape(" ".join(line.split())) for line in re.findall(r"<li>(.*?)</li>", intro, re.S)]


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_cookies_pages_introduction_says_what_every_listed_cookie_is_for(settings, language):
    """The introduction named three uses (shortlist, signing in, forms) while the list below it held a
    fourth and a fifth cookie: the confirmation carried to the next page and the search "Back to
    search" leads to (session 33). It is made from the list now, one line a cookie."""
    response = _get("policies:cookies", language)
    listed = _listed_cookies(response)
    assert {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "messages", BACK_TO_SEARCH_COOKIE} <= listed
    with translation.override(language):
        uses = {cookie.name: cookie.use for cookie in cookies_the_site_sets()}
        back_to_search = gettext("Back to search")
    assert set(uses) == listed
    introduced = _introduced_uses(response)
    assert sorted(introduced) == sorted(uses.values()), introduced
    assert any(back_to_search in line for line in introduced), introduced


def test_a_cookie_the_site_does_not_set_is_not_in_the_introduction_either(settings):
    # With confirmations kept in the session there is no "messages" cookie: not listed, not introduced.
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    response = _get("policies:cookies")
    assert "messages" not in _listed_cookies(response)
    with translation.override("en"):
        confirmation = gettext("to show a confirmation on the next page")
    assert confirmation not in _introduced_uses(response) and len(_introduced_uses(response)) == 3


def test_no_page_sets_a_language_cookie_or_offers_djangos_language_form(client, settings):
    # The address says the language (/cy/ for Welsh) and the switcher is a plain link: a language
    # cookie would be one more to list, for nothing. Django's form that set it is not routed.
    for path in ("/i18n/setlang/", "/cy/i18n/setlang/"):
        response = client.post(path, {"language": "cy", "next": "/"})
        assert response.status_code == 404, path
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    for language in ("en", "cy"):
        assert settings.LANGUAGE_COOKIE_NAME not in _listed_cookies(_get("policies:cookies", language))


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_cookies_lifetimes_are_the_settings(settings, language):
    settings.SESSION_COOKIE_AGE = 3 * HOUR
    settings.CSRF_COOKIE_AGE = 30 * DAY
    with translation.override(language):
        text = _text(_get("policies:cookies", language))
        assert duration_text(3 * HOUR) in text and duration_text(30 * DAY) in text
    assert ("3 hours" in text) == (language == "en")


def test_a_renamed_cookie_is_listed_by_its_new_name(settings):
    settings.SESSION_COOKIE_NAME = "servicemap_session"
    assert "servicemap_session" in _listed_cookies(_get("policies:cookies"))


def test_the_pages_ask_nothing_of_other_sites_unless_map_tiles_are_set(client, settings):
    policy = client.get(reverse("policies:cookies"))["Content-Security-Policy"]
    sources = {source for directive in policy.split(";") for source in directive.split()[1:]}
    assert {s for s in sources if "://" in s or s.startswith("http")} == set(), policy
    assert "tiles.example.org" not in _text(_get("policies:cookies"))
    settings.MAP_TILES_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    assert "tiles.example.org" in _text(_get("policies:cookies"))
    assert "tiles.example.org" in _text(_get("policies:accessibility"))


def test_the_browser_storage_the_cookies_page_names_is_what_the_scripts_use():
    # Every script of ours that keeps something in the browser's storage (keep-typing.js: typed text
    # over a language switch; last-search.js: the last search, for the shortlist's "Back to search").
    scripts = {path.name: path.read_text() for path in (BASE_DIR / "servicemap" / "static" / "js").glob("*.js")}
    keys = {name: re.search(r"const KEY = '([^']+)'", text).group(1)
            for name, text in scripts.items() if "sessionStorage" in text or "localStorage" in text}
    assert set(keys) == {"keep-typing.js", "last-search.js"}
    for language in ("en", "cy"):
        page = _text(_get("policies:cookies", language))
        assert all(key in page for key in keys.values()), language


# --- the privacy notice ----------------------------------------------------------------------------


def test_the_privacy_notice_names_the_periods_the_settings_hold(settings):
    settings.SESSION_COOKIE_AGE = 5 * HOUR
    settings.AXES_COOLOFF_TIME = 3
    settings.AXES_FAILURE_LIMIT = 7
    settings.INVITATION_MAX_AGE_DAYS = 10
    settings.PASSWORD_RESET_TIMEOUT = 2 * HOUR
    settings.PROBLEM_REPORT_RATE = "20/day"  # the longest window of the rate limits: two days kept
    text = _text(_get("policies:privacy"))
    for phrase in ("5 hours", "3 hours", "after 7 wrong passwords", "for 10 days", "for 2 hours", "At most 2 days",
                   f"{duration_text(BACKUP_DAYS * DAY)} on the server"):
        assert phrase in text, phrase


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_privacy_notice_names_the_periods_the_nightly_prune_keeps_staff_data_for(settings, language):
    settings.RETAIN_SIGN_IN_RECORDS_DAYS = 45
    settings.RETAIN_INVITATIONS_DAYS = 3
    settings.RETAIN_RESOLVED_PROBLEM_REPORTS_DAYS = 2 * 365
    settings.RETAIN_REVIEW_REQUEST_ADDRESSES_DAYS = 28
    with translation.override(language):
        periods = [duration_text(days * DAY) for days in (45, 3, 2 * 365, 28)]
        text = _text(_get("policies:privacy", language))
        for period in periods:
            assert period in text, period
    if language == "en":
        assert "For 45 days" in text
        assert "For 3 days after the invitation is accepted or its link expires" in text
        assert "then for 2 years with who dealt with it" in text
        assert "The addresses a reminder went to: for 4 weeks." in text
        assert "automatically" not in text


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_privacy_notice_names_when_unused_accounts_are_warned_closed_and_erased(settings, language):
    settings.CLOSE_UNUSED_ACCOUNTS_DAYS, settings.UNUSED_ACCOUNT_WARNING_DAYS = 2 * 365, 14
    settings.ERASE_CLOSED_ACCOUNTS_DAYS = 60
    with translation.override(language):
        periods = [duration_text(days * DAY) for days in (2 * 365, 14, 60)]
        text = _text(_get("policies:privacy", language))
    for period in periods:
        assert period in text, period
    if language == "en":
        assert ("If you do not sign in for 2 years, we email you 2 weeks before, and then close the account" in text
                and "A moderator can open it again for 60 days; after that your email address and name are deleted"
                in text)
        assert "Nothing deletes accounts automatically" not in text


@pytest.mark.parametrize(("language", "says"), [
    ("en", "The one exception is the last moderator's account: it is never closed for not being used"),
    ("cy", "Yr unig eithriad yw cyfrif y cymedrolwr olaf: ni chaiff byth ei gau"),
])
def test_the_privacy_notice_says_the_last_moderators_account_is_kept_open_and_its_holder_told(
    settings, language, says,
):
    # directory/accounts/dormancy.py never closes the last active moderator: it is told, when the
    # warning would have gone, that it is kept open. The notice said every unused account is closed.
    settings.CLOSE_UNUSED_ACCOUNTS_DAYS, settings.UNUSED_ACCOUNT_WARNING_DAYS = 2 * 365, 21
    with translation.override(language):
        warning = duration_text(21 * DAY)
        text = _text(_get("policies:privacy", language))
    assert says in text
    assert warning in text[text.index(says):]


def test_a_year_is_said_as_one():
    assert [duration_text(days * DAY) for days in (365, 730, 364, 90)] == ["1 year", "2 years", "52 weeks", "90 days"]
    with translation.override("cy"):
        assert duration_text(365 * DAY) == "1 flwyddyn"


def test_the_privacy_notice_names_how_small_counts_are_shown_and_how_long_a_search_page_is_kept():
    from directory.search_cache import CACHE_SECONDS

    text = _text(_get("policies:privacy"))
    assert f"shown as “{count_cell(3).text}”" in text.replace("&lt;", "<")
    assert f"for up to {duration_text(CACHE_SECONDS)}" in text


def test_the_backups_the_notice_names_are_the_ones_the_crontab_keeps():
    crontab = (BASE_DIR / "deploy" / "crontab").read_text()
    assert f"{BACKUP_DAYS} kept" in crontab  # how many: test_the_nightly_backup_keeps_as_many_dumps…
    # "ended sessions are deleted once a week"
    sessions = next(line for line in crontab.splitlines() if "clearsessions" in line and not line.startswith("#"))
    assert sessions.split()[2:5] == ["*", "*", "0"]


def test_the_nightly_backup_keeps_as_many_dumps_as_the_notice_says_and_none_longer(tmp_path):
    """The crontab's own find, run on a night's dumps: one a day for three weeks, the newest just made.
    (find's -mtime +N deletes once a file's age in whole days is over N: +14 kept 15, up to 15 days.)"""
    crontab = (BASE_DIR / "deploy" / "crontab").read_text()
    backup = next(line for line in crontab.splitlines() if "pg_dump" in line and not line.startswith("#"))
    find = backup[backup.index("find "):].replace("/var/backups/servicemap", str(tmp_path))
    now = time.time()
    for age_days in range(21):
        dump = tmp_path / f"servicemap-{age_days}.dump"
        dump.write_bytes(b"")
        made = now - age_days * DAY - 60  # made a minute after the night's run, age_days ago
        os.utime(dump, (made, made))
    subprocess.run(find, shell=True, check=True)
    kept = sorted(int(path.stem.split("-")[1]) for path in tmp_path.glob("*.dump"))
    assert kept == list(range(BACKUP_DAYS))


@pytest.mark.parametrize("language", ["en", "cy"])
def test_until_the_operator_fills_them_in_the_notice_marks_placeholders(settings, language):
    settings.SITE_OPERATOR_NAME = settings.PRIVACY_CONTACT_EMAIL = settings.PRIVACY_DPO_CONTACT = ""
    settings.PRIVACY_LAWFUL_BASIS_CONFIRMED = False
    html = _get("policies:privacy", language).content.decode()
    assert html.count("sm-placeholder") == 3
    assert 'id="lawful-basis-placeholder"' in html


def test_once_filled_in_the_notice_names_the_controller_and_contacts_and_no_placeholder(settings):
    settings.SITE_OPERATOR_NAME = "Cyngor Enghraifft"
    settings.PRIVACY_CONTACT_EMAIL = "privacy@example.org"
    settings.PRIVACY_DPO_CONTACT = "dpo@example.org"
    settings.PRIVACY_LAWFUL_BASIS_CONFIRMED = True
    response = _get("policies:privacy")
    html = response.content.decode()
    assert "Cyngor Enghraifft" in html and 'href="mailto:privacy@example.org"' in html and "dpo@example.org" in html
    assert "sm-placeholder" not in html and "lawful-basis-placeholder" not in html
    assert "Cyngor Enghraifft" in _text(_get("policies:accessibility"))


def _staff_data_fields(model: type[models.Model]) -> list[str]:
    """Fields that point at a staff account or hold an email address, an internet address or a
    sign-in name: what the privacy notice must account for."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = []
    for field in model._meta.get_fields():
        if field.auto_created and not field.concrete:
            continue
        if (getattr(field, "related_model", None) is user_model
                or isinstance(field, models.EmailField | models.GenericIPAddressField)
                or field.name in ("username", "recipients", "user_agent")):
            found.append(field.name)
    return found


def test_every_model_holding_staff_data_is_one_the_privacy_notice_accounts_for():
    # A new model with an email address, a user or an internet address fails here until the notice
    # says what it holds and for how long, and it is added to STAFF_DATA_MODELS.
    holding = {model._meta.label for model in apps.get_models() if _staff_data_fields(model)}
    assert holding - set(STAFF_DATA_MODELS) == set(), "add it to the privacy notice, then to STAFF_DATA_MODELS"
    assert set(STAFF_DATA_MODELS) - holding == set(), "STAFF_DATA_MODELS names a model that holds none"


# --- the accessibility statement and the deploy check ----------------------------------------------


def test_the_accessibility_contact_is_the_setting(settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "help@example.org"
    for language in ("en", "cy"):
        assert _get("policies:accessibility", language).content.decode().count('href="mailto:help@example.org"') == 2


def _setting_in_a_fresh_process(name: str, env: dict[str, str]) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "servicemap.settings", **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_accessibility_contact_defaults_to_a_mailbox_at_the_sites_own_host():
    public = {"ALLOWED_HOSTS": "directory.example.org", "SITE_URL": "https://directory.example.org",
              "SECRET_KEY": "k3y-for-this-test-only-0123456789-abcdefghijklmnopqrstuvwxyz"}
    assert _setting_in_a_fresh_process("ACCESSIBILITY_CONTACT_EMAIL", public) == "accessibility@directory.example.org"
    assert _setting_in_a_fresh_process("ACCESSIBILITY_CONTACT_EMAIL", {}) == "accessibility@servicemap.localhost"


def test_the_accessibility_statement_gives_its_dates_and_the_enforcement_body():
    from servicemap.policy_pages import ACCESSIBILITY_STATEMENT_PREPARED

    text = _text(_get("policies:accessibility"))
    assert f"prepared on {ACCESSIBILITY_STATEMENT_PREPARED.day} December {ACCESSIBILITY_STATEMENT_PREPARED.year}" in text
    for heading in ("How accessible this website is", "Reporting accessibility problems", "Enforcement procedure",
                    "Technical information", "Compliance status", "Non-accessible content",
                    "Preparation of this accessibility statement", "Equality and Human Rights Commission"):
        assert heading in text


def test_check_deploy_warns_until_the_operator_fills_the_pages_in(settings):
    settings.SITE_OPERATOR_NAME = settings.PRIVACY_CONTACT_EMAIL = ""
    settings.PRIVACY_DPO_CONTACT = "dpo@example.org"
    settings.PRIVACY_LAWFUL_BASIS_CONFIRMED = False
    found = [m for m in run_checks(include_deployment_checks=True) if m.id.startswith("servicemap.")]
    assert sorted(m.id for m in found) == ["servicemap.W001", "servicemap.W001", "servicemap.W002"]
    assert any("SITE_OPERATOR_NAME" in m.msg for m in found)
    settings.SITE_OPERATOR_NAME = settings.PRIVACY_CONTACT_EMAIL = "x@example.org"
    settings.PRIVACY_LAWFUL_BASIS_CONFIRMED = True
    assert [m for m in run_checks(include_deployment_checks=True) if m.id.startswith("servicemap.")] == []


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_accessibility_statement_names_the_maps_skip_links_as_the_maps_label_them(language):
    # The maps' exemption rests on their information being reachable another way: the statement says
    # how, by the links' own words (directory/maps.py, the gaps map's template), in the page's language.
    text = _text(_get("policies:accessibility", language)).replace("&#39;", "'")
    with translation.override(language):
        links = [translation.gettext("Skip to the places on the map"), translation.gettext("Skip to the table")]
    assert all(f"“{link}”" in text for link in links), links


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_privacy_notice_says_back_to_search_reads_the_referer_and_a_cookie_and_keeps_nothing(language):
    # The service page and the shortlist build "Back to search" from the Referer header, and hand it on
    # in a cookie (directory/back_to_search.py): the notice says what is read about a search, what the
    # browser holds and for how long, and that the site keeps nothing.
    text = _text(_get("policies:privacy", language))
    with translation.override(language):
        link = translation.gettext("Back to search")
        period = duration_text(BACK_TO_SEARCH_MAX_AGE)
        sentence = translation.gettext(
            "The “Back to search” link on a service's page and on the shortlist is made from the address of the "
            "search results your browser came from, which the browser sends with the page it asks for. So that the "
            "link still leads there after you add a service to your shortlist or open one from it, that page also "
            "gives the address (with a postcode's first part at most) back to your browser in a cookie, which the "
            "next pages read: it goes when you close your browser and is not used after %(period)s. The site does "
            "not store or record it."
        ) % {"period": period}
    assert f"“{link}”" in sentence and period in sentence
    assert sentence in text
