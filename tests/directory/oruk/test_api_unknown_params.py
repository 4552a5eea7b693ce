"""A parameter an endpoint does not read is refused with a 400 naming it, not ignored: ignored,
`?organisation_id=` (the British spelling of organization_id) answered with every service, a
wrong answer that looked right."""

from __future__ import annotations

import pytest
from django.urls import URLPattern

from directory.oruk import api as oruk_api
from directory.oruk import urls as oruk_urls
from tests.factories import PostcodeFactory


def test_a_misspelt_filter_is_refused_with_the_right_name_suggested(feed, api):
    response = api("services", organisation_id=str(feed.cardiff_therapy.organisation.public_id))

    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == "organisation_id"
    assert "Unknown parameter 'organisation_id'. Did you mean organization_id?" in body["detail"]
    assert "/services takes: search, page, per_page, format" in body["detail"]


def test_a_parameter_with_no_near_name_lists_what_the_endpoint_takes(feed, api):
    body = api("taxonomies", colour="red").json()

    assert body["parameter"] == "colour"
    assert body["detail"] == "Unknown parameter 'colour'. /taxonomies takes: search, page, per_page, format, lang."


def test_a_detail_endpoint_takes_only_the_language(feed, api):
    response = api(f"services/{feed.cardiff_therapy.public_id}", full="true")

    assert response.status_code == 400
    assert response.json()["detail"] == "Unknown parameter 'full'. /services/{id} takes: lang.".replace(
        "{id}", str(feed.cardiff_therapy.public_id))
    assert api(f"services/{feed.cardiff_therapy.public_id}", lang="cy").status_code == 200


@pytest.mark.parametrize(("name", "says"), [
    ("minimal", "format=ndjson streams every service"),
    ("proximity", "postcode gives the services covering"),
])
def test_an_oruk_parameter_this_feed_does_not_offer_says_what_to_ask_instead(feed, api, name, says):
    response = api("services", **{name: "true" if name == "minimal" else "5000", "postcode": "CF10 1EP"})

    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == name
    assert body["detail"].startswith(f"This feed does not offer the ORUK parameter {name}: ")
    assert says in body["detail"]


def test_every_parameter_the_schema_describes_is_still_read(feed, api):
    """The check takes its names from the endpoints' OpenAPI descriptions: each is accepted."""
    PostcodeFactory(postcode="CF10 1EP", latitude=51.4762, longitude=-3.1763, lad_code="W06000015")
    values = {"search": "therapy", "page": "1", "per_page": "5", "format": "json", "full": "true",
              "taxonomy_term_id": "00000000-0000-0000-0000-000000000000",
              "taxonomy_id": "00000000-0000-0000-0000-000000000000",
              "organization_id": "00000000-0000-0000-0000-000000000000",
              "modified_after": "2020-01-01", "postcode": "CF10 1EP", "coverage": "W06000015", "age": "9",
              "abuse_form": "online", "audience": "child", "disclosure_required": "false", "welsh": "true",
              "max_wait_weeks": "12", "lang": "cy"}
    for name in [p.name for p in oruk_api.ServiceListView.parameters]:
        assert api("services", **{name: values[name]}).status_code == 200, name
    for name in [p.name for p in oruk_api.ServiceAtLocationListView.parameters]:
        assert api("service_at_locations", **{name: values[name]}).status_code == 200, name


def test_every_endpoint_says_which_parameters_it_reads():
    views = [p.callback.view_class for p in oruk_urls.urlpatterns if isinstance(p, URLPattern)]
    for view in views:
        assert view.parameters is None or isinstance(view.parameters, list), view
    assert [v for v in views if v.parameters is None] == [oruk_api.NotFoundView]


def test_the_api_root_takes_only_the_language_and_says_so_in_words(feed, api):
    # Its message read "/the API root takes no parameters.": the root's path, "", made a sentence.
    body = api("", search="x").json()

    assert body == {"status": 400, "parameter": "search",
                    "detail": "Unknown parameter 'search'. The API root takes: lang."}
