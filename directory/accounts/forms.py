from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from directory import mail, mail_language
from directory.accounts.languages import stored_language
from directory.accounts.models import AccountSettings
from directory.bilingual import in_language
from directory.form_messages import GovukMessages
from directory.listings.selectors import organisation_named_exists
from directory.models import Organisation
from servicemap.durations import DAY, duration_text

PASSWORDS_DIFFER = _("The two passwords do not match.")
ORGANISATION_REQUIRED = _("Choose an organisation, or enter the name of a new one.")
ORGANISATION_BOTH = _("Choose an organisation or enter a new name, not both.")
PASSWORD_HELP = _("At least 10 characters, not a common password, not all numbers, not like your email address.")
ORGANISATION_EXISTS = _("An organisation with this name is already listed: choose it from the list above.")
LANGUAGE_REQUIRED = _("Choose the language we should email you in.")
INVITATION_LANGUAGE_INVALID = _("Choose the language of the invitation from the list.")
# Said for each box instead of Django's "This field is required." (GOV.UK: say what to do, for this field).
INVITATION_EMAIL_REQUIRED = _("Enter the work email address of the person you are inviting.")
EMAIL_INVALID = _("Enter an email address in the correct format, like name@example.org.")
INVITATION_TO_SELF = _("This is your own email address: enter the work email address of the person you are inviting.")
INVITATION_TO_MEMBER = _("%(email)s can already edit %(org)s's listings: enter someone else's email address.")
EMAIL_REQUIRED = _("Enter your email address.")
PASSWORD_REQUIRED = _("Enter your password.")
NEW_PASSWORD_REQUIRED = _("Enter a password.")
PASSWORD_AGAIN_REQUIRED = _("Enter the password again, as you typed it in the first box.")


def email_language_field(*, required: bool = True) -> forms.ChoiceField:
    """Welsh or English, for an account's emails (AccountSettings.language; blank: not chosen)."""
    return forms.ChoiceField(
        label=_("Which language should we email you in?"), choices=AccountSettings.Language.choices,
        widget=forms.RadioSelect, required=required,
        error_messages={"required": LANGUAGE_REQUIRED, "invalid_choice": LANGUAGE_REQUIRED},
    )


ACCOUNT_CLOSED_UNUSED = _(
    "This account was closed because it had not been used for %(period)s. If you still need it, ask a "
    "moderator of the directory to open it again. After %(erase_period)s closed, its details are deleted: "
    "then ask a moderator for a new invitation."
)
ACCOUNT_CLOSED = _("This account is closed. If you still need it, ask a moderator of the directory to open it again.")


