"""The choices on the gaps pages (GET forms: a bad value shows an error, never a 500)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from urllib.parse import urlencode

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from directory.bilingual import area_display_name
from directory.models import Area
from gaps import layers
from gaps.layers import AreaRow

VIEW_LA = Area.Kind.LOCAL_AUTHORITY
VIEWS = (
    (VIEW_LA, _("Local authorities")),
    (Area.Kind.HEALTH_BOARD, _("Health boards")),
    (Area.Kind.SAFEGUARDING_REGION, _("Regional safeguarding boards")),
)
# What a choice that is not in the list gets, rather than Django's "Select a valid choice. … is
# not one of the available choices.", which echoed whatever the address held (any length) into
# the page and the CSV's refusal.
NOT_AN_OPTION = _("Choose one of the options in the list.")
SORT_NOT_AN_OPTION = _("Choose a column heading of the table to sort by.")
SORTS = ("name", "access", "normalised", "services", "wait", "longest", "closed")
DEFAULTS = {"layer": "all", "age": "", "view": VIEW_LA, "basis": layers.BASIS_SERVICES,
            "need": layers.NEED_CHILDREN, "sort": "normalised"}


class LayerForm(forms.Form):
    layer = forms.ChoiceField(label=_("Question"), choices=[(c, label) for c, label, _t in layers.QUESTIONS],
                              required=False, error_messages={"invalid_choice": NOT_AN_OPTION})
    age = forms.ChoiceField(label=_("Age of the child"), required=False, error_messages={"invalid_choice": NOT_AN_OPTION},
                            choices=[("", _("Any age"))] + [(c, label) for c, label, _lo, _hi in layers.AGE_BANDS])
    basis = forms.ChoiceField(label=_("Supply counted as"), choices=layers.BASES, required=False,
                              error_messages={"invalid_choice": NOT_AN_OPTION})
    need = forms.ChoiceField(label=_("Need counted as"), choices=layers.NEEDS, required=False,
                             error_messages={"invalid_choice": NOT_AN_OPTION})

    def cleaned_or_defaults(self) -> dict[str, str]:
        """The valid choices, with defaults for missing or invalid ones (the errors still show)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) or DEFAULTS.get(name, "") for name in self.fields} | {
            "age": data.get("age") or ""
        }

    def shown_query(self) -> str:
        """The query string of the choices the page shows (the valid ones, defaults for the rest):
        what its CSV link asks for, so the file is the table on screen, never a refusal."""
        return urlencode({name: value for name, value in self.cleaned_or_defaults().items() if value})

    def changed_query(self) -> str:
        """The query string of the valid choices other than the defaults: what an area's page carries
        so that its back link returns to the map as it was left, not to the defaults."""
        return urlencode({name: value for name, value in self.cleaned_or_defaults().items()
                          if value and value != DEFAULTS.get(name, "")})


class GapsForm(LayerForm):
    # Not "Show": that is the form's button, and two controls of one name are two guesses to a
    # screen reader's list of form fields.
    view = forms.ChoiceField(label=_("Areas to show"), choices=VIEWS, required=False,
                             error_messages={"invalid_choice": NOT_AN_OPTION})
    # Hidden: the table's column headings choose it (the error summary says so, without a link).
    sort = forms.ChoiceField(label=_("Sort by"), required=False, widget=forms.HiddenInput,
                             error_messages={"invalid_choice": SORT_NOT_AN_OPTION},
                             choices=[(s, s) for s in SORTS] + [(f"-{s}", f"-{s}") for s in SORTS])


REGION_UNKNOWN = _("Choose Wales, a regional safeguarding board or a health board from the list.")
# The regions a headline or trend can be given for, in the order the list shows them: the
# safeguarding boards first (most commissioners of this support sit on one), then the health boards.
REGION_GROUPS = (
    (Area.Kind.SAFEGUARDING_REGION, _("Regional safeguarding boards")),
    (Area.Kind.HEALTH_BOARD, _("Health boards")),
)


class RegionChoice(forms.Form):
    """Wales (the default) or one region made of local authorities: a safeguarding board or a health board."""

    # Not "Show" (the headlines' button): two controls of one name are two guesses to a screen reader.
    region = forms.ChoiceField(label=_("Figures for"), required=False, error_messages={"invalid_choice": REGION_UNKNOWN})

    def __init__(self, *args, regions: Sequence[AreaRow], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.regions = {r.code: r for r in regions if r.la_codes}
        # Names in the page's language (the form is made per request), in that language's order
        # (Welsh pages listed them by their English names); grouped by kind, as the select's optgroups show them.
        self.region_groups = [("", [("", _("Wales"))])] + [
            (label, sorted(((r.code, area_display_name(r.name, r.name_cy)) for r in self.regions.values()
                            if r.kind == kind), key=lambda option: option[1].casefold()))
            for kind, label in REGION_GROUPS
        ]
        self.fields["region"].choices = [
            (group, options) if group else options[0] for group, options in self.region_groups
        ]

    def chosen_region(self) -> AreaRow | None:
        """The region chosen, or None for Wales (also where the choice is not one of the list's)."""
        self.is_valid()
        return self.regions.get(getattr(self, "cleaned_data", {}).get("region") or "")


def quarter_of(month: date) -> date:
    """The first day of the calendar quarter holding `month`."""
    return date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)


