"""No form people fill in says Django's own wording ("Ensure this value has at most 200 characters
(it has 300).", "Enter a whole number.", "Select a valid choice."): each says, in GOV.UK's way, which
box and what to do (directory/form_messages.py). Every form class in the app is found and checked,
so a new form or field cannot bring Django's wording back."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date

import pytest
from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import translation

import directory
import gaps
from directory.form_messages import GovukMessages
from directory.models import Organisation

# The Django admin's forms are left out: only staff use them, in Django's own wording throughout.
# Every other form class defined in the app is checked.
PACKAGES = (directory, gaps)

# What each form needs beyond its data (a new form with arguments of its own must be added here).
ARGUMENTS = {
    "ServiceForm": lambda: {"organisations": Organisation.objects.all()},
    "SetPasswordForm": lambda: {"email": "someone@example.org"},
    "ResetPasswordForm": lambda: {"user": None},
    "RegionChoice": lambda: {"regions": []},
    "UnmetForm": lambda: {"months": [], "today": date(2026, 5, 1)},
    "TrendsForm": lambda: {"snapshots": []},
}

# Django's wording that no one can be shown, and why.
UNREACHABLE = {
    # Filled in by the page's own button, never typed: a bad value is a 400 page (views.py).
    ("ShortlistChangeForm", "service"), ("ShortlistChangeForm", "next"),
    # A file input: Django's wording for a missing or contradictory upload needs a hand-made request.
    ("UploadForm", "csv_file"),
}


def _form_classes() -> list[type[forms.BaseForm]]:
    found = {}
    for package in PACKAGES:
        for module_info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if module_info.name.rsplit(".", 1)[-1] in {"admin", "admin_inlines"} or ".migrations" in module_info.name:
                continue
            module = importlib.import_module(module_info.name)
            for klass in vars(module).values():
                if (inspect.isclass(klass) and issubclass(klass, forms.BaseForm)
                        and klass.__module__ == module.__name__):
                    found[klass.__qualname__] = klass
    return sorted(found.values(), key=lambda k: k.__qualname__)


FORMS = _form_classes()


def _form(klass: type[forms.BaseForm], data: dict | None = None) -> forms.BaseForm:
    kwargs = ARGUMENTS.get(klass.__name__, dict)()
    if issubclass(klass, forms.Form) and "request" in inspect.signature(klass.__init__).parameters:
        kwargs["request"] = None  # Django's sign-in form
    return klass(data=data, **kwargs)


def test_the_walk_finds_the_forms_people_fill_in():
    names = {k.__name__ for k in FORMS}
    assert {"ServiceForm", "LocationForm", "InvitationForm", "RejectForm", "ProblemReportForm", "SearchForm",
            "OrganisationContactForm", "PasswordResetRequestForm", "GapsForm", "WaitUpdateForm"} <= names


def _limited_fields() -> list[tuple[type, str]]:
    cases = []
    for klass in FORMS:
        for name, field in _form(klass).fields.items():
            if getattr(field, "max_length", None) and (klass.__name__, name) not in UNREACHABLE:
                cases.append((klass, name))
    return cases


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize(("klass", "name"), _limited_fields(), ids=lambda v: getattr(v, "__name__", v))
def test_no_length_limited_field_says_djangos_too_long_message(klass, name, language):
    with translation.override(language):
        field = _form(klass).fields[name]
        typed = "x" * (field.max_length + 1)
        form = _form(klass, {name: typed})
        form.is_valid()
        shown = [str(message) for messages in form.errors.values() for message in messages]
        try:
            MaxLengthValidator(field.max_length)(typed)
        except forms.ValidationError as exc:
            django_says = exc.messages[0]
        assert django_says not in shown
        assert not any("Ensure this value" in m or "Sicrhewch fod" in m for m in shown), shown


def _django_wording(field: forms.Field) -> set[str]:
    """Django's own messages for this kind of field and its validators, in the active language."""
    wording = {str(m) for klass in type(field).__mro__ for m in getattr(klass, "default_error_messages", {}).values()}
    for validator in field.validators:
        wording |= {str(m) for m in getattr(type(validator), "messages", {}).values()}  # a decimal's
        if hasattr(type(validator), "message"):
            wording.add(str(type(validator).message))
    return wording


