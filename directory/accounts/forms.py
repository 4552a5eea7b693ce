from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from directory.models import Organisation

PASSWORDS_DIFFER = _("The two passwords do not match.")
ORGANISATION_REQUIRED = _("Choose an organisation, or enter the name of a new one.")


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Enter a correct email address and password. Both may be case-sensitive."),
        "inactive": _("This account is inactive."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("Choose a password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not a common password, not all numbers, not like your email address."),
    )
    password2 = forms.CharField(
        label=_("Enter the password again"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", PASSWORDS_DIFFER)
        elif p1:
            from django.contrib.auth import get_user_model

            try:
                validate_password(p1, get_user_model()(username=self.email, email=self.email))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Their work email address"))
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"), required=False, label=_("Organisation"),
        empty_label=_("— choose —"),
    )
    new_organisation = forms.CharField(
        label=_("Or the name of a new organisation"), required=False, max_length=200,
        help_text=_("Leave blank if you chose an organisation above."),
    )

    def clean(self):
        data = super().clean()
        if not data.get("organisation") and not data.get("new_organisation", "").strip():
            self.add_error("organisation", ORGANISATION_REQUIRED)
        return data