def quarter_months(first: date) -> list[date]:
    """The three months of the quarter beginning on `first`."""
    return [date(first.year, first.month + i, 1) for i in range(3)]


def quarter_key(first: date) -> str:
    return f"{first.year}-Q{(first.month - 1) // 3 + 1}"


def quarter_label(first: date) -> str:
    """"January–March 2026": the months by name, in the page's language (a dash, not a word that
    Welsh would mutate)."""
    months = quarter_months(first)
    return f"{date_format(months[0], 'F')}–{date_format(months[-1], 'F Y')}"


class UnmetForm(RegionChoice):
    """One whole calendar quarter that has ended and holds counted searches, the latest by default;
    and Wales (the default) or one region, as on the headlines.

    Never any other span of months: the counts of two periods, one inside the other (January to
    March against January to February, or a quarter still being counted seen on two days), give
    by subtraction the counts of what lies between, which may be 1 to 4 however each table was
    suppressed. Finished quarters never overlap and never change, so nothing is given away.
    """

    quarter = forms.ChoiceField(label=_("Quarter"), required=False, error_messages={"invalid_choice": NOT_AN_OPTION})
    field_order = ("quarter", "region")

    def __init__(self, *args, months: list[date], today: date, regions: Sequence[AreaRow] = (), **kwargs) -> None:
        super().__init__(*args, regions=regions, **kwargs)
        self.months = sorted(months)
        # A quarter has ended once today is in a later one.
        ended = {quarter_of(m) for m in self.months if quarter_of(m) < quarter_of(today)}
        self.quarters = {quarter_key(q): q for q in sorted(ended, reverse=True)}
        self.fields["quarter"].choices = [(key, quarter_label(q)) for key, q in self.quarters.items()]

    def chosen_quarter(self) -> date | None:
        """The first day of the quarter shown (the one chosen, else the latest), or None if no quarter has ended."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        chosen = self.quarters.get(data.get("quarter") or "")
        return chosen or next(iter(self.quarters.values()), None)

    def chosen_months(self) -> list[date]:
        """The months of the quarter shown (all three, whether or not they hold counts)."""
        quarter = self.chosen_quarter()
        return quarter_months(quarter) if quarter else []

    def shown_query(self) -> str:
        """As `LayerForm.shown_query`: the quarter and the region the page shows."""
        quarter, region = self.chosen_quarter(), self.chosen_region()
        query = {"quarter": quarter_key(quarter) if quarter else "", "region": region.code if region else ""}
        return urlencode({name: value for name, value in query.items() if value})


SAME_SNAPSHOT = _("Choose a different snapshot from “Then”, or Now: a snapshot compared with itself shows no change.")


class TrendsForm(LayerForm, RegionChoice):
    """A layer, Wales or a region, and two dates: a snapshot then, and a later snapshot or now."""

    then = forms.ChoiceField(label=_("Then"), required=False, error_messages={"invalid_choice": NOT_AN_OPTION})
    now = forms.ChoiceField(label=_("Now"), required=False, error_messages={"invalid_choice": NOT_AN_OPTION})

    def __init__(self, *args, snapshots: list, regions: Sequence[AreaRow] = (), **kwargs) -> None:
        super().__init__(*args, regions=regions, **kwargs)
        del self.fields["basis"], self.fields["need"]
        self.snapshots = {s.taken_on.isoformat(): s for s in snapshots}
        choices = [(key, date_format(s.taken_on, "j F Y")) for key, s in self.snapshots.items()]
        self.fields["then"].choices = choices
        self.fields["now"].choices = [("", _("Now (the directory today)"))] + choices

    def clean(self) -> dict:
        data = super().clean()
        if data.get("then") and data.get("then") == data.get("now"):
            self.add_error("now", SAME_SNAPSHOT)
        return data

    def chosen(self) -> dict:
        """The layer and the two snapshots compared, earlier first (a backwards pair is swapped,
        as the unmet form swaps its months); "to" None is the directory today."""
        data = self.cleaned_or_defaults()
        earliest = min(self.snapshots.values(), key=lambda s: s.taken_on) if self.snapshots else None
        then = self.snapshots.get(data.get("then") or "", earliest)
        now = self.snapshots.get(data.get("now") or "")
        if then and now and now.taken_on < then.taken_on:
            then, now = now, then
        return {"layer": layers.Layer(data["layer"], data["age"]), "from": then, "to": now}
