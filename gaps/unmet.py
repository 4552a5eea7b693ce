"""The unmet-demand report: the counter's totals as breakdowns, with small numbers suppressed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.bilingual import area_display_name
from directory.vocabulary import ABUSE_FORMS
from gaps import selectors, vocabulary
from gaps.suppression import Cell, Table, rate_cell, suppress_linked


@dataclass(frozen=True)
class UnmetRow:
    code: str
    label: str
    cells: list[Cell]
    total: Cell
    rate: Cell | None = None


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    row_heading: str
    rows: list[UnmetRow]
    table: Table


@dataclass(frozen=True)
class UnmetReport:
    columns: list[tuple[str, str]]
    breakdowns: list[Breakdown]

    @property
    def empty(self) -> bool:
        return all(b.table.total.value == 0 for b in self.breakdowns)

    @property
    def any_hidden(self) -> bool:
        return any(b.table.any_hidden for b in self.breakdowns)


def forms_label(key: str) -> str:
    if not key:
        return _("Any form (none chosen)")
    labels = dict(ABUSE_FORMS)
    return " + ".join(str(labels.get(code, code)) for code in key.split("+"))


def _categories(by: str, totals: dict[tuple[str, str], int]) -> list[tuple[str, str, int | None]]:
    """(code, label in the page's language, children 0–17 or None) for each row of a breakdown, zeros
    included where known, in an order that does not depend on the page's language.

    The order decides which cell secondary suppression hides where counts tie: an English and a
    Welsh table sorted by their own labels hid different cells, and read together gave away a
    count of 1–4. Rows are suppressed in the English order (what English pages always showed) and
    sorted for display afterwards (`_shown_order`)."""
    present = {code for code, _reason in totals}
    if by == "lad_code":
        las = selectors.local_authority_list()
        known = {code for code, *_rest in las}
        return [(code, area_display_name(name, name_cy), children) for code, name, name_cy, children in las] + [
            (code, code, None) for code in sorted(present - known)
        ]
    if by == "abuse_forms":
        with translation.override("en"):
            order = sorted(present, key=forms_label)
        return [(code, forms_label(code), None) for code in order]
    choices = vocabulary.UNMET_AGE_BANDS if by == "age_band" else vocabulary.EXCLUDED_BY
    return [(code, str(label), None) for code, label in choices]


BREAKDOWNS = (
    ("lad_code", gettext_lazy("By local authority"), gettext_lazy("Local authority")),
    ("abuse_forms", gettext_lazy("By forms of abuse searched for"), gettext_lazy("Forms of abuse")),
    ("age_band", gettext_lazy("By age of the child"), gettext_lazy("Age")),
    ("excluded_by", gettext_lazy("By the criterion that excluded services"), gettext_lazy("Criterion")),
)


def _shown_order(by: str, rows: list[UnmetRow]) -> list[UnmetRow]:
    """Areas and forms of abuse by their label in the page's language (an area known only by its
    code last); the other breakdowns keep their vocabulary's order. Display only: the cells were
    suppressed in `_categories`' order."""
    if by not in {"lad_code", "abuse_forms"}:
        return rows
    return sorted(rows, key=lambda row: (row.label == row.code != "", row.label.casefold()))


def unmet_report(*, months: Sequence[date]) -> UnmetReport:
    """Every breakdown over the chosen months (one query each), suppressed together."""
    columns = [(code, str(label)) for code, label in vocabulary.REASONS]
    raw = []
    for by, title, row_heading in BREAKDOWNS:
        totals = selectors.unmet_totals(months=months, by=by)
        categories = _categories(by, totals)
        parts = [[totals.get((code, reason), 0) for reason, _label in columns] for code, _l, _c in categories]
        raw.append((by, title, row_heading, categories, parts))
    tables = suppress_linked([parts or [[0] * len(columns)] for *_rest, parts in raw])
    breakdowns = []
    for (by, title, row_heading, categories, _parts), table in zip(raw, tables, strict=True):
        rows = []
        for (code, label, children), cells, total in zip(categories, table.cells, table.row_totals, strict=False):
            rate = None
            if by == "lad_code":
                per_10k = total.value * 10_000 / children if children and isinstance(total.value, int) else None
                rate = rate_cell(total, per_10k, places=2)
            rows.append(UnmetRow(code, label, cells, total, rate))
        breakdowns.append(Breakdown(by, str(title), str(row_heading), _shown_order(by, rows), table))
    return UnmetReport(columns, breakdowns)
