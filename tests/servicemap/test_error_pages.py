"""The site's error pages (servicemap/errors.py): in the site's style and language with a way on,
JSON under /api/, and 503 with Retry-After when the database cannot answer."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection
from django.test import Client

from servicemap.settings import BASE_DIR
from tests.factories import MembershipFactory, ServiceFactory, UserFactory
from tests.network import free_port, silent_server


@pytest.fixture
def client() -> Client:
    # As a visitor's browser sees an error: the response, not the exception re-raised in the test.
    return Client(raise_request_exception=False)


@pytest.fixture
def database_refuses(db):
    """Every query fails as it does when PostgreSQL shuts down or the connection drops
    (Django's own hook around each query)."""

    def refuse(execute, sql, params, many, context):
        raise OperationalError("terminating connection due to administrator command")

    with connection.execute_wrapper(refuse):
        yield


@pytest.mark.django_db
def test_an_unknown_address_gets_the_sites_page_not_found_with_a_way_on(client):
    response = client.get("/no-such-page/")

    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1 class=\"govuk-heading-xl\">Page not found</h1>" in page
    assert 'href="/search/"' in page and "sm-header" in page  # the site's header and a way on
    assert "The requested resource was not found on this server" not in page


@pytest.mark.django_db
def test_a_removed_services_address_says_it_may_have_been_taken_out(client):
    service = ServiceFactory()
    address = f"/services/{service.public_id}/"
    assert client.get(address).status_code == 200
    service.delete()

    response = client.get(address)

    assert response.status_code == 404
    assert "the service may have closed or been taken out of the directory" in response.content.decode()


@pytest.mark.django_db
def test_the_page_not_found_is_in_welsh_on_welsh_addresses(client):
    response = client.get(f"/cy/services/{uuid.uuid4()}/")

    page = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="cy"' in page and "Heb ddod o hyd i'r dudalen</h1>" in page


def test_an_unknown_api_address_answers_json(client):
    response = client.get("/api/gaps/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"status": 404, "detail": "Nothing is published at this address."}


@pytest.mark.django_db
def test_a_database_outage_answers_503_saying_to_try_again(client, database_refuses):
    response = client.get("/search/?la=W06000015&age=9")

    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Sorry, the service is unavailable" in page and "Try again in a few minutes" in page
    assert "servicemap.css" in page  # styled, though nothing on it could be read from the database


@pytest.mark.django_db
def test_a_database_outage_on_the_api_answers_json_503(client, database_refuses):
    response = client.get("/api/oruk/services")

    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json()["detail"].startswith("The service is unavailable for a moment")


@pytest.mark.django_db
def test_any_other_server_error_gets_the_sites_problem_page(client, monkeypatch, wales_areas):
    from directory import selectors

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "service_search", broken)

    response = client.get("/search/?la=W06000015&age=9")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Sorry, there is a problem with the service" in page and "a bug" not in page


@pytest.mark.django_db
def test_a_form_sent_without_its_csrf_token_says_what_to_do(db):
    service = ServiceFactory()
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/shortlist/add/", {"service": str(service.public_id)})

    assert response.status_code == 403
    page = response.content.decode()
    assert "We could not send that form" in page and "reload the page" in page


def test_a_request_for_another_host_gets_the_sites_bad_request_page(client):
    response = client.get("/", HTTP_HOST="not-this-site.example")

    assert response.status_code == 400
    assert "There is a problem with the address" in response.content.decode()



@pytest.mark.django_db
@pytest.mark.parametrize(("prefix", "heading", "search"), [
    ("", "There is no page at this address", "/search/"),
    ("/cy", "Nid oes tudalen yn y cyfeiriad hwn", "/cy/search/"),
])
def test_a_buttons_address_opened_in_the_address_bar_gets_the_sites_page_not_a_blank_one(
        client, prefix, heading, search):
    # The "Add to shortlist" button's address, reloaded or opened from the address bar or history:
    # Django's 405 was an empty page, white, with no header, no language and no way on.
    response = client.get(f"{prefix}/shortlist/add/")

    page = response.content.decode()
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert f'<html lang="{prefix[1:] or "en"}"' in page and "sm-header" in page
    assert f'<h1 class="govuk-heading-xl">{heading}</h1>' in page and f'href="{search}"' in page


@pytest.mark.django_db
def test_a_signed_in_providers_button_address_opened_again_says_nothing_was_changed(client):
    service = ServiceFactory()
    provider = UserFactory(username="own@example.org", email="own@example.org")
    MembershipFactory(user=provider, organisation=service.organisation)
    client.force_login(provider)

    response = client.get(f"/manage/services/{service.public_id}/confirm/")

    assert response.status_code == 405
    assert "Nothing has been changed." in response.content.decode()
    service.refresh_from_db()
    assert service.confirmed_by is None


def test_a_method_a_page_does_not_take_gets_the_sites_page(client, db):
    response = client.delete("/cy/privacy/")

    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
    assert "Mae'r dudalen hon ar gyfer ei darllen yn unig" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "heading", "search"), [
    ("/search/?la=W06000015&age=9", "This page is for reading only", "/search/"),
    ("/cy/search/?la=W06000015&age=9", "Mae'r dudalen hon ar gyfer ei darllen yn unig", "/cy/search/"),
    ("/privacy/", "This page is for reading only", "/search/"),
    ("/api/docs/", "This page is for reading only", "/search/"),  # DRF's HTML renderer renders it
])
def test_a_form_sent_to_a_page_for_reading_says_so_not_that_the_address_is_a_buttons(client, path, heading, search):
    # It said "This address belongs to a button or a form on another page", untrue of a page to read.
    response = client.post(path, {"any": "thing"})

    page = response.content.decode()
    assert response.status_code == 405 and "POST" not in response["Allow"]
    assert f'<h1 class="govuk-heading-xl">{heading}</h1>' in page
    assert "button or a form" not in page and "There is no page at this address" not in page
    # A way on: the page itself (its query kept), and the search.
    assert f'href="{path.replace("&", "&amp;")}"' in page and f'href="{search}"' in page


