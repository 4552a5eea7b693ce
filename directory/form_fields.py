"""The search form's repeated GOV.UK fields, as HTML: what templates/directory/includes/input.html,
checkboxes.html, radios.html and field_errors.html render, byte for byte.

The search form beside every first-time search renders these includes eight times. Through the
templates that cost about 2.5 ms of CPU a page, most of it in Django's per-choice subwidgets
(`{% for option in field %}` builds a widget context for every checkbox) and in resolving
variables; here the choices are read straight from the field and each field is one string. The
include templates stay as the readable definition: tests/directory/test_form_fields.py holds the
two to the same output over many form states, in English and Welsh.

The choices must be flat (no option groups) and fixed per form class, as every choice field of the
search form's is: an option's id is then the field's id and its index, as Django numbers them, and
each option's HTML is built once per language.
"""

from __future__ import annotations

from django.forms import BoundField
from django.forms.utils import ErrorList
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext


def text_html(value: object) -> str:
    """A value as `{{ value }}` renders it (localised, then escaped)."""
    return conditional_escape(localize(value))


# (form class, field name, language) -> the field's label and help text as HTML: like the choices
# (below), fixed per form class, and translating them (lazy strings) cost more than the rest of a field.
_TEXTS: dict[tuple, tuple[str, str]] = {}


def _texts(field: BoundField) -> tuple[str, str]:
    key = (type(field.form), field.html_name, get_language())
    texts = _TEXTS.get(key)
    if texts is None:
        texts = _TEXTS[key] = (text_html(field.label), text_html(field.help_text) if field.help_text else "")
    return texts


def errors_of(field: BoundField) -> ErrorList | None:
    """The field's errors, None if it has none: `field.errors` builds an empty list for a field
    without (the search form beside the results reads it a dozen times)."""
    return field.form.errors.get(field.name)


def label_html(field: BoundField) -> str:
    """The field's label as `{{ field.label }}` renders it."""
    return _texts(field)[0]


def field_errors(field: BoundField) -> SafeString:
    """As field_errors.html: one error message paragraph per error (and the file's last newline)."""
    errors = errors_of(field)
    if not errors:
        return mark_safe("\n")
    error_id = f"{text_html(field.auto_id)}-error"
    hidden = conditional_escape(gettext("Error:"))
    return mark_safe("".join(  # noqa: S308 - translation from our catalogue and values escaped
        f'<p id="{error_id}" class="govuk-error-message"><span class="govuk-visually-hidden">{hidden}</span> '
        f"{text_html(error)}</p>"
        for error in errors
    ) + "\n")


def text_input(field: BoundField, width: str, inputmode: str = "", autocomplete: str = "") -> SafeString:
    """As input.html: a labelled text input with its hint and errors."""
    errors = errors_of(field)
    before, after = _around(field, errors, (width, inputmode, autocomplete),
                            lambda: _text_input_around(field, width, inputmode, autocomplete, errors))
    value = field.value()
    return mark_safe(before + ("" if value is None else text_html(value)) + after)  # noqa: S308 - escaped


# (form class, field name, id, its options, language) -> an error-free field's HTML either side of
# its value (text inputs) or its items (checkboxes and radios): building it cost most of a field.
_AROUND: dict[tuple, tuple[str, str]] = {}


def _around(field: BoundField, errors, options: tuple, build) -> tuple[str, str]:
    """The field's HTML either side of its value or items: built each time for a field with errors;
    without, the same for every form of the class in a language, so built once (`_AROUND`)."""
    if errors:
        return build()
    key = (type(field.form), field.html_name, field.auto_id, *options, get_language())
    around = _AROUND.get(key)
    if around is None:
        around = _AROUND[key] = build()
    return around


