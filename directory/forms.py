"""The social workers' search form (GET: every field lives in the query string)."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from directory import local_authorities, postcodes, reference_data, vocabulary
from directory.models import Area
from directory.selectors import SORT_BEST, SORTS, local_authority_choices

# A shared search link is a few hundred characters; anything far longer is not one of ours.
MAX_QUERY_STRING = 2000
QUERY_TOO_LONG = _("That search link is too long to be a search. Start a new search below.")

NO_LOCATION = _("Enter the child's postcode, or choose their local authority")
AGE_INVALID = _("Enter the child's age as a number, like 9")
# A social worker with a baby types months ("6 months"): say how to give that in years.
AGE_IN_MONTHS = _("Enter the child's age in years, like 9 or 1.5. For a baby under 1, enter 0")
AGE_RANGE = _("The child's age must be between 0 and 25")
AGE_PLACES = _("Enter the child's age with at most two decimal places, like 9.5")
WAIT_INVALID = _("Enter the longest acceptable wait as a whole number of weeks, like 8")
WAIT_RANGE = _("The longest acceptable wait must be between 0 and 520 weeks")
UNKNOWN_CHOICE = _("“%(value)s” is not one of the options. Choose from the list.")
UNKNOWN_LA = _("Choose a local authority from the list")
# The heading the form puts its yes/no fields under (search_form.html).
SITUATION = _("The child's situation")


def _multi(label, choices, help_text="") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple, help_text=help_text,
        error_messages={"invalid_choice": UNKNOWN_CHOICE},
    )


# "9 years", "9yrs", "9 oed", "9 mlwydd oed": the hint says "In years", and people type the word too.
_YEARS_AFTER = re.compile(r"\s*(?:y|yrs?|years?(?:\s+old)?|oed|(?:m|b)lwydd(?:\s+oed)?|(?:bl|fl|ml)ynedd)\.?$", re.I)


# "6 months", "18 mths", "6m", "6 weeks", "6 mis", "dau fis", "6 wythnos": an age given in smaller units.
_MONTHS_OR_WEEKS = re.compile(
    r"(?:\b|(?<=\d))(?:months?|mths?|mnths?|mos?|m|mis|fis|misoedd|weeks?|wks?|wythnos(?:au)?)\b", re.I,
)


def _stripped(value: object) -> object:
    """A box's text without the spaces around it: Django's number fields strip nothing, so a box of
    spaces alone was "not a number" (the invalid message) rather than empty (the required one)."""
    return value.strip() if isinstance(value, str) else value


class AgeField(forms.DecimalField):
    """A child's age in years, with or without the word for years after the number."""

    default_error_messages = {"in_months": AGE_IN_MONTHS}

    def to_python(self, value: object) -> Decimal | None:
        value = _stripped(value)
        if isinstance(value, str) and _MONTHS_OR_WEEKS.search(value):
            raise forms.ValidationError(self.error_messages["in_months"], code="in_months")
        if isinstance(value, str) and value[:1].isdigit():
            value = _YEARS_AFTER.sub("", value)
        return super().to_python(value)


# "6 weeks", "6 wks", "6 wythnos": the label says weeks, and people type the word too (as the
# age box takes "9 years"). The search's longest wait and the provider's wait box both take it.
_WEEKS_AFTER = re.compile(r"\s*(?:weeks?|wks?|w|wythnos(?:au)?)\.?$", re.I)


class WeeksField(forms.IntegerField):
    """A whole number of weeks, with or without the word for weeks after it."""

    def to_python(self, value: object) -> int | None:
        value = _stripped(value)
        if isinstance(value, str) and value[:1].isdigit():
            value = _WEEKS_AFTER.sub("", value)
        return super().to_python(value)


class LocalAuthorityField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return obj.display_name

    def to_python(self, value: object) -> Area | None:
        # From this process's copy for the directory's version, not a query per search (the
        # field's queryset, `local_authority_choices`, holds the same areas: every local authority).
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        area = local_authorities.by_code(str(value))
        if area is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return area