@pytest.mark.django_db
def test_a_buttons_address_opened_does_not_offer_to_open_it(client):
    page = client.get("/shortlist/add/").content.decode()

    assert 'href="/shortlist/add/"' not in page and "for reading only" not in page


def _app_in_its_own_process(database_url: str, **environment: str) -> tuple[list[str], float]:
    """The whole app in a process of its own on this database: each path and its status, and the
    seconds the requests took."""
    script = (
        "import time, django; django.setup()\n"
        "from django.test import Client\n"
        "client = Client(raise_request_exception=False)\n"
        "start = time.monotonic()\n"
        "for path in ('/', '/search/?la=W06000015', '/api/oruk/services'):\n"
        "    print(path, client.get(path).status_code)\n"
        "print(time.monotonic() - start)\n"
    )
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "false", "ALLOWED_HOSTS": "testserver",
           "DJANGO_SETTINGS_MODULE": "servicemap.settings", "LOG_LEVEL": "CRITICAL", **environment}
    env.pop("REDIS_URL", None)
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=BASE_DIR, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    *answers, seconds = result.stdout.split()
    return answers, float(seconds)


def test_with_the_database_refusing_connections_the_real_app_answers_503():
    answers, _seconds = _app_in_its_own_process(f"postgres://postgres@127.0.0.1:{free_port()}/servicemap")

    assert answers == ["/", "503", "/search/?la=W06000015", "503", "/api/oruk/services", "503"]


def test_with_the_database_not_answering_the_app_gives_up_after_its_connect_timeout():
    # A server that takes connections and never answers, as a host dropping packets behaves to libpq.
    with silent_server() as port:
        answers, seconds = _app_in_its_own_process(f"postgres://postgres@127.0.0.1:{port}/servicemap",
                                                   DB_CONNECT_TIMEOUT="2")

    assert answers == ["/", "503", "/search/?la=W06000015", "503", "/api/oruk/services", "503"]
    assert seconds < 30, "a request outlived gunicorn's worker timeout"


