"""'Back to search' without JavaScript: the search the browser came from (its Referer), never stored.

With script, last-search.js points the link at the tab's last search (tests/browser/
test_shortlist_back_to_search.py); these are the page's own links, as a browser without script sees them.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote, unquote

import pytest
import time_machine
from django.urls import reverse

from directory.back_to_search import COOKIE_NAME
from directory.shortlist import SESSION_KEY
from tests.factories import ServiceFactory

SEARCH = "/search/?la=W06000002&age=9&abuse_form=intra_familial&audience=parent_carer&welsh=1&sort=best"
SERVICE_BACK = re.compile(r'<a href="([^"]*)" class="govuk-back-link[^"]*" data-last-search>')
SHORTLIST_BACK = re.compile(r'<a class="govuk-link" href="([^"]*)" data-last-search>')


def _back(response, pattern: re.Pattern) -> str:
    links = {unescape(href) for href in pattern.findall(response.content.decode())}
    assert len(links) == 1, links
    return links.pop()


@pytest.mark.django_db
@pytest.mark.parametrize(("prefix", "came_from"), [("", ""), ("/cy", ""), ("/cy", "/cy")])
def test_a_service_page_reached_from_results_goes_back_to_that_search_in_its_own_language(
    client, prefix, came_from,
):
    service = ServiceFactory()

    response = client.get(f"{prefix}/services/{service.public_id}/",
                          headers={"referer": f"http://testserver{came_from}{SEARCH}"})

    assert _back(response, SERVICE_BACK) == prefix + SEARCH
    # The page holds this visitor's search: no shared cache keeps it or hands it to someone else.
    assert "Referer" in response["Vary"]
    assert "private" in response["Cache-Control"]
    assert SESSION_KEY not in client.session  # nothing kept: the link is made for this response alone


@pytest.mark.django_db
def test_the_shortlist_reached_from_results_goes_back_to_that_search(client):
    service = ServiceFactory()
    client.post(reverse("directory:shortlist_add"), {"service": str(service.public_id)})

    response = client.get("/cy/shortlist/", headers={"referer": f"http://testserver{SEARCH}"})

    assert _back(response, SHORTLIST_BACK) == "/cy" + SEARCH
    assert "Referer" in response["Vary"]
    # The list's own address and its share link still hold the services only, nothing about the child.
    assert "age=9" not in response.context["share_url"] and "age=9" not in response.context["share_email"]


@pytest.mark.django_db
def test_an_emptied_shortlist_reached_from_results_goes_back_to_that_search(client):
    response = client.get("/shortlist/", headers={"referer": f"http://testserver{SEARCH}"})

    assert _back(response, SHORTLIST_BACK) == SEARCH


@pytest.mark.django_db
@pytest.mark.parametrize("referer", [
    "",
    "http://elsewhere.example" + SEARCH,  # another site's page of the same name
    "http://testserver/search/",  # the empty form
    "http://testserver/shortlist/?age=9",  # not a search
    "http://testserver/services/?letter=b",
    "http://testserver/search/?" + "age=9&" * 400,  # longer than any search the page accepts
    "not a url at all",
])
def test_without_a_search_to_go_back_to_the_link_is_the_empty_form(client, referer):
    service = ServiceFactory()
    headers = {"referer": referer} if referer else {}

    response = client.get(f"/services/{service.public_id}/", headers=headers)

    assert _back(response, SERVICE_BACK) == "/search/"
    assert "private" not in response.get("Cache-Control", "")  # a plain page, as before


@pytest.mark.django_db
def test_a_full_postcode_in_the_search_it_came_from_is_cut_to_its_sector(client, wales_areas):
    # An old link's results page, or a page served before the redirect: the back link on this page
    # never writes a home's postcode into the page.
    service = ServiceFactory()

    response = client.get(f"/services/{service.public_id}/",
                          headers={"referer": "http://testserver/search/?postcode=CF10+1EP&age=9"})

    back = _back(response, SERVICE_BACK)
    assert "1EP" not in back.upper()
    assert back.startswith("/search/?postcode=CF10+1&age=9")


# One step on, the Referer no longer names the search: the page before hands it to the browser in a
# cookie (directory/back_to_search.py says why there, and not in the page's address or the session).


def _from_results(client, path: str) -> None:
    """Opens `path` from the search results, as a click on a result does."""
    client.get(path, headers={"referer": f"http://testserver{SEARCH}"})


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "prefix"), [
    ("shortlist_add", ""), ("shortlist_add", "/cy"), ("shortlist_remove", ""),
])
def test_after_adding_or_removing_on_a_service_page_its_link_still_goes_back_to_the_search(client, change, prefix):
    service = ServiceFactory()
    page = f"{prefix}/services/{service.public_id}/"
    if change == "shortlist_remove":
        client.post(reverse("directory:shortlist_add"), {"service": str(service.public_id)})
    _from_results(client, page)

    # The button's POST, then the redirect back: the browser names the service page itself.
    response = client.post(reverse(f"directory:{change}"), {"service": str(service.public_id), "next": page},
                           headers={"referer": f"http://testserver{page}"}, follow=True)

    assert response.redirect_chain[-1][0] == f"{page}#shortlist-{service.public_id}"  # the address: no search
    assert _back(response, SERVICE_BACK) == prefix + SEARCH
    assert "private" in response["Cache-Control"] and "Cookie" in response["Vary"]
    assert "age=9" not in str(dict(client.session))  # the session (a database row) holds nothing of it


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "/cy"])
def test_a_service_page_opened_from_the_shortlist_goes_back_to_the_search(client, prefix):
    service = ServiceFactory()
    client.post(reverse("directory:shortlist_add"), {"service": str(service.public_id)})
    _from_results(client, f"{prefix}/shortlist/")

    response = client.get(f"{prefix}/services/{service.public_id}/",
                          headers={"referer": f"http://testserver{prefix}/shortlist/"})

    assert _back(response, SERVICE_BACK) == prefix + SEARCH
    # And on to the shortlist again from there (its own Referer is the service page).
    response = client.get(f"{prefix}/shortlist/", headers={"referer": f"http://testserver{prefix}/services/"})
    assert _back(response, SHORTLIST_BACK) == prefix + SEARCH


@pytest.mark.django_db
def test_the_cookie_is_for_this_site_and_this_browser_session_only(client, wales_areas):
    service = ServiceFactory()

    response = client.get(f"/services/{service.public_id}/",
                          headers={"referer": "http://testserver/search/?postcode=CF10+1EP&age=9"})

    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
    assert not cookie["max-age"] and not cookie["expires"]  # goes when the browser closes
    assert "1EP" not in unquote(cookie.value).upper()  # a postcode's sector at most, as in the link


@pytest.mark.django_db
def test_the_cookie_is_not_read_an_hour_after_a_page_found_the_search(client):
    service = ServiceFactory()
    with time_machine.travel("2026-12-07 10:00", tick=False):
        _from_results(client, f"/services/{service.public_id}/")
    with time_machine.travel("2026-12-07 10:59", tick=False):
        # Read, not renewed: opening pages from the shortlist does not make it last longer.
        response = client.get(f"/services/{service.public_id}/")
        assert _back(response, SERVICE_BACK) == SEARCH
        assert COOKIE_NAME not in response.cookies
    with time_machine.travel("2026-12-07 11:01", tick=False):
        response = client.get(f"/services/{service.public_id}/")

    assert _back(response, SERVICE_BACK) == "/search/"
    assert response.cookies[COOKIE_NAME]["max-age"] == 0  # deleted


@pytest.mark.django_db
def test_a_page_reached_from_the_cleared_form_forgets_the_search(client):
    service = ServiceFactory()
    _from_results(client, f"/services/{service.public_id}/")

    response = client.get("/shortlist/", headers={"referer": "http://testserver/search/"})

    assert _back(response, SHORTLIST_BACK) == "/search/"
    assert response.cookies[COOKIE_NAME]["max-age"] == 0
    response = client.get(f"/services/{service.public_id}/")
    assert _back(response, SERVICE_BACK) == "/search/"


@pytest.mark.django_db
@pytest.mark.parametrize("value", [
    quote("age=9&la=W06000002", safe=""),  # not signed: set by anything but this site's pages
    "x" * 5000,
])
def test_a_cookie_the_site_did_not_set_is_not_followed(client, value):
    service = ServiceFactory()
    client.cookies[COOKIE_NAME] = value

    response = client.get(f"/services/{service.public_id}/")

    assert _back(response, SERVICE_BACK) == "/search/"


@pytest.mark.django_db
def test_the_cleared_search_form_forgets_the_search(client):
    service = ServiceFactory()
    _from_results(client, f"/services/{service.public_id}/")

    response = client.get("/search/")

    assert response.cookies[COOKIE_NAME]["max-age"] == 0 and "private" in response["Cache-Control"]
    assert _back(client.get(f"/services/{service.public_id}/"), SERVICE_BACK) == "/search/"
    assert COOKIE_NAME not in client.get("/search/").cookies  # nothing to delete: a plain page
