"""The search form beside the results, built in Python (directory/search_form_html.py), must match
templates/directory/includes/search_form.html byte for byte, over many form states, in English and Welsh."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.datastructures import MultiValueDict

from directory.forms import SearchForm
from directory.search_form_html import TEMPLATE, search_form_html
from tests.directory import test_form_fields
from tests.factories import AreaFactory

# Besides the field states of test_form_fields: the situation checkboxes, a chosen area, the sorts.
STATES = [
    {"no_disclosure": ["on"], "welsh": ["1"], "la": ["W06000015"], "sort": ["wait"]},
    {"proceedings_ongoing": ["false"], "la": ["W06000016"], "sort": ["distance"], "max_wait": [""]},
    {"welsh": [""], "postcode": ["CF10 1AA"], "la": [""], "sort": ["best"], "delivery": ["phone"]},
    {"postcode": ["ZZ9 9"]},  # not found: the list, which the message offers, is described by it
]


def _forms():
    yield from test_form_fields._forms()
    for state in STATES:
        form = SearchForm(MultiValueDict(state))
        form.is_valid()
        yield form


@pytest.fixture
def _areas(db):
    AreaFactory(code="W06000015", name="Cardiff", name_cy="Caerdydd")
    AreaFactory(code="W06000016", name="Rhondda Cynon Taf & <Merthyr>", name_cy="")
    AreaFactory(code="W06000023", name="Powys", name_cy="Powys")


@pytest.mark.usefixtures("_areas")
@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_form_matches_the_template(language):
    compared = 0
    with translation.override(language):
        for n, form in enumerate(_forms()):
            view = ("list", "map")[n % 2]
            version = ("", "v1")[n // 2 % 2]  # with a version the options come from the cache after the first
            expected = render_to_string(TEMPLATE, {"form": form, "view": view, "directory_version": version})
            assert search_form_html(form, view, version) == expected
            compared += 1
    assert compared > 10


@pytest.mark.usefixtures("_areas")
def test_the_states_cover_the_form_branches():
    rendered = "".join(search_form_html(form, ("list", "map")[n % 2], "") for n, form in enumerate(_forms()))
    assert '<details class="govuk-details" open>' in rendered
    assert '<details class="govuk-details">' in rendered
    assert 'aria-describedby="id_la-error"' in rendered
    assert 'name="la" aria-describedby="id_postcode-error">' in rendered
    assert '<option value="wait" selected>' in rendered
    assert 'value="1" checked>' in rendered  # a situation checkbox
    assert '<input type="hidden" name="view" value="map">' in rendered
    assert "&lt;Merthyr&gt;" in rendered


@pytest.mark.usefixtures("_areas")
def test_the_parts_built_once_follow_the_language_the_ids_and_the_address_they_were_built_for():
    """The form's fixed HTML and its address are built once per language (and form ids, and script
    prefix): each state still matches the template, in whichever order the states come."""
    from django.urls import set_script_prefix

    def matches(form: SearchForm) -> bool:
        expected = render_to_string(TEMPLATE, {"form": form, "view": "list", "directory_version": "v1"})
        return search_form_html(form, "list", "v1") == expected

    data = MultiValueDict({"postcode": ["CF10 1"], "welsh": ["1"], "no_disclosure": ["on"]})
    for language in ("en", "cy", "en"):
        with translation.override(language):
            for form in (SearchForm(data), SearchForm(data, auto_id="search_%s"), SearchForm(data, prefix="p")):
                form.is_valid()
                assert matches(form)
    try:
        set_script_prefix("/directory/")
        with translation.override("cy"):
            form = SearchForm(data)
            form.is_valid()
            assert matches(form) and 'action="/directory/cy/' in search_form_html(form, "list", "v1")
    finally:
        set_script_prefix("/")
