"""The choices on the gaps pages (GET forms: a bad value shows an error, never a 500)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from directory.models import Area
from gaps import layers

VIEW_LA = Area.Kind.LOCAL_AUTHORITY
VIEWS = (
    (VIEW_LA, _("Local authorities")),
    (Area.Kind.HEALTH_BOARD, _("Health boards")),
    (Area.Kind.SAFEGUARDING_REGION, _("Regional safeguarding boards")),
)
SORTS = ("name", "access", "normalised", "services", "wait", "longest", "closed")
DEFAULTS = {"layer": "all", "age": "", "view": VIEW_LA, "basis": layers.BASIS_SERVICES,
            "need": layers.NEED_CHILDREN, "sort": "normalised"}


class LayerForm(forms.Form):
    layer = forms.ChoiceField(label=_("Question"), choices=[(c, label) for c, label, _t in layers.QUESTIONS],
                              required=False)
    age = forms.ChoiceField(label=_("Age of the child"), required=False,
                            choices=[("", _("Any age"))] + [(c, label) for c, label, _lo, _hi in layers.AGE_BANDS])
    basis = forms.ChoiceField(label=_("Supply counted as"), choices=layers.BASES, required=False)
    need = forms.ChoiceField(label=_("Need counted as"), choices=layers.NEEDS, required=False)

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


class GapsForm(LayerForm):
    view = forms.ChoiceField(label=_("Show"), choices=VIEWS, required=False)
    # Hidden: the table's column headings choose it (the error summary says so, without a link).
    sort = forms.ChoiceField(label=_("Sort by"), required=False, widget=forms.HiddenInput,
                             choices=[(s, s) for s in SORTS] + [(f"-{s}", f"-{s}") for s in SORTS])


def _month_key(month: date) -> str:
    return f"{month:%Y-%m}"


class UnmetForm(forms.Form):
    """A range of the months the counter holds; the latest 12 by default."""

    start = forms.ChoiceField(label=_("From"), required=False)
    end = forms.ChoiceField(label=_("To"), required=False)

    def __init__(self, *args, months: list[date], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.months = sorted(months)
        choices = [(_month_key(m), date_format(m, "F Y")) for m in self.months]
        self.fields["start"].choices = choices
        self.fields["end"].choices = choices

    def chosen_months(self) -> list[date]:
        if not self.months:
            return []
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        latest = self.months[-1]
        default_start = date(latest.year - 1, latest.month, 1) if latest.month == 12 else \
            date(latest.year - 1, latest.month + 1, 1)
        start = data.get("start") or _month_key(default_start)
        end = data.get("end") or _month_key(latest)
        if start > end:
            start, end = end, start
        return [m for m in self.months if start <= _month_key(m) <= end]

    def shown_query(self) -> str:
        """As `LayerForm.shown_query`: the months the page shows."""
        months = self.chosen_months()
        return urlencode({"start": _month_key(months[0]), "end": _month_key(months[-1])}) if months else ""


SAME_SNAPSHOT = _("Choose a different snapshot from “Then”, or Now: a snapshot compared with itself shows no change.")


class TrendsForm(LayerForm):
    """A layer and two dates: a snapshot then, and a later snapshot or now."""

    then = forms.ChoiceField(label=_("Then"), required=False)
    now = forms.ChoiceField(label=_("Now"), required=False)

    def __init__(self, *args, snapshots: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
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