@dataclass(frozen=True)
class Place:
    lad_code: str
    point: tuple[float, float] | None
    postcode: str  # normalised, or "" when only a local authority was chosen
    from_centre: bool  # distances are from the local authority's centre, not a postcode
    # The page says so when the search's area may not be the child's (the results say what to do):
    postcode_elsewhere: str = ""  # the chosen local authority is not the postcode's: the postcode's, named
    split_share: float | None = None  # a part postcode spans authorities: the share in `lad_code`
    # ... and the Welsh authority with most of the rest, if any (named, and its code for a link to it).
    split_other: str = ""
    split_other_code: str = ""
    unknown_postcode: str = ""  # a postcode typed with the local authority chosen, but not found: said so
    # The postcode is a sector cut from a full postcode (directory/postcode_privacy.py): said so.
    cut: bool = False

    @property
    def split_percent(self) -> int | None:
        return None if self.split_share is None else round(self.split_share * 100)


# In a search's address, "cut=1" says its postcode is a sector cut from a full one (postcode_privacy.py).
CUT_FLAG = "cut"

# Below this share of a part postcode's postcodes in its main local authority, the page says the
# child may live in another (SA4: 92% Swansea, the rest Carmarthenshire).
SPLIT_WARNING_SHARE = 0.95


def _area_name(code: str) -> str:
    area = local_authorities.by_code(code)
    if area is not None:
        return area.display_name
    return reference_data.gb_local_authority_name(code) or code


def _postcode_place(
    parsed: postcodes.ParsedPostcode, found: postcodes.PostcodePoint, la: Area | None, *, cut: bool = False,
) -> Place:
    """The search's place from a postcode found (and the local authority chosen, if any)."""
    point = (found.latitude, found.longitude)
    split = found.lad_share < SPLIT_WARNING_SHARE
    if la is not None:
        # A chosen local authority decides whose referrals count; the postcode gives distances.
        # (A child placed out of area is referred by the authority looking after them.) Where
        # the two differ the page says so: it is as often a choice left from the last search.
        # Not where a part postcode is partly in the one chosen ("HR3" and Powys, or the few
        # postcodes of a sector in another authority: a full postcode cut to its sector keeps its
        # authority so, postcode_privacy.py): the child may live in either.
        differs = la.code != found.lad_code and not (
            (split or parsed.kind != "unit") and postcodes.holds_welsh_authority(parsed, la.code))
        return Place(la.code, point, found.postcode, False, cut=cut,
                     postcode_elsewhere=_area_name(found.lad_code) if differs else "")
    if not split:
        return Place(found.lad_code, point, found.postcode, False, cut=cut)
    other = next((code for code in postcodes.welsh_authorities_within(parsed) if code != found.lad_code), "")
    return Place(found.lad_code, point, found.postcode, False, split_share=found.lad_share, cut=cut,
                 split_other=_area_name(other) if other else "", split_other_code=other)


