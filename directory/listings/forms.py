"""Forms for providers and moderators. Errors are shown with the GOV.UK error summary."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from django import forms
from django.db import models
from django.db.models import Case, Value, When
from django.utils.functional import lazy
from django.utils.translation import get_language, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from directory import personal_data, unusual_waits, vocabulary
from directory.form_messages import GovukMessages
from directory.form_messages import number as _number
from directory.forms import AgeField as SearchAgeField
from directory.forms import WeeksField
from directory.listings import fields, selectors
from directory.models import UNSTATED_FIELDS, Area, Organisation, ProblemReport, Service, Unstated
from directory.postcodes import parse_postcode

AGE_ORDER = _("The youngest age must not be more than the oldest age.")
# Django's own messages for these were wrong or missing in Welsh: "less than or equal to 25" came out
# as "more or less than 25", "Enter a whole number" lacked its mutation, "ebost" was spelt unlike
# the rest of the site. One message per box says what to type instead.
# One message for each box: the error summary listed two identical "Enter an age…" links for a
# range with both ends wrong, which did not say which was which.
AGE_MIN_RANGE = _("Enter the youngest age in years, from 0 to 25, like 4 or 4.5.")
AGE_MAX_RANGE = _("Enter the oldest age in years, from 0 to 25, like 18.")
# The boxes take "4 years" as the search's age box does; an age in months or weeks is not read as years.
AGE_MIN_IN_MONTHS = _("Enter the youngest age in years, not months or weeks: for 18 months, enter 1.5.")
AGE_MAX_IN_MONTHS = _("Enter the oldest age in years, not months or weeks: for 18 months, enter 1.5.")
CAPACITY_INVALID = _("Enter the number of new referrals a year as a whole number, like 40, or leave it blank.")
EMAIL_INVALID = _("Enter an email address in the correct format, like name@example.org.")
REFERRAL_URL_INVALID = _("Enter the referral form's web address, like www.example.org/refer.")
# "https://www.nspcc.org.uk@evil.example/" leads to evil.example: a link that reads as one site and
# goes to another is how a listing would be made to phish the social workers who follow it.
REFERRAL_URL_CREDENTIALS = _(
    "Enter the referral form's web address without a user name or password before an @, like www.example.org/refer."
)
# Said by the server: the inputs carry no maxlength, which cut a pasted link short without a word.
REFERRAL_URL_TOO_LONG = _(
    "Enter a web address of 200 characters or fewer. Online form services usually offer a shorter link to share."
)
REFERRAL_PHONE_TOO_LONG = _(
    "Enter one phone number, in 40 characters or fewer. Put opening hours and other numbers in “How to refer”."
)
# A phone box holding no number ("call us maybe", an email address) was published as the "Phone:" line.
REFERRAL_PHONE_INVALID = _(
    "Enter a phone number, like 029 2012 3456. Put other ways to get in touch in “How to refer”."
)
_NUMBER_ERRORS = ("invalid", "min_value", "max_value", "max_digits", "max_decimal_places", "max_whole_digits")
SUPPORTS_NOBODY = _("Choose who the service supports: the child, parents and carers, or siblings.")
# A listing with none of these ticked is never found by a search that asks for one, and tells a
# social worker nothing about what it works with or who may refer to it.
NO_ABUSE_FORMS = _("Choose the forms of abuse the service works with: searches find it by them.")
NO_REFERRERS = _("Choose who may refer: a professional, a parent or carer, or the young person.")
AREAS_NOT_LISTED = _("Choose the areas from the list.")
NO_AREAS = _(
    "Select the areas the service takes referrals from, or Wales if it takes them from anywhere in Wales. "
    "Only a helpline reached by phone or online alone may select none: it is then listed as a national helpline."
)
PRE_TRIAL_CONFLICT = _(
    "A service cannot both offer pre-trial therapy and require the police investigation or court case to be finished."
)
# A new listing named like one its organisation lists already: most often the same one sent twice (the
# back button, a second click), which a moderator would otherwise have to spot in the queue.
NAME_ALREADY_LISTED = _(
    "%(organisation)s already lists a service called “%(name)s”. To change that listing, edit it; to add "
    "another service, give this one a name that tells them apart."
)
# Beside a fact an imported record did not state (Service.unstated_by_import): the boxes hold what the
# search filters on, which the public never sees as the provider's word.
NOT_STATED_BY_IMPORT = _(
    "Not stated by the import: %(facts)s. The public sees “Not stated”. What the boxes hold lets searches find "
    "the service; change it, or tick that the listing is all still correct when you save, to state it."
)
# ... where a provider's change to them waits for a moderator (the ages): ticking does not state
# them (services.service_confirm).
NOT_STATED_BY_IMPORT_APPROVAL = _(
    "Not stated by the import: %(facts)s. The public sees “Not stated”. What the boxes hold lets searches find "
    "the service; change it to state it: a moderator checks the change before it is published."
)
WEEKS_REQUIRED = _("Enter the wait in weeks, or 0 if there is no wait.")
WEEKS_RANGE = _("Enter a whole number of weeks from 0 to 520.")
WEEKS_INVALID = _("Enter the wait as a whole number of weeks, like 6.")
REFERRALS_OPEN_REQUIRED = _("Say whether the service is taking referrals.")
REASON_REQUIRED = _("Choose what is wrong.")
# Django's "This field is required." says neither which box nor what to put in it (GOV.UK: say
# what to do, for this field). A form sent with nothing in these boxes gets these instead.
ORGANISATION_REQUIRED = _("Choose the organisation that runs the service.")
NAME_REQUIRED = _("Enter the service’s name in English.")
STATUS_REQUIRED = _("Choose whether the service is taking referrals, has paused them or is closed.")
NEW_STATUS_REQUIRED = _("Choose whether the service is taking referrals or has paused them.")
AGE_MIN_REQUIRED = _("Enter the youngest age the service works with, in years, like 4.")
AGE_MAX_REQUIRED = _("Enter the oldest age the service works with, in years, like 18.")
REPORTS_TOO_MANY = ngettext_lazy(
    "Many reports have been sent from your connection in a short time, so this one has not been sent yet. "
    "Try again in about %(minutes)s minute: what you wrote is still here.",
    "Many reports have been sent from your connection in a short time, so this one has not been sent yet. "
    "Try again in about %(minutes)s minutes: what you wrote is still here.",
    "minutes",
)


def _with_max(message: str) -> str:
    """`message % {"max": …}`, translated when shown: `%` on a lazy message translates it at once,
    here at import, so Welsh pages showed it in English."""
    return lazy(lambda: str(message) % {"max": ProblemReport.COMMENT_MAX_LENGTH}, str)()


# What a person may type in each long box of a listing. A 200 KB description was accepted and
# published (and past 2.5 MB the whole form was refused unread). Not on the model: Django holds a
# TextField to no max_length (no validator, no database limit), and an Open Referral feed we import
# may describe a service at more length. Imported text is kept as it came, and saving a listing
# leaves a long box that was not changed alone: the limit is on what is typed here.
TEXT_MAX_LENGTHS = {"description": 3000, "eligibility": 1500, "how_to_refer": 1500}
TEXT_TOO_LONG = _(
    "%(label)s must be %(max)s characters or fewer. It has %(count)s: shorten it, or put the details on your "
    "own website and link to it."
)
TEXT_LENGTH_HINT = _("Up to %(max)s characters.")


def _same_text(typed: str, stored: str) -> bool:
    """A box sent back unchanged: a browser sends its line breaks as CR LF, an import stores LF."""
    return typed.replace("\r\n", "\n").strip() == stored.replace("\r\n", "\n").strip()


def _holds_no_number(phone: str, stored: str) -> bool:
    """Fewer than three digits (999 is the shortest number dialled); what else it holds is the
    provider's ("ext 12", two numbers). An unchanged one, as an import brought it, is kept."""
    return bool(phone) and sum(c.isdigit() for c in phone) < 3 and not _same_text(phone, stored)


