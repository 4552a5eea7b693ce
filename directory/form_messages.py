"""GOV.UK wording for a box's length limits, in every form people fill in.

Django says "Ensure this value has at most 200 characters (it has 300)." of any box, which names no
box (the error summary had to put the label in front) and reads like a program's. GOV.UK's pattern
is "[whatever it is] must be [number] characters or fewer", as the listing's long boxes already say
(listings/forms.py, TEXT_TOO_LONG). `GovukMessages` gives every length-limited field of a form that
wording, unless the field has a message of its own for it (a web address's, a phone number's).
What was typed stays in the box: the form is shown again with it (no box carries maxlength).

Control characters (NUL and the like, pasted in with text from another program) got Django's
"Null characters are not allowed." for a NUL, named no box and said nothing of what to do, and any
other was saved into a listing. `GovukMessages` takes them out of what is shown again and says so
for the box (`CONTROL_CHARACTERS_TAKEN_OUT`): the person checks it and sends the form again, with
everything else they typed still there.

tests/directory/test_form_messages.py walks every form people can reach and fails on Django's own
wording for a limit, a number, a choice or a required box, so a new field cannot bring it back.
"""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.utils.translation import gettext_lazy, ngettext

from directory import control_characters


def number(n: int) -> str:
    """A count as the messages write it: 3,000 (Welsh writes it so too)."""
    return f"{n:,}"


CONTROL_CHARACTERS_TAKEN_OUT = gettext_lazy(
    "%(label)s had invisible characters in it that cannot be saved (text pasted from another program sometimes "
    "brings them). They have been taken out: check what is in the box, then send the form again."
)


# ngettext on the limit: Welsh has four plural forms ("1 nod", "200 o nodau").
def too_long(label: object, limit: int, count: int) -> str:
    return ngettext(
        "%(label)s must be %(max)s character or fewer. It has %(count)s.",
        "%(label)s must be %(max)s characters or fewer. It has %(count)s.",
        limit,
    ) % {"label": label, "max": number(limit), "count": number(count)}


def too_short(label: object, limit: int, count: int) -> str:
    return ngettext(
        "%(label)s must be %(min)s character or more. It has %(count)s.",
        "%(label)s must be %(min)s characters or more. It has %(count)s.",
        limit,
    ) % {"label": label, "min": number(limit), "count": number(count)}


class _Limit:
    """A length validator that names its box. Raised with Django's code, so a field's own message for
    that code (`error_messages`) still replaces it."""

    def __init__(self, validator: MaxLengthValidator | MinLengthValidator, label: object, say) -> None:
        self.validator, self.label, self.say = validator, label, say
        self.code = validator.code

    def __call__(self, value: str) -> None:
        try:
            self.validator(value)
        except ValidationError:
            raise ValidationError(
                self.say(self.label, self.validator.limit_value, self.validator.clean(value)), code=self.code,
            ) from None


_SAYS = {MaxLengthValidator: too_long, MinLengthValidator: too_short}


def name_limits(field: forms.Field, label: object) -> None:
    """Give the field's length limits GOV.UK wording naming it as `label` (no-op if already given,
    or if the field has its own message for the limit)."""
    field.validators = [
        _Limit(v, label, _SAYS[type(v)]) if type(v) in _SAYS and v.code not in field.error_messages else v
        for v in field.validators
    ]


class GovukMessages:
    """Form mixin (before `forms.Form`/`forms.ModelForm`): every length-limited field says its limit
    the GOV.UK way, naming the field by its label, or by `message_names` where the label does not
    read as a name ("Why is this not approved?")."""

    message_names: ClassVar[dict[str, object]] = {}

    def full_clean(self) -> None:
        # Here, not in __init__: a form's __init__ sets labels after its parents' ("Name (English)").
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            name_limits(field, self.message_names.get(name) or field.label)
        held = self._take_out_control_characters()
        super().full_clean()  # type: ignore[misc]
        for name in held:
            label = self.message_names.get(name) or self.fields[name].label  # type: ignore[attr-defined]
            self.add_error(name, ValidationError(  # type: ignore[attr-defined]
                CONTROL_CHARACTERS_TAKEN_OUT % {"label": label}, code="control_characters"))

    def _take_out_control_characters(self) -> list[str]:
        """The text boxes whose sent value held control characters, now taken out of the form's data
        (so the box shows the rest, valid HTML, to check and send again). Not a password: it is never
        shown again, and Django's own check stays."""
        data, held = self.data, []  # type: ignore[attr-defined]
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.PasswordInput):
                continue
            key = self.add_prefix(name)  # type: ignore[attr-defined]
            values = data.getlist(key) if hasattr(data, "getlist") else [data.get(key)]
            if not any(isinstance(v, str) and control_characters.holds(v) for v in values):
                continue
            if data is self.data:  # type: ignore[attr-defined]
                data = data.copy()  # a request's QueryDict cannot be changed; its copy can
            cleaned = [control_characters.strip(v) if isinstance(v, str) else v for v in values]
            if hasattr(data, "setlist"):
                data.setlist(key, cleaned)
            else:
                data[key] = cleaned[0]
            held.append(name)
        self.data = data
        return held
