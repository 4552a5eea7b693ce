"""Render Django form fields with GOV.UK Frontend markup (error summary, inline errors, hints)."""

from __future__ import annotations

from django import forms, template
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.utils import flatatt

register = template.Library()


def _kind(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    return "input"


# Attributes the template writes itself, from the field (the rest of a widget's attrs pass through).
# No box carries maxlength: a browser cuts a paste short at it without a word, and the form says
# what is too long, with the text kept.
_WRITTEN = frozenset({"class", "id", "name", "type", "value", "rows", "maxlength", "aria-describedby", "step"})
# A number box's own attributes that a text box does not use, or that the template writes (number_keypad).
_NUMBER_WRITTEN = frozenset({"inputmode", "min", "max"})


def _value(field: forms.BoundField) -> object:
    """What the input shows: never a typed password sent back into the page (Django's
    PasswordInput leaves it out unless render_value), else the bound or initial value."""
    widget = field.field.widget
    if isinstance(widget, forms.PasswordInput) and not widget.render_value:
        return ""
    return field.value()


def _attrs(field: forms.BoundField, kind: str) -> str:
    """The widget's own attributes (autocomplete, spellcheck, inputmode…) as HTML."""
    written = _WRITTEN | (_NUMBER_WRITTEN if kind == "input" and is_number(field) else set())
    attrs = {name: value for name, value in field.field.widget.attrs.items() if name not in written}
    return flatatt(attrs)


@register.inclusion_tag("includes/govuk/field.html")
def govuk_field(field: forms.BoundField, small: bool = False, errors_above: bool = False, of: str = "") -> dict:
    """errors_above: a single checkbox whose errors the page shows above its box, as
    `<p id="<field id>-error">` (GOV.UK's place for them): the box is described by them.
    of: what the field is about, read after its label or legend but not shown, where a page repeats
    the same field for several things (the dashboard's wait box for each service)."""
    kind = _kind(field)
    return {"field": field, "kind": kind, "small": small, "value": _value(field), "attrs": _attrs(field, kind),
            "errors_above": errors_above, "groups": _option_groups(field, kind), "of": of}


def _option_groups(field: forms.BoundField, kind: str) -> list[tuple[str, list]]:
    """A box list's options as (heading, options) runs: one run with no heading, unless the field
    says each option's heading (`group_heading(instance)`, as the areas picker does)."""
    if kind not in ("checkboxes", "radios"):
        return []
    heading_of = getattr(field.field, "group_heading", None)
    if heading_of is None:
        return [("", list(field))]
    groups: list[tuple[str, list]] = []
    for option in field:
        heading = heading_of(option.data["value"].instance)
        if not groups or groups[-1][0] != heading:
            groups.append((heading, []))
        groups[-1][1].append(option)
    return groups


def _says_which_field(field: forms.BoundField, error: ValidationError) -> bool:
    """False for Django's own wording ("This field is required.", "Enter a number."), which reads
    well beside its field but not in a list of every error; True for the form's own messages.

    Told apart by the words, not the error's code: a form's own message raised with a code the field
    has no message for (a postcode's "invalid") was named again in the summary and not beside the
    field, and only for some inputs (GOV.UK: the same message in both places)."""
    if error.code is None:  # added by the form's own code, worded for this field
        return True
    django_wording: set[str] = {str(message) for message in models.Field.default_error_messages.values()}
    for klass in type(field.field).__mro__:
        django_wording.update(str(message) for message in getattr(klass, "default_error_messages", {}).values())
    # A validator's message (a model field's "Ensure this value is less than…") is Django's wording too.
    django_wording.update(str(v.message) for v in field.field.validators if getattr(v, "message", None))
    return str(error.message) not in django_wording


@register.inclusion_tag("includes/govuk/error_summary.html")
def govuk_error_summary(*forms_: forms.Form) -> dict:
    errors = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        # GOV.UK: every message in the summary links to a box. A form whose own errors belong to one
        # (sign-in's "Enter a correct email address and password") names it; others stay unlinked
        # (an edit conflict is about no one box).
        owner = getattr(form, "non_field_errors_field", None)
        for message in form.non_field_errors():
            errors.append((form[owner].id_for_label if owner else "", message))
        data = form.errors.as_data()
        for field in form:
            # Radios and checkbox lists: link to the first option, as GOV.UK's pattern does.
            anchor = f"{field.auto_id}_0" if _kind(field) in ("radios", "checkboxes") else field.id_for_label
            for message, error in zip(field.errors, data.get(field.name, []), strict=True):
                # In the summary a screen reader hears "This field is required." twice on the sign-in
                # page and five times on a new listing's, with nothing to say which: name the field.
                if not _says_which_field(field, error):
                    message = f"{field.label}: {message}"
                errors.append((anchor or field.auto_id, message))
    return {"errors": errors}


@register.filter
def is_number(field: forms.BoundField) -> bool:
    return getattr(field.field.widget, "input_type", "") == "number"


@register.filter
def width_class(field: forms.BoundField) -> str:
    """A text box's GOV.UK width class: one the widget names in its "class" (the rest of which the
    template writes itself), else four characters for a number, else none (full width)."""
    named = [c for c in field.field.widget.attrs.get("class", "").split() if c.startswith("govuk-input--width-")]
    return named[0] if named else "govuk-input--width-4" if is_number(field) else ""


@register.filter
def input_type(field: forms.BoundField) -> str:
    """A number is typed in a text box with a number keypad (number_keypad), as GOV.UK advises: for what
    it cannot read ("6 weeks", "1-2") a browser's number box sends nothing, so the page said the box was
    empty and showed it empty, and the wheel or arrow keys change the number unseen."""
    return "text" if is_number(field) else getattr(field.field.widget, "input_type", "text")


@register.filter
def number_keypad(field: forms.BoundField) -> str:
    """The inputmode of a number box: digits alone for a whole number, a decimal point for an age."""
    return "decimal" if isinstance(field.field, (forms.DecimalField, forms.FloatField)) else "numeric"


@register.simple_tag(takes_context=True)
def page_query(context, param: str, number: int) -> str:
    """This page's query string with `param` set to `number`: the link to another page of one list
    when a page holds more than one (Django's {% querystring %} takes only a literal name)."""
    params = context["request"].GET.copy()
    params[param] = number
    return "?" + params.urlencode()


# A message's extra_tags starting so carry the address of the form that reopens the report it confirms.
REOPEN_TAG = "reopen:"


@register.filter
def reopen_action(message) -> str:
    """The address of the form that reopens the problem report a message says was resolved, or ""
    (listings.views.report_resolve: the confirmation carries its undo)."""
    tags = message.extra_tags or ""
    return tags.removeprefix(REOPEN_TAG) if tags.startswith(REOPEN_TAG) else ""