def _check_text_length(form: forms.ModelForm, name: str, value: str, max_length: int) -> None:
    """Said by the server, with the text kept: a maxlength on the box would cut a paste short unseen.
    A box sent back as it is stored (an import's longer text) is left alone. A line break counts as
    one character, as the provider sees it (a browser sends it as CR LF: 3,000 characters in ten
    paragraphs were refused as "It has 3,018")."""
    count = len(value.replace("\r\n", "\n"))
    if count > max_length and not _same_text(value, getattr(form.instance, name, None) or ""):
        form.add_error(name, TEXT_TOO_LONG % {
            "label": form.fields[name].label, "max": _number(max_length), "count": _number(count),
        })


def _with_length_hint(hint: str, max_length: int) -> str:
    return lazy(lambda: f"{hint} {TEXT_LENGTH_HINT % {'max': _number(max_length)}}", str)()


class WaitUpdateForm(forms.Form):
    weeks = WeeksField(
        label=_("Current wait in weeks"), min_value=0, max_value=520,
        help_text=_("From referral to first appointment. Enter 0 if there is no wait."),
        # Words with no number ("six", "a month") are told how to write it; a number out of range, the range.
        error_messages={"required": WEEKS_REQUIRED, "invalid": WEEKS_INVALID, "min_value": WEEKS_RANGE,
                        "max_value": WEEKS_RANGE},
        # Ten characters wide: four cut "6 weeks" to "6 wee" and "6 months" to "6 mo" on screen
        # (five, at 375 pixels, "6 month"), while the page said what was wrong with it.
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric"}),
    )
    referrals_open = forms.TypedChoiceField(
        label=_("Taking referrals?"), choices=[("yes", _("Yes, referrals are open")), ("no", _("No, referrals are closed"))],
        coerce=lambda v: v == "yes", widget=forms.RadioSelect, initial="yes",
        error_messages={"required": REFERRALS_OPEN_REQUIRED, "invalid_choice": REFERRALS_OPEN_REQUIRED},
    )
    # The box that confirms an unusually long wait, shown only once it has been asked about
    # (listings/includes/unusual_wait_confirm.html). Its value is the number of weeks it confirms, so
    # ticking it for 200 and then typing 300 asks again.
    confirm_weeks = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, current_weeks: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_weeks = current_weeks
        self.unusual_weeks: int | None = None  # the number asked about, when the form asks

    @property
    def unusual_confirm_label(self) -> str:
        return unusual_waits.confirm_label(self.unusual_weeks) if self.unusual_weeks is not None else ""

    def clean(self):
        data = super().clean()
        weeks = data.get("weeks")
        if unusual_waits.is_unusual(weeks, current=self.current_weeks) and data.get("confirm_weeks") != str(weeks):
            self.unusual_weeks = weeks
            self.add_error("weeks", unusual_waits.unusual_wait_message(weeks))
        return data


