"""The search form beside a search's results, as HTML: what templates/directory/includes/search_form.html
renders, byte for byte.

Every first-time search renders the form once. Through the template it cost about a millisecond,
most of it in resolving variables and in `{% translate %}` tags, besides the fields themselves
(already built in Python: form_fields.py). Here the page's fixed strings are looked up once per
language and the form is one string. search_form.html stays as the readable definition (and is
what the search page without results still renders): tests/directory/test_search_form_html.py
holds the two to the same output over many form states, in English and Welsh.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.forms import BoundField, Form
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from directory import form_fields, local_authority_options
from directory.forms import SearchForm

TEMPLATE = "directory/includes/search_form.html"


class _Strings:
    """The form's fixed translated strings, for one language."""

    def __init__(self) -> None:
        # Translations come from our catalogue and are not escaped, as the template's own literals.
        self.search_for_support = gettext("Search for support")
        self.about_the_child = gettext("About the child")
        self.situation = gettext("The child's situation")
        self.delivery = gettext("Delivery, wait and who is referring")
        self.search = gettext("Search")
        self.clear = gettext("Clear the search")


@functools.lru_cache(maxsize=8)
def _strings(language: str | None) -> _Strings:
    return _Strings()


@functools.lru_cache(maxsize=16)
def _search_url(language: str | None, script_prefix: str, urlconf: object) -> str:
    """The search's address, escaped, for the active language (reversed afresh it cost a tenth of
    the form): the arguments are what `reverse` reads besides the name."""
    return conditional_escape(reverse("directory:search", urlconf=urlconf))


@receiver(setting_changed)
def _forget(**kwargs: object) -> None:
    _search_url.cache_clear()


def _situation(form: Form) -> str:
    key = (type(form), form.auto_id, form.prefix, get_language())
    items = _SITUATION.get(key)
    if items is None:
        items = _SITUATION[key] = [(field.name, *_situation_item(field)) for field in form.situation_fields()]
    return "".join(f"{start} checked{end}" if form[name].value() else f"{start}{end}" for name, start, end in items)


# (form class, its ids, language) -> each yes/no field's name and its item's HTML either side of
# " checked": fixed per form class, as form_fields assumes of the fields' labels.
_SITUATION: dict[tuple, list[tuple[str, str, str]]] = {}


def _situation_item(field: BoundField) -> tuple[str, str]:
    auto_id = form_fields.text_html(field.auto_id)
    return (
        '\n        <div class="govuk-checkboxes__item">\n'
        f'          <input class="govuk-checkboxes__input" id="{auto_id}" name="{form_fields.text_html(field.html_name)}"'
        ' type="checkbox" value="1"',
        '>\n'
        f'          <label class="govuk-label govuk-checkboxes__label" for="{auto_id}">'
        f"{form_fields.label_html(field)}</label>\n"
        "        </div>\n        "
    )


# (form class, language) -> each sort choice's value and its option's HTML either side of " selected":
# the choices are fixed per form class, as form_fields assumes of every choice field.
_SORTS: dict[tuple, list[tuple[str, str, str]]] = {}


def _sort_options(form: Form) -> str:
    bound = form["sort"]
    key = (type(form), get_language())
    options = _SORTS.get(key)
    if options is None:
        options = _SORTS[key] = [
            (value, f'<option value="{form_fields.text_html(value)}"', f">{form_fields.text_html(label)}</option>")
            for value, label in bound.field.choices
        ]
    chosen = bound.value()
    return "".join(f"{start} selected{end}" if value == chosen else f"{start}{end}" for value, start, end in options)


def search_form_html(form: SearchForm, view: str, directory_version: str | None) -> SafeString:
    """As search_form.html with this form, view ("map" or "list") and directory version."""
    language = get_language()
    strings = _strings(language)
    url = _search_url(language, get_script_prefix(), get_urlconf(settings.ROOT_URLCONF))
    la, sort = form["la"], form["sort"]
    la_errors, sort_errors = form_fields.errors_of(la), form_fields.errors_of(sort)
    more = (form["delivery"], form["max_wait"], form["referrer"])
    is_open = any(field.value() for field in more) or any(form_fields.errors_of(field) for field in more)
    described = form.la_described_by()
    la_described = f' aria-describedby="{conditional_escape(described)}"' if described else ""
    view_input = '<input type="hidden" name="view" value="map">' if view == "map" else ""
    return mark_safe(  # noqa: S308 - translations from our catalogue; every value escaped
        f'<form method="get" action="{url}" novalidate class="sm-search-form" id="search-form" role="search"'
        f' aria-label="{strings.search_for_support}">\n'
        f'  <h2 class="govuk-heading-m">{strings.about_the_child}</h2>\n'
        f'  {form_fields.text_input(form["postcode"], "govuk-input--width-10", autocomplete="postal-code")}\n'
        f'  <div class="govuk-form-group{" govuk-form-group--error" if la_errors else ""}">\n'
        f'    <label class="govuk-label govuk-label--s" for="id_la">{form_fields.label_html(la)}</label>\n'
        f"    {form_fields.field_errors(la)}\n"
        f'    <select class="govuk-select sm-select{" govuk-select--error" if la_errors else ""}" id="id_la" name="la"'
        f"{la_described}>\n"
        f"      {local_authority_options.render(la, directory_version)}\n"
        "    </select>\n"
        "  </div>\n"
        f'  {form_fields.text_input(form["age"], "govuk-input--width-5", inputmode="decimal")}\n'
        f'  {form_fields.checkboxes(form["abuse_form"])}\n'
        f'  {form_fields.checkboxes(form["audience"])}\n'
        "\n"
        '  <div class="govuk-form-group">\n'
        '    <fieldset class="govuk-fieldset">\n'
        f'      <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{strings.situation}</legend>\n'
        '      <div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">\n'
        f"        {_situation(form)}\n"
        "      </div>\n"
        "    </fieldset>\n"
        "  </div>\n"
        "\n"
        f'  <details class="govuk-details"{" open" if is_open else ""}>\n'
        '    <summary class="govuk-details__summary"><span class="govuk-details__summary-text">'
        f"{strings.delivery}</span></summary>\n"
        '    <div class="govuk-details__text">\n'
        f'      {form_fields.checkboxes(form["delivery"])}\n'
        f'      {form_fields.text_input(form["max_wait"], "govuk-input--width-5", inputmode="numeric")}\n'
        f'      {form_fields.radios(form["referrer"])}\n'
        "    </div>\n"
        "  </details>\n"
        "\n"
        f'  <div class="govuk-form-group{" govuk-form-group--error" if sort_errors else ""}">\n'
        f'    <label class="govuk-label govuk-label--s" for="id_sort">{form_fields.label_html(sort)}</label>\n'
        f"    {form_fields.field_errors(sort)}\n"
        '    <select class="govuk-select" id="id_sort" name="sort">\n'
        f"      {_sort_options(form)}\n"
        "    </select>\n"
        "  </div>\n"
        f"  {view_input}\n"
        f'  <button type="submit" class="govuk-button" data-module="govuk-button">{strings.search}</button>\n'
        f'  <p class="govuk-body-s"><a class="govuk-link" href="{url}">{strings.clear}</a></p>\n'
        "</form>\n"
    )
