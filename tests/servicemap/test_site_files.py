"""`/robots.txt`, `/favicon.ico` (servicemap/site_files.py), and HEAD on the public pages."""

from __future__ import annotations

from urllib.robotparser import RobotFileParser

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import OrganisationFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def _robots(client) -> RobotFileParser:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    parser = RobotFileParser()
    parser.parse(response.content.decode().splitlines())
    return parser


def _in_both_languages(name: str, **kwargs) -> list[str]:
    urls = []
    for language in ("en", "cy"):
        with translation.override(language):
            urls.append(reverse(name, **kwargs))
    return urls


def test_crawlers_are_kept_off_searches_personal_pages_signed_in_work_and_the_api(client):
    service = ServiceFactory()
    robots = _robots(client)
    closed = [
        *(url + "?postcode=CF10+1EP&age=9" for url in _in_both_languages("directory:search")),
        *_in_both_languages("directory:shortlist"),
        *_in_both_languages("listings:dashboard"),
        *_in_both_languages("listings:moderation"),
        *_in_both_languages("accounts:login"),
        *_in_both_languages("admin:index"),
        "/api/oruk/services?page=3", "/api/docs/",
    ]
    assert "/cy/search/?postcode=CF10+1EP&age=9" in closed
    for url in closed:
        assert not robots.can_fetch("AnyBot", "http://testserver" + url), url
    opened = [
        "/", "/cy/",
        *_in_both_languages("directory:service_detail", args=[service.public_id]),
        *_in_both_languages("gaps:index"), *_in_both_languages("gaps:headlines"),
        *_in_both_languages("directory:about_data"),
        *_in_both_languages("policies:accessibility"), *_in_both_languages("policies:privacy"),
        *_in_both_languages("policies:cookies"),
    ]
    for url in opened:
        assert robots.can_fetch("AnyBot", "http://testserver" + url), url


def test_the_report_a_problem_form_of_every_service_is_closed_by_a_wildcard(client):
    # Python's parser reads "*" literally; crawlers that honour robots.txt (RFC 9309) take it as
    # any characters. The line must be there, and match the form's real address.
    lines = client.get("/robots.txt").content.decode().splitlines()
    service = ServiceFactory()
    for url in _in_both_languages("listings:report_problem", args=[service.public_id]):
        prefix = url.split(str(service.public_id))[0]
        assert f"Disallow: {prefix}*/report/" in lines


def test_while_the_fictional_sample_directory_is_loaded_nothing_is_open_to_crawlers(client):
    ServiceFactory(organisation=OrganisationFactory(is_sample=True))
    robots = _robots(client)
    assert not robots.can_fetch("AnyBot", "http://testserver/")
    assert not robots.can_fetch("AnyBot", "http://testserver" + reverse("gaps:index"))
    assert "fictional" in client.get("/robots.txt").content.decode()


def test_the_favicon_asked_for_at_the_root_is_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].startswith("/static/") and "favicon" in response["Location"]
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("url", ["/robots.txt", "/favicon.ico"])
def test_they_answer_head_and_refuse_a_post(client, url):
    assert client.head(url).status_code in (200, 301)
    assert client.post(url).status_code == 405


def test_public_pages_answer_a_head_request(client, wales_areas):
    # Link checkers and uptime monitors ask for headers only; a 405 made working pages look broken.
    service = ServiceFactory(coverage=[wales_areas["W06000015"]])
    urls = [
        reverse("directory:search"),
        reverse("directory:search") + "?la=W06000015&age=9",
        reverse("directory:service_detail", args=[service.public_id]),
        reverse("directory:shortlist"),
        reverse("policies:cookies"), reverse("policies:privacy"), reverse("policies:accessibility"),
    ]
    for url in urls:
        response = client.head(url)
        assert response.status_code == 200, url
        assert client.post(url).status_code == 405, url