# Listings are public and these boxes take free text: a provider describing the service by a case
# it helped could identify a child. Each hint says what the box is for instead.
NO_IDENTIFYING_DETAILS = {
    "description": _(
        "Published on the listing. Describe the service, not anyone who has used it: do not include anything "
        "that could identify a child or family (no names, ages, addresses, dates of birth or case details), "
        "even in an example or a quote."
    ),
    "eligibility": _(
        "Published on the listing. Say who can be referred in general terms: do not include anything that "
        "could identify a child or family (no names, ages, addresses, dates of birth or case details)."
    ),
    "how_to_refer": _(
        "Published on the listing. Say how to refer, not about any one referral: do not include anything that "
        "could identify a child or family (no names, addresses, dates of birth or case details)."
    ),
    "cost_note": _(
        "Published on the listing. Do not include anything that could identify a child or family, such as who "
        "has been charged or funded."
    ),
}


def _booleans(mapping: dict[str, str]) -> list[str]:
    return list(mapping.values())


class AgeField(SearchAgeField):
    """An age in years, typed as the search's age box takes it ("4", "4.5", "4 years", "4 oed"), shown
    as a person types it: a stored age ("18.0") or a pending proposal's ("17.0") as 18, 17, 4.5."""

    def prepare_value(self, value):
        return fields.age_text(value) if value not in (None, "") else value