def _text_input_around(
    field: BoundField, width: str, inputmode: str, autocomplete: str, errors: list,
) -> tuple[str, str]:
    auto_id = text_html(field.auto_id)
    label, help_text = _texts(field)
    hint = ""
    if help_text:
        hint = f'<div id="{auto_id}-hint" class="govuk-hint">{help_text}</div>'
    attrs = ""
    if inputmode:
        attrs += f' inputmode="{text_html(inputmode)}"'
    if autocomplete:
        # Never "off" by default: browsers do not fill such a field back in when someone goes back
        # to the form from the results, and the child's age and the longest wait were lost.
        attrs += f' autocomplete="{text_html(autocomplete)}"'
    described = ""
    if help_text or errors:
        hint_id = f"{auto_id}-hint" if help_text else ""
        error_id = f" {auto_id}-error" if errors else ""
        described = f' aria-describedby="{hint_id}{error_id}"'
    return (
        f'\n<div class="govuk-form-group{" govuk-form-group--error" if errors else ""}">\n'
        f'  <label class="govuk-label govuk-label--s" for="{auto_id}">{label}</label>\n'
        f"  {hint}\n"
        f"  {field_errors(field)}\n"
        f'  <input class="govuk-input {text_html(width)}{" govuk-input--error" if errors else ""}" id="{auto_id}" '
        f'name="{text_html(field.html_name)}" type="text" value="',
        f'"{attrs} spellcheck="false"{described}>\n'
        "</div>\n"
    )


# (form class, field name, kind, language) -> each choice's value and its item's HTML either side
# of " checked": the choices and their labels are fixed per form class, so built once per language.
_ITEMS: dict[tuple, list[tuple[str, str, str]]] = {}


def _items(field: BoundField, kind: str, input_type: str) -> list[tuple[str, str, str]]:
    widget = field.field.widget
    id_ = widget.attrs.get("id") or field.auto_id
    key = (type(field.form), field.html_name, id_, kind, get_language())
    items = _ITEMS.get(key)
    if items is None:
        name = text_html(field.html_name)
        items = []
        for index, (value, label) in enumerate(widget.choices):
            option_id = text_html(f"{id_}_{index}")
            items.append((
                str(value),
                f'\n      <div class="govuk-{kind}__item">\n'
                f'        <input class="govuk-{kind}__input" id="{option_id}" name="{name}" type="{input_type}"'
                f' value="{text_html(value)}"',
                f'>\n        <label class="govuk-label govuk-{kind}__label" for="{option_id}">{text_html(label)}</label>\n'
                "      </div>\n      ",
            ))
        _ITEMS[key] = items
    return items


def _choices(field: BoundField, kind: str, input_type: str) -> str:
    """The items of a checkboxes or radios group, selected as Django's ChoiceWidget selects them."""
    widget = field.field.widget
    values = widget.format_value(field.value())
    multiple = widget.allow_multiple_selected
    out = []
    has_selected = False
    for value, start, end in _items(field, kind, input_type):
        selected = (not has_selected or multiple) and value in values
        has_selected |= selected
        out.append(f"{start} checked{end}" if selected else f"{start}{end}")
    return "".join(out)


def _group(field: BoundField, kind: str, input_type: str) -> SafeString:
    errors = errors_of(field)
    before, after = _around(field, errors, (kind,), lambda: _group_around(field, kind, errors))
    return mark_safe(before + _choices(field, kind, input_type) + after)  # noqa: S308 - every value escaped


def _group_around(field: BoundField, kind: str, errors: list) -> tuple[str, str]:
    auto_id = text_html(field.auto_id)
    label, help_text = _texts(field)
    described = " ".join(([f"{auto_id}-hint"] if help_text else []) + ([f"{auto_id}-error"] if errors else []))
    described = f' aria-describedby="{described}"' if described else ""
    hint = f'\n    <div id="{auto_id}-hint" class="govuk-hint">{help_text}</div>' if help_text else ""
    return (
        f'\n<div class="govuk-form-group{" govuk-form-group--error" if errors else ""}">\n'
        f'  <fieldset class="govuk-fieldset"{described}>\n'
        f'    <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{label}</legend>{hint}\n'
        f"    {field_errors(field)}\n"
        f'    <div class="govuk-{kind} govuk-{kind}--small" data-module="govuk-{kind}">\n'
        "      ",
        "\n"
        "    </div>\n"
        "  </fieldset>\n"
        "</div>\n"
    )


def checkboxes(field: BoundField) -> SafeString:
    """As checkboxes.html: small checkboxes for a multiple-choice field."""
    return _group(field, "checkboxes", "checkbox")


def radios(field: BoundField) -> SafeString:
    """As radios.html: small radios for a choice field."""
    return _group(field, "radios", "radio")