class SearchForm(forms.Form):
    postcode = forms.CharField(
        # Room for a postcode pasted with stray spaces or punctuation (the parser reads at most 8 characters
        # of it) and for a local authority's name typed instead: the longest, "Castell-nedd Port Talbot", is 24.
        label=_("Postcode"), required=False, max_length=40,
        # The search is in the page's address, which is shared and kept in browser history: the
        # first part (a district or sector, thousands of homes) finds the same services, and a full
        # postcode is cut to its sector before it goes there (postcode_privacy.py).
        help_text=_("The first part is enough, like CF10 1. A full postcode is cut to its first part, so it is "
                    "not kept in the page address."),
        error_messages={"max_length": postcodes.MALFORMED},
    )
    la = LocalAuthorityField(
        label=_("Or choose their local authority"), queryset=Area.objects.none(), required=False,
        to_field_name="code", empty_label=_("Choose a local authority"),
        error_messages={"invalid_choice": UNKNOWN_LA},
    )
    age = AgeField(
        # Two places: 10.25 (ten and a quarter) is an age; three whole digits are out of range anyway.
        label=_("Child's age"), required=False, max_digits=4, decimal_places=2,
        help_text=_("In years"),
        error_messages={
            "invalid": AGE_INVALID, "max_digits": AGE_RANGE, "max_whole_digits": AGE_RANGE,
            "max_decimal_places": AGE_PLACES,
        },
    )
    abuse_form = _multi(_("Forms of abuse"), vocabulary.ABUSE_FORMS)
    # Any of those chosen, not all: the child, mother and sibling ticked listed services for the child
    # alone, and a social worker could take each for one that also supports the family.
    audience = _multi(
        _("Who needs support"), vocabulary.AUDIENCES,
        help_text=_("Services that support any of those you choose are listed: each result says whom it supports."),
    )
    no_disclosure = forms.BooleanField(label=_("No verbal disclosure yet"), required=False)
    proceedings_ongoing = forms.BooleanField(
        label=_("A police investigation or court case is ongoing (needs pre-trial therapy)"), required=False,
    )
    delivery = _multi(_("How support is given"), vocabulary.DELIVERY_MODES)
    welsh = forms.BooleanField(label=_("Support in Welsh"), required=False)
    max_wait = WeeksField(
        label=_("Longest acceptable wait, in weeks"), required=False,
        error_messages={"invalid": WAIT_INVALID},
    )
    referrer = forms.ChoiceField(
        label=_("I am"), required=False,
        choices=[("", _("Any"))] + [(c, label) for c, label in vocabulary.REFERRERS],
        widget=forms.RadioSelect, error_messages={"invalid_choice": UNKNOWN_CHOICE},
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=SORTS, error_messages={"invalid_choice": UNKNOWN_CHOICE},
    )

    def __init__(self, *args, directory_version: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["la"] = _la_field()
        self.place: Place | None = None
        # The directory's version as the caller read it for this request (none: read when needed).
        self.directory_version = directory_version

    def full_clean(self) -> None:
        with local_authorities.at_version(self.directory_version):
            super().full_clean()

    def clean_age(self) -> Decimal | None:
        age = self.cleaned_data.get("age")
        if age is not None and not (0 <= age <= 25):
            raise forms.ValidationError(AGE_RANGE)
        return age

    def clean_max_wait(self) -> int | None:
        weeks = self.cleaned_data.get("max_wait")
        if weeks is not None and not (0 <= weeks <= 520):
            raise forms.ValidationError(WAIT_RANGE)
        return weeks

    def clean_postcode(self) -> str:
        return " ".join(self.cleaned_data.get("postcode", "").split()).upper()

    def clean(self) -> dict:
        cleaned = super().clean()
        if "postcode" in self.errors or "la" in self.errors:
            return cleaned
        raw, la = cleaned.get("postcode", ""), cleaned.get("la")
        unknown = ""
        parsed = postcodes.parse_postcode(raw) if raw else None
        if raw and parsed is None:
            # A local authority's name typed in the postcode box ("Cardiff", "Wrecsam") is searched
            # as if chosen from the list; any other words say what the box takes.
            named = local_authorities.by_name(raw)
            if named is None or la not in (None, named):
                self.add_error("postcode", postcodes.MALFORMED if re.search(r"\d", raw) else postcodes.NOT_A_POSTCODE)
                return cleaned
            la = cleaned["la"] = named
        elif raw:
            found = postcodes.lookup_postcode(parsed)
            if found is None and la is None:
                self.add_error("postcode", postcodes.outside_great_britain(parsed) or postcodes.UNKNOWN)
                return cleaned
            if found is not None:
                # Said only of a sector: a flag copied onto a district or a full postcode is not true of it.
                cut = parsed.kind == "sector" and self.data.get(CUT_FLAG) == "1"
                self.place = _postcode_place(parsed, found, la, cut=cut)
                return cleaned
            unknown = parsed.text
        if la is None:
            self.add_error("postcode", NO_LOCATION)
            return cleaned
        centre = (la.latitude, la.longitude) if la.latitude is not None and la.longitude is not None else None
        self.place = Place(la.code, centre, "", True, unknown_postcode=unknown)
        return cleaned

    def search_kwargs(self) -> dict:
        """Keyword arguments for `selectors.service_search` (call only when valid)."""
        data = self.cleaned_data
        assert self.place is not None
        return {
            "lad_code": self.place.lad_code,
            "point": self.place.point,
            "age": data.get("age"),
            "abuse_forms": data.get("abuse_form") or [],
            "audiences": data.get("audience") or [],
            "no_disclosure": bool(data.get("no_disclosure")),
            "proceedings_ongoing": bool(data.get("proceedings_ongoing")),
            "delivery_modes": data.get("delivery") or [],
            "welsh": bool(data.get("welsh")),
            "max_wait_weeks": data.get("max_wait"),
            "referrer": data.get("referrer") or "",
            "sort": data.get("sort") or SORT_BEST,
        }

    def searched_for(self) -> list[tuple[str, str]]:
        """What was searched for besides the place, in words: (the field's label, what was chosen),
        in the form's order (call only when valid). For the results on paper, where the form beside
        them is left off: the child's age, the forms of abuse and who needs support ("Any" if not
        given), the situation's ticks, delivery, wait and referrer when given, and the sort."""
        data = self.cleaned_data
        fields = self.fields
        any_ = str(_("Any"))

        def chosen(name: str) -> str:
            labels = dict(fields[name].choices)
            return ", ".join(str(labels[value]) for value in data.get(name) or [])

        age = data.get("age")
        rows = [
            (str(fields["age"].label), any_ if age is None else str(formats.localize(age))),
            (str(fields["abuse_form"].label), chosen("abuse_form") or any_),
            (str(fields["audience"].label), chosen("audience") or any_),
        ]
        ticked = ", ".join(str(field.label) for field in self.situation_fields() if data.get(field.name))
        if ticked:
            rows.append((str(SITUATION), ticked))
        if data.get("delivery"):
            rows.append((str(fields["delivery"].label), chosen("delivery")))
        if data.get("max_wait") is not None:
            rows.append((str(fields["max_wait"].label), str(formats.localize(data["max_wait"]))))
        if data.get("referrer"):
            rows.append((str(fields["referrer"].label), str(dict(fields["referrer"].choices)[data["referrer"]])))
        sort = data.get("sort") or SORT_BEST
        rows.append((str(fields["sort"].label), str(dict(fields["sort"].choices)[sort])))
        return rows

    def situation_fields(self) -> list:
        """The yes/no fields the form groups under "The child's situation", in the form's order."""
        return [self["no_disclosure"], self["proceedings_ongoing"], self["welsh"]]

    def la_described_by(self) -> str:
        """The ids of what describes the local authority list (for `aria-describedby`): its own
        error, or the postcode's where that offers the list instead. The error summary links that
        one to the list (`error_links`), so a screen reader landing there reads why."""
        if self.errors.get("la"):
            return f"{self['la'].auto_id}-error"
        if str(postcodes.UNKNOWN) in self.errors.get("postcode", []):
            return f"{self['postcode'].auto_id}-error"
        return ""

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor id, message) for the GOV.UK error summary, in the order of the fields."""
        links = []
        for name, field in self.fields.items():
            for error in self.errors.get(name, []):
                bound = self[name]
                anchor = bound.auto_id
                if isinstance(field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                    anchor = f"{anchor}_0"
                elif error == str(postcodes.UNKNOWN):
                    # The message offers the list instead: the way on for a postcode that is right but
                    # not held (a new one), which the search then keeps, measuring from the authority's
                    # centre. The list is described by the message (`la_described_by`).
                    anchor = self["la"].auto_id
                links.append((anchor, error))
        for error in self.non_field_errors():
            links.append(("id_postcode", error))
        return links


class _Fields(dict):
    """A form's declared fields, which Django copies for each form (`copy.deepcopy`): shared by every
    form instead. Deep-copying them (their widgets and choices) cost a fifth of validating a search,
    and cleaning a value reads a field, never changes it. The one field that differs between pages,
    the local authority list, is given per language by `SearchForm.__init__` (`_la_field`)."""

    def __deepcopy__(self, memo: dict) -> dict:
        return dict(self)


SearchForm.base_fields = _Fields(SearchForm.base_fields)

# The local authority field per language, with its list in that language, built once: copying the
# declared field and giving it its queryset (two queryset clones) cost ~0.2 ms a form. Its queryset
# is never evaluated: the field reads a copy (`.all()`) for each lookup and each list it renders.
_LA_FIELDS: dict[str | None, LocalAuthorityField] = {}


def _la_field() -> LocalAuthorityField:
    language = get_language()
    field = _LA_FIELDS.get(language)
    if field is None:
        field = copy.deepcopy(SearchForm.declared_fields["la"])
        field.queryset = local_authority_choices()
        _LA_FIELDS[language] = field
    return field