def _formfield(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"  # a link typed without a scheme is https (Django 6 default)
    if model_field.name in fields.DECIMAL_FIELDS:
        kwargs["form_class"] = AgeField
    return model_field.formfield(**kwargs)


# The areas picker's groups, in the page's order: the nation last, after the boards it contains.
AREA_GROUPS = {
    Area.Kind.LOCAL_AUTHORITY: _("Local authorities"),
    Area.Kind.HEALTH_BOARD: _("Health boards"),
    Area.Kind.SAFEGUARDING_REGION: _("Regional safeguarding boards"),
    Area.Kind.NATION: _("All of Wales"),
}


class AreaChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return obj.display_name  # Welsh on Welsh pages, as the public search names them

    def group_heading(self, obj: Area) -> str:
        """The heading a box is shown under (templatetags.govuk: one heading where it changes)."""
        return str(AREA_GROUPS.get(obj.kind, obj.get_kind_display()))


class TelInput(forms.TextInput):
    input_type = "tel"  # a phone's dialling keypad (Django has no widget of its own for it)


class ServiceForm(GovukMessages, forms.ModelForm):
    """Every editable field of a service. `fieldsets` gives the page its order and grouping."""

    message_names = {"name_cy": _("Name (Welsh)")}  # not "Name (Welsh, optional) must be …"

    coverage_areas = AreaChoiceField(
        # Local authorities first, then health boards, safeguarding boards and the nation (AREA_GROUPS).
        queryset=Area.objects.annotate(
            kind_order=Case(*(When(kind=kind, then=Value(i)) for i, kind in enumerate(AREA_GROUPS)), default=Value(9))
        ).order_by("kind_order", "kind", "name"),
        required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Areas it takes referrals from"),
        # An area taken off the list while the page was open.
        error_messages=dict.fromkeys(("invalid_choice", "invalid_pk_value", "invalid_list"), AREAS_NOT_LISTED),
        help_text=_(
            "Where the service accepts referrals from, not where it is based. A board, or all of Wales, includes "
            "every local authority in it: a search for any of them finds the service."
        ),
    )
    confirm_rest = forms.BooleanField(
        required=False, label=_("I have checked the rest of this listing and it is all still correct"),
        help_text=_("Tick to also record today as the date the listing was last confirmed. Saving an edit alone does not."),
    )

    class Meta:
        model = Service
        formfield_callback = _formfield
        fields = [f for f in fields.EDITABLE_FIELDS if f != fields.COVERAGE]
        widgets = {
            "description_en": forms.Textarea(attrs={"rows": 4}),
            "description_cy": forms.Textarea(attrs={"rows": 4}),
            "eligibility_en": forms.Textarea(attrs={"rows": 3}),
            "eligibility_cy": forms.Textarea(attrs={"rows": 3}),
            "how_to_refer_en": forms.Textarea(attrs={"rows": 3}),
            "how_to_refer_cy": forms.Textarea(attrs={"rows": 3}),
            "status": forms.RadioSelect,
            # The dialling keypad on a phone, as the organisation's number has: a text box opened letters.
            "referral_phone": TelInput,
        }

    fieldsets = [
        (_("About the service"), "", ["name_en", "name_cy", "description_en", "description_cy"]),
        # The status is moderated; the wait update's "Taking referrals?" is published at once. A provider
        # whose list is full for a while needs the second, and must know it exists.
        (_("Status"), _("A change of status is published once a moderator approves it. To stop or restart new "
                        "referrals at once, for example while your waiting list is full, answer “Taking referrals?” "
                        "when you update the waiting time on your dashboard."), ["status"]),
        (_("Forms of abuse it works with"), _("Select all that apply."), _booleans(vocabulary.ABUSE_FORM_FIELDS)),
        (_("Who it supports"), _("Select all that apply."), _booleans(vocabulary.AUDIENCE_FIELDS)),
        (_("Age range"), _("In years, e.g. 4 to 18."), ["age_min", "age_max"]),
        (_("Who may refer"), _("Select all that apply."), _booleans(vocabulary.REFERRER_FIELDS)),
        (
            _("Referral criteria"), "",
            ["disclosure_required", "pre_trial_therapy", "requires_proceedings_finished", "eligibility_en",
             "eligibility_cy"],
        ),
        (_("Areas covered"), "", ["coverage_areas"]),
        (_("Kinds of support"), _("Select all that apply."), _booleans(vocabulary.SUPPORT_KIND_FIELDS)),
        (
            _("How to refer"), "",
            ["how_to_refer_en", "how_to_refer_cy", "referral_url", "referral_email", "referral_phone"],
        ),
        (_("How it is delivered"), _("Select all that apply."), _booleans(vocabulary.DELIVERY_MODE_FIELDS)),
        (_("Language and cost"), "", ["welsh_available", "other_languages", "is_free", "cost_note",
                                      "capacity_per_year"]),
    ]

    def __init__(self, *args, organisations=None, show_approval_tags: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_approval_tags = show_approval_tags
        # The fields `initial` fills in (a provider's pending proposal): their boxes hold what was stated.
        self.proposed = frozenset(kwargs.get("initial") or ())
        if (get_language() or "en").startswith("cy"):
            # Welsh names in Welsh order within each group (Caerdydd under C), as the search's list.
            areas = self.fields["coverage_areas"]
            areas.queryset = areas.queryset.order_by("kind_order", "kind", "name_cy", "name")
        if organisations is not None:
            self.fields["organisation"] = forms.ModelChoiceField(
                queryset=organisations, label=_("Organisation"), empty_label=None,
                error_messages={"required": ORGANISATION_REQUIRED, "invalid_choice": ORGANISATION_REQUIRED},
            )
        # The page's order, which the error summary follows (GOV.UK: the summary lists errors in
        # the order the fields appear on the page).
        self.order_fields(["organisation", *(name for _legend, _hint, names in self.fieldsets for name in names)])
        if self.instance.pk and "coverage_areas" not in self.initial:
            self.initial["coverage_areas"] = list(self.instance.coverage_areas.all())
        self.fields["name_en"].required = True
        self.fields["name_en"].label = _("Name (English)")
        self.fields["name_cy"].label = _("Name (Welsh, optional)")
        for base in ("description", "eligibility", "how_to_refer"):
            self.fields[f"{base}_en"].label = f"{fields.field_label(base + '_en')}"
            self.fields[f"{base}_cy"].label = f"{fields.field_label(base + '_cy')}"
            self.fields[f"{base}_en"].help_text = self.fields[f"{base}_cy"].help_text = _with_length_hint(
                NO_IDENTIFYING_DETAILS[base], TEXT_MAX_LENGTHS[base])
        self.fields["cost_note"].help_text = NO_IDENTIFYING_DETAILS["cost_note"]
        self.fields["age_min"].label = fields.AGE_LABELS["age_min"]
        self.fields["age_max"].label = fields.AGE_LABELS["age_max"]
        # A field's own messages also replace the model validators' ones of the same code (0 to 25).
        for name, message in (("age_min", AGE_MIN_RANGE), ("age_max", AGE_MAX_RANGE), ("capacity_per_year", CAPACITY_INVALID)):
            self.fields[name].error_messages.update(dict.fromkeys(_NUMBER_ERRORS, message))
        self.fields["age_min"].error_messages["in_months"] = AGE_MIN_IN_MONTHS
        self.fields["age_max"].error_messages["in_months"] = AGE_MAX_IN_MONTHS
        for name, message in (("name_en", NAME_REQUIRED), ("status", STATUS_REQUIRED),
                              ("age_min", AGE_MIN_REQUIRED), ("age_max", AGE_MAX_REQUIRED)):
            self.fields[name].error_messages["required"] = message
        self.fields["status"].error_messages["invalid_choice"] = STATUS_REQUIRED
        if not self.instance.pk:
            # A new listing is a service that runs: "Closed" would publish one nobody can refer to.
            status = self.fields["status"]
            status.choices = [(value, label) for value, label in status.choices if value != Service.Status.CLOSED]
            status.error_messages.update(required=NEW_STATUS_REQUIRED, invalid_choice=NEW_STATUS_REQUIRED)
        self.fields["referral_email"].error_messages["invalid"] = EMAIL_INVALID
        self.fields["referral_url"].error_messages.update(invalid=REFERRAL_URL_INVALID, max_length=REFERRAL_URL_TOO_LONG)
        self.fields["referral_phone"].error_messages["max_length"] = REFERRAL_PHONE_TOO_LONG
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.label = str(field.label)[:1].upper() + str(field.label)[1:]

    def _unstated(self, names: list[str]) -> str:
        """What of these fields an import left unsaid, said for the people who can state it ("" if nothing)."""
        # Not one whose boxes hold a proposal waiting for a moderator: its provider stated that.
        facts = [str(Unstated(code).label) for code in getattr(self.instance, "unstated_by_import", None) or ()
                 if code in UNSTATED_FIELDS and not set(UNSTATED_FIELDS[code]).isdisjoint(names)
                 and set(UNSTATED_FIELDS[code]).isdisjoint(self.proposed)]
        if not facts:
            return ""
        approval = self.show_approval_tags and not set(names).isdisjoint(fields.MODERATED_FIELDS)
        return str(NOT_STATED_BY_IMPORT_APPROVAL if approval else NOT_STATED_BY_IMPORT) % {"facts": ", ".join(facts)}

    def grouped(self) -> list[dict]:
        groups = []
        for legend, hint, names in self.fieldsets:
            bound = [self[name] for name in names]
            groups.append(
                {
                    "legend": legend,
                    "hint": hint,
                    "unstated": self._unstated(names),
                    "fields": bound,
                    "checkboxes": all(isinstance(self.fields[n].widget, forms.CheckboxInput) for n in names),
                    # One question (the status): its radios' legend is the section's heading, said once.
                    # (CheckboxSelectMultiple is a RadioSelect too: the areas stay a list of boxes under a heading.)
                    "radios": len(names) == 1 and isinstance(self.fields[names[0]].widget, forms.RadioSelect)
                    and not self.fields[names[0]].widget.allow_multiple_selected,
                    "needs_approval": self.show_approval_tags and any(n in fields.MODERATED_FIELDS for n in names),
                    "errors": [e for b in bound for e in b.errors],
                }
            )
        return groups

    def clean_referral_phone(self) -> str:
        phone = self.cleaned_data["referral_phone"]
        if _holds_no_number(phone, getattr(self.instance, "referral_phone", "") or ""):
            raise forms.ValidationError(REFERRAL_PHONE_INVALID)
        return phone

    def clean_referral_url(self) -> str:
        url = self.cleaned_data["referral_url"]
        if "@" in urlsplit(url).netloc:
            raise forms.ValidationError(REFERRAL_URL_CREDENTIALS, code="credentials")
        return url

    def clean(self):
        data = super().clean()
        age_min, age_max = data.get("age_min"), data.get("age_max")
        if age_min is not None and age_max is not None and Decimal(age_min) > Decimal(age_max):
            self.add_error("age_min", AGE_ORDER)
        audiences = [data.get(f) for f in vocabulary.AUDIENCE_FIELDS.values()]
        if not any(audiences):
            self.add_error("supports_child", SUPPORTS_NOBODY)
        for group, message in ((vocabulary.ABUSE_FORM_FIELDS, NO_ABUSE_FORMS), (vocabulary.REFERRER_FIELDS, NO_REFERRERS)):
            names = [name for name in group.values() if name in self.fields]
            if names and not any(data.get(name) for name in names):
                self.add_error(names[0], message)
        if "coverage_areas" not in self.errors and fields.lists_no_area_it_needs(data):
            self.add_error("coverage_areas", NO_AREAS)
        if data.get("pre_trial_therapy") and data.get("requires_proceedings_finished"):
            self.add_error("requires_proceedings_finished", PRE_TRIAL_CONFLICT)
        check_name_not_listed(self, data)
        self._check_text_lengths(data)
        return data

    def _check_text_lengths(self, data: dict) -> None:
        for base, max_length in TEXT_MAX_LENGTHS.items():
            for name in (f"{base}_en", f"{base}_cy"):
                _check_text_length(self, name, data.get(name) or "", max_length)

def check_name_not_listed(form: forms.ModelForm, data: dict) -> None:
    """Two listings of one organisation under one name, in English or in Welsh, look the same on
    its dashboard, the moderators' queue and the search: the form's `name_en` / `name_cy` refused
    with NAME_ALREADY_LISTED (the listings' pages and the Django admin alike). A listing's Welsh
    name is read as its English one where it has none (as the Welsh pages show it). A name an edit
    leaves as it was is not checked again: two listings named alike before this check must stay editable."""
    instance = form.instance
    # The admin's form may move a listing to another organisation; the listings' edit page may not.
    if "organisation" in form.fields or instance.pk is None:
        organisation = data.get("organisation")
    else:
        organisation = instance.organisation
    name_en, name_cy = (data.get("name_en") or "").strip(), (data.get("name_cy") or "").strip()
    if organisation is None or not name_en:
        return
    moved = instance.pk is not None and organisation.pk != instance.organisation_id
    stored_en = "" if moved else (instance.name_en or "").strip()
    read = {"name_en": ("en", name_en, stored_en),
            "name_cy": ("cy", name_cy or name_en, "" if moved else (instance.name_cy or "").strip() or stored_en)}
    for field, (language, name, stored) in read.items():
        if field in form.errors or (field == "name_cy" and not name_cy and "name_en" in form.errors):
            continue  # an English name already refused is not said twice
        if stored and selectors.name_key(name) == selectors.name_key(stored):
            continue
        if selectors.service_named_exists(
            organisation_id=organisation.pk, name=name, language=language, exclude_id=instance.pk,
        ):
            form.add_error(field, NAME_ALREADY_LISTED % {"organisation": organisation.name, "name": name})


ORGANISATION_PHONE_INVALID = _("Enter a phone number, like 029 2012 3456.")
ORGANISATION_PHONE_TOO_LONG = _("Enter one phone number, in 40 characters or fewer.")
WEBSITE_INVALID = _("Enter the organisation’s website address, like www.example.org.")
WEBSITE_CREDENTIALS = _(
    "Enter the website address without a user name or password before an @, like www.example.org."
)
WEBSITE_TOO_LONG = _("Enter a web address of 200 characters or fewer.")
ORGANISATION_DESCRIPTION_HINT = _(
    "What the organisation is and does, published with its listings in the directory’s open data. Describe the "
    "organisation, not anyone it has helped: do not include anything that could identify a child or family."
)


class OrganisationContactForm(GovukMessages, forms.ModelForm):
    """How to reach an organisation and what it is: shown on each of its services' pages and in the
    Open Referral feed. Validated as a listing's own contact details are (ServiceForm)."""

    class Meta:
        model = Organisation
        formfield_callback = _formfield
        fields = list(fields.ORGANISATION_CONTACT_FIELDS)
        labels = {
            "phone": _("Phone number"),
            "email": _("Email address"),
            "website": _("Website"),
        }
        help_texts = {
            "phone": _("The organisation’s main number, shown on each of its services’ pages. One number, "
                       "like 029 2012 3456."),
            "email": _("Shown on each of its services’ pages. Use a shared address, like info@example.org, "
                       "not a person’s own."),
            "website": _("Its home page, like www.example.org."),
        }
        widgets = {
            # The keypads and autofill of each kind of box, and no spelling marks under an address.
            "phone": TelInput(attrs={"autocomplete": "tel", "class": "govuk-input--width-20"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
            "website": forms.URLInput(attrs={"autocomplete": "url", "spellcheck": "false"}),
            "description_en": forms.Textarea(attrs={"rows": 5}),
            "description_cy": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description_en"].label = _("Description (English)")
        self.fields["description_cy"].label = _("Description (Welsh, optional)")
        for name in ("description_en", "description_cy"):
            self.fields[name].help_text = _with_length_hint(ORGANISATION_DESCRIPTION_HINT, TEXT_MAX_LENGTHS["description"])
        self.fields["phone"].error_messages["max_length"] = ORGANISATION_PHONE_TOO_LONG
        self.fields["email"].error_messages["invalid"] = EMAIL_INVALID
        self.fields["website"].error_messages.update(invalid=WEBSITE_INVALID, max_length=WEBSITE_TOO_LONG)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if _holds_no_number(phone, self.instance.phone or ""):
            raise forms.ValidationError(ORGANISATION_PHONE_INVALID)
        return phone

    def clean_website(self) -> str:
        url = self.cleaned_data["website"]
        if "@" in urlsplit(url).netloc:
            raise forms.ValidationError(WEBSITE_CREDENTIALS, code="credentials")
        return url

    def clean(self) -> dict:
        data = super().clean()
        for name in ("description_en", "description_cy"):
            _check_text_length(self, name, data.get(name) or "", TEXT_MAX_LENGTHS["description"])
        return data


class ServiceListFilterForm(forms.Form):
    """Search and filters of the all-services list (GET: a filtered list is a link to share)."""

    q = forms.CharField(
        label=_("Search by service or organisation name"), required=False, max_length=200,
        error_messages={"max_length": _("Enter 200 characters or fewer to search by name.")},
    )
    show = forms.MultipleChoiceField(
        label=_("Show only services that"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[
            (selectors.SHOW_WAIT_DUE, _("have no wait given, or one over 6 weeks old")),
            (selectors.SHOW_OVERDUE, _("were not confirmed in the last 12 months")),
            (selectors.SHOW_PAUSED_CLOSED, _("are paused or closed")),
            (selectors.SHOW_REPORTS, _("have open problem reports")),
            (selectors.SHOW_PENDING, _("have a change waiting for approval")),
            (selectors.SHOW_REJECTED, _("had their latest change not approved")),
            # A wait that long was confirmed as meant, or came from an import or the admin: worth a second look.
            (selectors.SHOW_UNUSUAL_WAIT, _("have a wait over two years (104 weeks)")),
        ],
        error_messages={"invalid_choice": _("Choose only from the filters listed.")},
    )


class TypedTextField(forms.CharField):
    """A text box whose line breaks count as one character each, as the person sees them: browsers send
    them as CR LF, and a comment of 300 characters over a few lines was refused as "It has 304"."""

    def to_python(self, value: object) -> str:
        text = super().to_python(value)
        return text.replace("\r\n", "\n")


class ProblemReportForm(GovukMessages, forms.Form):
    # Over the limit: "Your comment must be 300 characters or fewer. It has 412." (form_messages.too_long),
    # the count of what was typed, which is kept in the box to shorten.
    message_names = {"comment": _("Your comment")}

    reason = forms.ChoiceField(
        label=_("What is wrong?"), choices=ProblemReport.Reason.choices, widget=forms.RadioSelect,
        error_messages={"required": REASON_REQUIRED, "invalid_choice": REASON_REQUIRED},
    )
    comment = TypedTextField(
        label=_("Anything else we should know? (optional)"), required=False,
        max_length=ProblemReport.COMMENT_MAX_LENGTH,
        help_text=_with_max(_(
            "Do not include anything that could identify a child or family: no names, ages, "
            "addresses, dates of birth or case details. %(max)s characters at most."
        )),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if comment := data.get("comment"):
            # A service's own new address is a fair correction; anyone else's postcode is not.
            contact = data.get("reason") == ProblemReport.Reason.CONTACT_DETAILS
            if found := personal_data.findings(comment, postcodes_allowed=contact):
                self.add_error("comment", personal_data.refusal(found))
        return data


class RejectForm(GovukMessages, forms.Form):
    message_names = {"reason": _("The reason")}

    reason = forms.CharField(
        label=_("Why is this not approved?"), max_length=2000,
        help_text=_(
            "The provider is emailed this reason, and it is shown on their dashboard and in the listing's history. "
            "Say what to fix in the listing: do not include anything that could identify a child or family (no "
            "names, ages, addresses, dates of birth or case details)."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give a reason so the provider knows what to fix.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"]
        if found := personal_data.findings(reason, postcodes_allowed=True):  # the service's own address
            raise forms.ValidationError(personal_data.refusal(found))
        return reason




LOCATION_NAME_REQUIRED = _("Enter the location’s name, like “Main office” or “Bangor centre”.")
LOCATION_POSTCODE_INVALID = _("Enter a full postcode, like CF10 1EP, or leave the postcode blank.")


LOCATION_NAME_HOLDS_POSTCODE = _(
    "Take the postcode out of the location's name: the name is published even when the address is not. "
    "Put the postcode in the postcode box."
)


class LocationForm(GovukMessages, forms.Form):
    """One place a service is based. Its map point comes from the postcode, never from the provider."""

    name = forms.CharField(
        label=_("Location name"), max_length=200, error_messages={"required": LOCATION_NAME_REQUIRED},
        help_text=_("Published even when the address is not, so do not put the address in it."),
    )
    name_cy = forms.CharField(
        label=_("Location name in Welsh (optional)"), max_length=200, required=False,
        help_text=_("Shown on Welsh pages. If you leave it empty, they show the name above."),
        # The browser checks the spelling, and a screen reader reads what is typed, in Welsh.
        widget=forms.TextInput(attrs={"lang": "cy"}),
    )
    address_1 = forms.CharField(label=_("Address line"), max_length=200, required=False)
    city = forms.CharField(label=_("Town or city"), max_length=100, required=False)
    county = forms.CharField(label=_("County"), max_length=100, required=False)
    postcode = forms.CharField(
        label=_("Postcode"), max_length=10, required=False,
        error_messages={"max_length": LOCATION_POSTCODE_INVALID},
        help_text=_("The map shows the location at its postcode."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )
    do_not_publish_address = forms.BooleanField(
        label=_("Do not publish this address"), required=False,
        # Said as it is: the service's page names no withheld location, only that an address is not published.
        help_text=_("For example a refuge or a therapy house: no address and no map point are published. The "
                    "service’s page says only that an address is not published; its open data gives the "
                    "location’s name."),
    )

    message_names = {"name_cy": _("Location name in Welsh")}  # not "… (optional) must be …"

    def clean_name(self) -> str:
        return self._name_without_address("name")

    def clean_name_cy(self) -> str:
        return self._name_without_address("name_cy")

    def _name_without_address(self, field: str) -> str:
        name = self.cleaned_data[field]
        found = personal_data.findings(name)
        if personal_data.POSTCODE in found:
            # A withheld address would be published through its name.
            raise forms.ValidationError(LOCATION_NAME_HOLDS_POSTCODE, code="postcode")
        if found:
            raise forms.ValidationError(personal_data.refusal(found), code="personal")
        return name

    def clean_postcode(self) -> str:
        raw = self.cleaned_data["postcode"]
        if not raw.strip():
            return ""
        parsed = parse_postcode(raw)
        if parsed is None or parsed.kind != "unit":
            raise forms.ValidationError(LOCATION_POSTCODE_INVALID, code="invalid")
        return parsed.text