class SignInForm(AuthenticationForm):
    # The summary's "Enter a correct email address and password" links to the first box (govuk.py).
    non_field_errors_field = "username"
    error_messages = {
        "invalid_login": _("Enter a correct email address and password. The password is case-sensitive."),
        "inactive": ACCOUNT_CLOSED,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].error_messages["required"] = EMAIL_REQUIRED
        self.fields["password"].error_messages["required"] = PASSWORD_REQUIRED
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"})
        # Django autofocuses the username: a keyboard or screen-reader user then starts past the skip
        # link, the header and the page's heading (GOV.UK: avoid autofocus).
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def confirm_login_allowed(self, user) -> None:
        """Only reached with the account's right password (directory/accounts/backends.py): a closed
        account says what to do, to its holder only."""
        if not user.is_active and getattr(getattr(user, "dormancy", None), "closed_at", None):
            raise forms.ValidationError(ACCOUNT_CLOSED_UNUSED % {
                "period": duration_text(settings.CLOSE_UNUSED_ACCOUNTS_DAYS * DAY),
                "erase_period": duration_text(settings.ERASE_CLOSED_ACCOUNTS_DAYS * DAY),
            }, code="inactive")
        super().confirm_login_allowed(user)

    def clean_username(self) -> str:
        """The account's own spelling of an address typed in another case ("Alice@Example.org" signs
        in to alice@example.org: a phone capitalises the first letter). Exact spelling first; an
        address matching two accounts but in case is left as typed."""
        typed = self.cleaned_data["username"].strip()
        if len(typed) > self.username_field.max_length:
            # No account has so long a name. Refused before any look-up: on SQLite one over 50,000
            # characters made the case-blind match raise (a 503 page), and on PostgreSQL django-axes
            # would store one over 255 characters as the failed attempt's username (a 500).
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        accounts = get_user_model().objects.filter(username__iexact=typed)
        names = list(accounts.values_list("username", flat=True)[:2])
        if typed in names or len(names) != 1:
            return typed
        return names[0]


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("Choose a password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=PASSWORD_HELP, error_messages={"required": NEW_PASSWORD_REQUIRED},
    )
    password2 = forms.CharField(
        label=_("Enter the password again"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": PASSWORD_AGAIN_REQUIRED},
    )

    # The page offers it with one ticked; a form sent without it (no choice made) leaves it unchosen:
    # both languages, Welsh first, until its holder chooses on their account page.
    language = email_language_field(required=False)

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["language"].help_text = _("You can change this at any time from your account page.")

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", PASSWORDS_DIFFER)
        elif p1:
            try:
                validate_password(p1, get_user_model()(username=self.email, email=self.email))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class InvitationForm(GovukMessages, forms.Form):
    message_names = {"new_organisation": _("The name of the new organisation")}

    # 254: what an address can be (RFC 5321) and what the invitation stores.
    email = forms.EmailField(
        label=_("Their work email address"), max_length=254,
        error_messages={"required": INVITATION_EMAIL_REQUIRED, "invalid": EMAIL_INVALID},
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"), required=False, label=_("Organisation"),
        empty_label=_("— choose —"),
        error_messages={"invalid_choice": ORGANISATION_REQUIRED},  # one taken off the list while the page was open
    )
    new_organisation = forms.CharField(
        label=_("Or the name of a new organisation"), required=False, max_length=200,
        help_text=_("Leave blank if you chose an organisation above."),
    )
    language = forms.ChoiceField(
        label=_("Which language should the invitation be in?"),
        choices=[
            (mail_language.BOTH, _("Welsh and English, Welsh first")),
            (mail_language.WELSH, _("Welsh")),
            (mail_language.ENGLISH, _("English")),
        ],
        initial=mail_language.BOTH, widget=forms.RadioSelect, required=False,
        # An existing account's own choice wins (services.invitation_language): said, so that a moderator
        # choosing English for someone who chose Welsh is not surprised.
        help_text=_("Choose one language only if you know they prefer it. If they already have an account with a "
                    "language chosen for its emails, the invitation is in that language instead. Someone new "
                    "chooses their language when they accept."),
        error_messages={"invalid_choice": INVITATION_LANGUAGE_INVALID},
    )

    def __init__(self, *args, inviter=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.inviter = inviter  # the moderator sending the invitation, who cannot invite themselves
        # By name as the page shows it (in Welsh, the Welsh name where there is one, else the English).
        self.fields["organisation"].queryset = Organisation.objects.order_by(in_language("name"), "pk")

    def clean_language(self) -> str:
        # Not said (a form sent without it) is not known: both, as the page's own default.
        return self.cleaned_data["language"] or mail_language.BOTH

    def clean(self):
        data = super().clean()
        chosen, new_name = data.get("organisation"), data.get("new_organisation", "").strip()
        if "organisation" in self.errors or "new_organisation" in self.errors:
            return data
        if not chosen and not new_name:
            self.add_error("organisation", ORGANISATION_REQUIRED)
        elif chosen and new_name:
            self.add_error("new_organisation", ORGANISATION_BOTH)
        elif new_name and organisation_named_exists(name=new_name):
            # A second organisation of the same name would leave the provider editing none of its listings.
            self.add_error("new_organisation", ORGANISATION_EXISTS)
        self._refuse_pointless_invitation(data.get("email"), chosen)
        return data

    def _refuse_pointless_invitation(self, email: str | None, organisation: Organisation | None) -> None:
        """An invitation to oneself, or to someone who already edits the organisation's listings,
        was sent without a word: accepting it changes nothing (or fails for the moderator)."""
        if not email:
            return
        if self.inviter is not None and (self.inviter.email or "").lower() == email.strip().lower():
            self.add_error("email", INVITATION_TO_SELF)
        elif organisation and organisation.memberships.filter(user__email__iexact=email.strip()).exists():
            self.add_error("email", INVITATION_TO_MEMBER % {"email": email.strip(), "org": organisation.name})


class MembershipFilterForm(forms.Form):
    """The search of the Invite page's list of who can edit listings (GET: a found list is a link)."""

    people = forms.CharField(
        label=_("Search by organisation name or email address"), required=False, max_length=200,
        error_messages={"max_length": _("Enter 200 characters or fewer to search by organisation name or email address.")},
    )


class AccountSettingsForm(forms.Form):
    """What an account's holder may change for themselves: the language of their emails."""

    language = email_language_field()


class PasswordResetRequestForm(GovukMessages, auth_forms.PasswordResetForm):
    """Django's reset request (it emails only active accounts with a password, and says nothing of
    which addresses have one), sent through directory.mail with a link that starts with SITE_URL,
    after the answer and from a thread of its own, so the answer's timing says nothing either."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email address")
        self.fields["email"].help_text = _("The address you sign in with.")
        self.fields["email"].error_messages = {"required": EMAIL_REQUIRED, "invalid": EMAIL_INVALID}
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})

    def get_users(self, email):
        # An address with no account (or none that may reset) gets the same work as one with an
        # account, on a stand-in never saved (no id): a link made, the message written and handed to
        # a sending thread that sends it to nobody. The answer then takes as long either way; it
        # never waits for the mail server (directory.mail.send_after_response).
        users = list(super().get_users(email))
        return users or [get_user_model()(username=email, email=email)]

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        context = {**context, "site_url": settings.SITE_URL.rstrip("/"),
                   "hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
        # In the account's language, not the page's (anyone may ask for anyone's reset), read here
        # for the stand-in too (the same query). It is written in the sending thread, after the
        # answer, so a message in two languages does not make the answer slower than one in one.
        language = stored_language(context["user"].pk)

        def compose() -> tuple[str, str]:
            letter = mail_language.write(language, lambda: (
                "".join(render_to_string(subject_template_name, context).splitlines()),
                render_to_string(email_template_name, context),
            ))
            return letter.subject, letter.body

        recipients = [to_email] if context["user"].pk is not None else []  # the stand-in is sent nothing
        mail.send_after_response(compose, recipients)


class ResetPasswordForm(auth_forms.SetPasswordForm):
    """Django's new-password form (the same validators as choosing one from an invitation, and
    autocomplete="new-password"), worded as the invitation's."""

    error_messages = {"password_mismatch": PASSWORDS_DIFFER}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Choose a new password")
        self.fields["new_password1"].help_text = PASSWORD_HELP
        self.fields["new_password1"].error_messages["required"] = NEW_PASSWORD_REQUIRED
        self.fields["new_password2"].error_messages["required"] = PASSWORD_AGAIN_REQUIRED
        self.fields["new_password2"].label = _("Enter the password again")
        # Django's hint here ("Enter the same password as before, for verification.") has no Welsh
        # in Django's catalogue, and the invitation's form has no hint for this field either.
        self.fields["new_password2"].help_text = ""

    def clean(self):
        # Django puts what is wrong with the new password against the second box; the first one
        # is where it is chosen (and where the invitation's form puts it).
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)