@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_a_form_too_large_to_read_gets_a_page_saying_so_not_the_generic_one(client, prefix, settings, db):
    # Past DATA_UPLOAD_MAX_MEMORY_SIZE the whole form was answered with "There is a problem with the address".
    service = ServiceFactory()
    response = client.post(
        f"{prefix}/services/{service.public_id}/report/",
        {"reason": "other", "comment": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "There is a problem with the address" not in page
    assert ("What you sent is too long" if not prefix else "Mae'r hyn a anfonoch yn rhy hir") in page
    assert not service.problem_reports.exists()


def test_an_api_request_too_large_to_read_gets_json(rf):
    from django.core.exceptions import RequestDataTooBig

    from servicemap.errors import bad_request

    response = bad_request(rf.post("/api/oruk/services"), RequestDataTooBig("too big"))
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"


# Every kind of address an error page can be at: a page in English and in Welsh, the admin, the API
# (its docs page is HTML; the rest answers JSON), static files and uploads (neither named by a URL pattern).
# (A missing static file: whitenoise answers for the others before Django does.)
ADDRESSES = ["/privacy/", "/cy/privacy/", "/admin/logout/", "/cy/admin/logout/", "/api/docs/", "/api/oruk/services",
             "/static/css/no-such.css", "/media/upload.png", "/cy/api/docs/", "/cy/static/css/no-such.css"]


def _bad_request(client, path):
    return client.get(path, HTTP_HOST="not-this-site.example")


def _not_found(client, path):
    return client.get(f"{path.rstrip('/')}/no-such-thing/")


def _not_allowed(client, path):
    return client.delete(path)


def _csrf_failure(client, path):
    return Client(enforce_csrf_checks=True, raise_request_exception=False).post(path, {"any": "thing"})


def _raised(exception: Exception):
    """A request to the address whose handling raises `exception`, answered by the site's handler
    for it (a PermissionDenied's 403 page, an unexpected error's 500), as any view's would be."""

    def make(client, path, monkeypatch):
        from django.urls.resolvers import URLResolver

        def raising(self, path):
            raise exception

        with monkeypatch.context() as patched:
            patched.setattr(URLResolver, "resolve", raising)
            return client.get(path)

    return make


ERRORS = {"400": _bad_request, "403": _raised(PermissionDenied("not yours")), "404": _not_found,
          "405": _not_allowed, "csrf": _csrf_failure, "500": _raised(RuntimeError("a bug"))}


def _language_links(response) -> list[tuple[str, str]]:
    if not response["Content-Type"].startswith("text/html"):
        return []
    return re.findall(r'<a class="sm-lang__link" href="([^"]*)" hreflang="(\w+)"', response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("error", sorted(ERRORS))
@pytest.mark.parametrize("path", ADDRESSES)
def test_an_error_pages_language_link_leads_to_the_same_answer_in_the_other_language(
        client, monkeypatch, error, path):
    # The API docs page's 405 (a POST) linked "Cymraeg" to /cy/api/docs/, a 404: the API has one
    # address, in English. A link, where there is one, must give what the address itself gives to a
    # GET (the page, or the same error), in the other language.
    # An administrator: the admin's unknown addresses are a 404, not its sign-in page.
    client.force_login(UserFactory(username="admin@example.org", is_staff=True, is_superuser=True))
    make = ERRORS[error]
    response = make(client, path, monkeypatch) if error in {"403", "500"} else make(client, path)
    assert response.status_code >= 400, (error, path)

    for href, language in _language_links(response):
        asked_again = client.get(href)
        assert asked_again.status_code == client.get(response.request["PATH_INFO"]).status_code, (error, path, href)
        assert f'<html lang="{language}"' in asked_again.content.decode(), (error, path, href)


@pytest.mark.django_db
@pytest.mark.parametrize(("request_it", "path"), [
    (Client.post, "/api/docs/"),
    (Client.get, "/cy/api/docs/"),
    (Client.get, "/static/no-such-file.css"),
    (Client.get, "/cy/static/no-such-file.css"),
])
def test_an_error_page_at_an_address_with_one_language_has_no_language_link(client, request_it, path):
    response = request_it(client, path)

    assert response.status_code in {404, 405} and "sm-header" in response.content.decode()
    assert _language_links(response) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "link"), [
    ("/no-such-page/?x=1", ("/cy/no-such-page/?x=1", "cy")),
    ("/cy/no-such-page/", ("/no-such-page/", "en")),
])
def test_a_page_not_found_on_the_bilingual_site_links_to_the_other_languages(client, path, link):
    assert _language_links(client.get(path)) == [link]