def _reachable_codes(field: forms.Field) -> set[str]:
    """The error codes a person can meet by what they type or choose on the page."""
    codes = {v.code for v in field.validators if getattr(v, "code", None)} - {"null_characters_not_allowed"}
    if field.required:
        codes.add("required")
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField | forms.EmailField
                  | forms.URLField | forms.DateField):
        codes.add("invalid")
    if isinstance(field, forms.DecimalField):
        codes |= {"max_digits", "max_decimal_places", "max_whole_digits"}
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        # A choice taken off the list while the page was open (an organisation, an area).
        codes.add("invalid_choice")
    return codes - {"max_length", "min_length"}  # checked above, by what the form shows


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("klass", FORMS, ids=lambda k: k.__name__)
def test_no_field_keeps_djangos_own_message_for_what_a_person_can_get_wrong(klass, language):
    with translation.override(language):
        form = _form(klass)
        django_worded = []
        for name, field in form.fields.items():
            if (klass.__name__, name) in UNREACHABLE:
                continue
            wording = _django_wording(field)
            for code in sorted(_reachable_codes(field)):
                message = field.error_messages.get(code)
                if message is None:  # a validator's own
                    message = next((getattr(v, "message", None) for v in field.validators if getattr(v, "code", None) == code), None)
                if message is not None and str(message) in wording:
                    django_worded.append(f"{name}/{code}: {message}")
        assert not django_worded


def _text_boxes() -> list[tuple[type, str]]:
    """Every text box of the forms people send (POST) that say things the GOV.UK way."""
    return [
        (klass, name) for klass in FORMS if issubclass(klass, GovukMessages)
        for name, field in _form(klass).fields.items()
        if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput)
        and (klass.__name__, name) not in UNREACHABLE
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "says"), [("en", "had invisible characters in it that cannot be saved"),
                                                ("cy", "roedd ynddo nodau anweledig na ellir eu cadw")])
@pytest.mark.parametrize(("klass", "name"), _text_boxes(), ids=lambda v: getattr(v, "__name__", v))
def test_a_control_character_in_any_text_box_is_taken_out_and_said_for_that_box(klass, name, language, says):
    # A NUL got Django's "Null characters are not allowed." (no box named, nothing to do); an escape
    # character was saved. Pasted text brings them: the box shows the rest, to check and send again.
    with translation.override(language):
        form = _form(klass, {name: "Bangor\x00 Cent\x1bre"})
        assert not form.is_valid()
        shown = [str(message) for message in form.errors.get(name, [])]
        label = str(form.message_names.get(name) or form.fields[name].label)
        assert f"{label}{':' if language == 'cy' else ''} {says}" in " ".join(shown), shown
        assert not any("Null characters" in m or "Null" in m for m in shown), shown
        assert form[name].value() == "Bangor Centre"


def test_the_walk_finds_the_listing_text_boxes():
    names = {(k.__name__, name) for k, name in _text_boxes()}
    assert {("ServiceForm", "name_en"), ("ServiceForm", "description_cy"), ("ServiceForm", "referral_email"),
            ("OrganisationContactForm", "website"), ("LocationForm", "postcode"), ("ProblemReportForm", "comment"),
            ("RejectForm", "reason")} <= names


class _Limited(GovukMessages, forms.Form):
    message_names = {"reason": "The reason"}
    name = forms.CharField(label="Location name", max_length=5, min_length=2)
    reason = forms.CharField(label="Why is this not approved?", max_length=2000)
    phone = forms.CharField(label="Phone", max_length=4, error_messages={"max_length": "Enter one phone number."})


def test_the_mixin_names_the_box_and_its_limit_and_what_was_typed_stays():
    form = _Limited({"name": "Bangor centre", "reason": "r" * 2001, "phone": "12345"})
    assert form.errors == {
        "name": ["Location name must be 5 characters or fewer. It has 13."],
        "reason": ["The reason must be 2,000 characters or fewer. It has 2,001."],
        "phone": ["Enter one phone number."],  # a field's own message stays
    }
    assert form["name"].value() == "Bangor centre"
    assert _Limited({"name": "B"}).errors["name"] == ["Location name must be 2 characters or more. It has 1."]


def test_the_mixin_says_one_character_in_the_singular():
    class One(GovukMessages, forms.Form):
        initial = forms.CharField(label="Initial", max_length=1)

    assert One({"initial": "ab"}).errors["initial"] == ["Initial must be 1 character or fewer. It has 2."]


def test_the_limits_are_said_in_welsh_with_the_plural_forms():
    with translation.override("cy"):
        assert _Limited({"reason": "r" * 2001}).errors["reason"] == [
            "The reason: rhaid iddo fod yn 2,000 o nodau neu lai. Mae ganddo 2,001."]
        assert _Limited({"name": "B"}).errors["name"] == [
            "Location name: rhaid iddo fod yn 2 nod neu fwy. Mae ganddo 1."]
