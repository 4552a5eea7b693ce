"""Numbers in parameters are ASCII digits; a NUL character is refused naming where it was."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("params", "parameter"), [
    ({"page": "1_0"}, "page"),
    ({"per_page": "\uff11"}, "per_page"),  # full-width 1
    ({"per_page": "\u0661"}, "per_page"),  # Arabic-Indic 1
    ({"per_page": "+1"}, "per_page"),
    ({"page": "\u0968"}, "page"),  # Devanagari 2
    ({"max_wait_weeks": "1_2"}, "max_wait_weeks"),
    ({"age": "1_0"}, "age"),
    ({"age": "+9"}, "age"),
    ({"age": "\uff19"}, "age"),
    ({"age": "9e0"}, "age"),
])
def test_numbers_other_than_ascii_digits_are_refused(feed, api, params, parameter):
    response = api("services", **params)

    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == parameter
    assert parameter in body["detail"] and repr(next(iter(params.values()))) in body["detail"]


@pytest.mark.parametrize("params", [{"page": "1", "per_page": " 10 "}, {"age": "9.5"}, {"age": ".5"},
                                    {"max_wait_weeks": "12"}])
def test_ascii_numbers_are_still_read(feed, api, params):
    assert api("services", **params).status_code == 200


def test_page_1_0_is_not_page_10(feed, api):
    assert api("services", page="1_0", per_page="1").status_code == 400


def test_a_nul_in_a_parameters_name_is_named(client, db):
    response = client.get("/api/oruk/?%00=1")

    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == "%00"
    assert body["detail"].startswith("A parameter's name must not contain a NUL character (%00)")


def test_a_nul_in_a_value_names_the_parameter(client, db):
    body = client.get("/api/oruk/services?search=a%00b").json()
    assert (body["parameter"], body["detail"]) == ("search", "search must not contain a NUL character (%00)")


@pytest.mark.parametrize(("path", "query", "parameter"), [
    # The last value won without a word: pages of 100 for a client asking for 10, the whole table for cse.
    ("/api/oruk/services", "per_page=10&per_page=100", "per_page"),
    ("/api/oruk/organizations", "page=1&page=2", "page"),
    ("/api/oruk/services/{service}", "lang=cy&lang=en", "lang"),
    ("/api/gaps/", "layer=cse&layer=all", "layer"),
    ("/api/schema/", "format=json&format=yaml", "format"),
])
def test_a_parameter_given_twice_with_two_values_is_a_400_naming_it(feed, client, path, query, parameter):
    response = client.get(f"{path.format(service=feed.cardiff_therapy.public_id)}?{query}")

    assert response.status_code == 400
    assert response.json()["parameter"] == parameter
    assert response.json()["detail"].startswith(f"{parameter} is given 2 times (")


def test_the_codes_that_add_up_may_still_be_repeated(feed, api):
    repeated = api("services", abuse_form=["cse", "online"])
    assert repeated.status_code == 200
    assert repeated.json() == api("services", abuse_form="cse,online").json()


@pytest.mark.parametrize("endpoint", ["services", "service_at_locations", "organizations", "taxonomies",
                                      "taxonomy_terms"])
def test_search_has_the_same_limit_on_every_endpoint(feed, api, endpoint):
    # Only /services and /service_at_locations refused a long one; the others scanned any length.
    assert api(endpoint, search="a" * 200).status_code == 200

    response = api(endpoint, search="a" * 201)

    assert response.status_code == 400
    assert response.json() == {"status": 400, "detail": "search must be at most 200 characters", "parameter": "search"}
