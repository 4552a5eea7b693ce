"""'Back to search' without JavaScript: the search the browser came from (its Referer), never stored.

With script, last-search.js points the link at the tab's last search (tests/browser/
test_shortlist_back_to_search.py); these are the page's own links, as a browser without script sees them.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

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
