"""The search form's fields, built in Python (directory/form_fields.py), must match
templates/directory/includes/input.html, checkboxes.html, radios.html and field_errors.html byte
for byte, over many form states, in English and Welsh."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.datastructures import MultiValueDict

from directory import form_fields, vocabulary
from directory.forms import SearchForm

FORMS = [c for c, _ in vocabulary.ABUSE_FORMS]
AUDIENCES = [c for c, _ in vocabulary.AUDIENCES]
DELIVERY = [c for c, _ in vocabulary.DELIVERY_MODES]
REFERRERS = [c for c, _ in vocabulary.REFERRERS]
STATES = [
    None,  # the empty page's unbound form
    {},
    {"postcode": ["CF10 1AA"], "age": ["7.5"], "max_wait": ["4"], "referrer": ["professional"]},
    {"postcode": ["cf10  1aa"], "la": ["W06000015"], "age": ["0"], "max_wait": ["0"], "referrer": [""],
     "abuse_form": FORMS, "audience": AUDIENCES, "delivery": DELIVERY, "sort": ["wait"]},
    {"abuse_form": FORMS[:1], "audience": AUDIENCES[-2:], "delivery": DELIVERY[1:3], "referrer": ["self"]},
    {"postcode": ["ZZ1"], "age": ["30"], "max_wait": ["x"], "referrer": ["nobody"], "delivery": ["zz"],
     "abuse_form": ["zz", FORMS[0]], "audience": ["<b>"], "sort": ["nope"], "la": ["ZZ"]},
    {"postcode": ['<b>"&'], "age": ["<i>"], "max_wait": ['"9"'], "referrer": [REFERRERS[1], REFERRERS[0]]},
    {"postcode": ["A" * 20], "age": ["2.55"], "max_wait": ["999"], "view": ["map"]},
    {"age": ["-1"], "max_wait": ["-3"], "referrer": ["parent_carer"], "delivery": DELIVERY},
]
TEXT_INPUTS = [
    ("postcode", {"width": "govuk-input--width-10", "autocomplete": "postal-code"}),
    ("age", {"width": "govuk-input--width-5", "inputmode": "decimal"}),
    ("max_wait", {"width": "govuk-input--width-5", "inputmode": "numeric"}),
]


def _forms():
    for state in STATES:
        form = SearchForm() if state is None else SearchForm(MultiValueDict(state))
        form.is_valid()
        yield form
        if state:
            form = SearchForm(MultiValueDict(state))
            form.is_valid()
            for name in form.fields:  # an error (two on some) on every field
                form.add_error(name, f"Check the <{name}> & try again")
                if name in ("age", "referrer", "abuse_form"):
                    form.add_error(name, "A second 'error'")
            yield form


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_fields_match_the_includes(language):
    compared = 0
    with translation.override(language):
        for form in _forms():
            for name, options in TEXT_INPUTS:
                expected = render_to_string("directory/includes/input.html", {"field": form[name], **options})
                assert form_fields.text_input(form[name], **options) == expected
            for name in ("abuse_form", "audience", "delivery"):
                expected = render_to_string("directory/includes/checkboxes.html", {"field": form[name]})
                assert form_fields.checkboxes(form[name]) == expected
            expected = render_to_string("directory/includes/radios.html", {"field": form["referrer"]})
            assert form_fields.radios(form["referrer"]) == expected
            for name in ("la", "sort"):
                expected = render_to_string("directory/includes/field_errors.html", {"field": form[name]})
                assert form_fields.field_errors(form[name]) == expected
            compared += 1
    assert compared == 2 * len(STATES) - 2  # the unbound and the empty form have no error variant


@pytest.mark.django_db
def test_the_states_cover_checked_options_and_errors():
    rendered = "".join(form_fields.checkboxes(form["delivery"]) + form_fields.radios(form["referrer"])
                       + form_fields.text_input(form["age"], "w") for form in _forms())
    assert " checked>" in rendered
    assert "govuk-error-message" in rendered
    assert 'aria-describedby="id_age-hint id_age-error"' in rendered


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "hint"), [
    ("en", "Services that support any of those you choose are listed: each result says whom it supports."),
    ("cy", "Rhestrir gwasanaethau sy&#x27;n cefnogi unrhyw un o&#x27;r rhai a ddewiswch: mae pob canlyniad yn "
           "dweud pwy y mae&#x27;n ei gefnogi."),
])
def test_who_needs_support_says_a_service_for_any_of_those_chosen_is_listed(language, hint):
    # The child, the non-abusing mother and a sibling ticked: the results held services for the child
    # alone, and nothing on the form said one chosen was enough, not all of them.
    with translation.override(language):
        form = SearchForm(MultiValueDict({"la": ["W06000006"], "audience": ["child", "parent_carer", "sibling"]}))
        form.is_valid()
        html = form_fields.checkboxes(form["audience"])
        form.add_error("audience", "Check it")
        with_error = form_fields.checkboxes(form["audience"])
    assert '<fieldset class="govuk-fieldset" aria-describedby="id_audience-hint">' in html
    assert f'</legend>\n    <div id="id_audience-hint" class="govuk-hint">{hint}</div>\n' in html
    assert '<fieldset class="govuk-fieldset" aria-describedby="id_audience-hint id_audience-error">' in with_error
    assert "-hint" not in form_fields.checkboxes(form["abuse_form"])  # the others have no hint
