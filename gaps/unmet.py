"""The unmet-demand report: the counter's totals as breakdowns, with small numbers suppressed."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.bilingual import area_display_name
from directory.vocabulary import ABUSE_FORMS
from gaps import selectors, vocabulary
from gaps.layers import AreaRow
from gaps.suppression import Cell, Table, rate_cell, suppress_linked

# (code, name, Welsh name, children 0–17) of a local authority, as `selectors.local_authority_list`.
LocalAuthority = tuple[str, str, str, int | None]


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
    # The rows under the table: its total (Wales); for a region, the region's row before it.
    summaries: list[UnmetRow]
    # By local authority only: each region's row (code → row), suppressed with the local authorities'.
    regions: dict[str, UnmetRow]


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


def _categories(
    by: str, totals: Mapping[tuple[str, str], int], las: Sequence[LocalAuthority]
) -> list[tuple[str, str, int | None]]:
    """(code, label in the page's language, children 0–17 or None) for each row of a breakdown, zeros
    included where known, in an order that does not depend on the page's language.

    The order decides which cell secondary suppression hides where counts tie: an English and a
    Welsh table sorted by their own labels hid different cells, and read together gave away a
    count of 1–4. Rows are suppressed in the English order (what English pages always showed) and
    sorted for display afterwards (`_shown_order`)."""
    present = {code for code, _reason in totals}
    if by == "lad_code":
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


def _region_groups(
    categories: list[tuple[str, str, int | None]], regions: Sequence[AreaRow]
) -> tuple[list[tuple[int, ...]], dict[str, int]]:
    """The groups of rows that regions add up (their indexes), and each region's group.

    Regions of the same local authorities (North Wales's safeguarding board and Betsi Cadwaladr;
    in Wales all but Mid and West Wales and its two health boards) are one group: one row of
    counts, suppressed once, shown alike under either name; two rows of the same sums hid
    different cells, one showing what the other hid. The groups keep the regions' order (the
    database's, by kind and English name), never the page's language: it decides which cells are
    hidden, as the rows' order does (`_categories`)."""
    index = {code: i for i, (code, _label, _children) in enumerate(categories)}
    groups: list[tuple[int, ...]] = []
    of_region: dict[str, int] = {}
    for region in regions:
        members = tuple(sorted(index[c] for c in region.la_codes if c in index))
        if not members:
            continue
        if members not in groups:
            groups.append(members)
        of_region[region.code] = groups.index(members)
    return groups, of_region


def _rate(total: Cell, children: int | None) -> Cell:
    per_10k = total.value * 10_000 / children if children and isinstance(total.value, int) else None
    return rate_cell(total, per_10k, places=2)


def _children(categories: list[tuple[str, str, int | None]], members: Sequence[int]) -> int | None:
    """The children of these rows' local authorities; None where one has no figure (no rate, rather
    than a rate over some of them)."""
    counts = [categories[i][2] for i in members]
    return None if any(c is None for c in counts) else sum(counts)  # type: ignore[misc]


def _suppression_inputs(
    totals: Mapping[str, Mapping[tuple[str, str], int]], las: Sequence[LocalAuthority], regions: Sequence[AreaRow]
) -> tuple[list[tuple], list[tuple[int, ...]], dict[str, int]]:
    """Each breakdown's (by, title, row heading, categories, counts), and the regions' groups of rows."""
    raw = []
    for by, title, row_heading in BREAKDOWNS:
        categories = _categories(by, totals.get(by, {}), las)
        parts = [
            [totals.get(by, {}).get((code, reason), 0) for reason, _label in vocabulary.REASONS]
            for code, _l, _c in categories
        ]
        raw.append((by, title, row_heading, categories, parts))
    groups, of_region = _region_groups(raw[0][3], regions)
    return raw, groups, of_region


def report_suppress(
    *,
    totals: Mapping[str, Mapping[tuple[str, str], int]],
    las: Sequence[LocalAuthority],
    regions: Sequence[AreaRow] = (),
) -> list[Table]:
    """Every breakdown's cells, suppressed together: the costly part of `report_build` (tenths of a
    second on sparse counts, where much is hidden), and the same in every language (rows are
    suppressed in an order that does not depend on it). Pure."""
    raw, groups, _of_region = _suppression_inputs(totals, las, regions)
    return _suppressed(raw, groups)


def _suppressed(raw: list[tuple], groups: list[tuple[int, ...]]) -> list[Table]:
    return suppress_linked([parts or [[0] * len(vocabulary.REASONS)] for *_rest, parts in raw], sums=[groups])


def report_build(
    *,
    totals: Mapping[str, Mapping[tuple[str, str], int]],
    las: Sequence[LocalAuthority],
    regions: Sequence[AreaRow] = (),
    tables: Sequence[Table] | None = None,
) -> UnmetReport:
    """Every breakdown of the counts (`totals[by]`: (code, reason) → count), suppressed together. Pure.

    Each region's row (a health board's or a safeguarding board's local authorities, added up from
    their unrounded counts) is suppressed together with the local authorities, whichever view a
    page shows: every view shows cells of this one result, so the local authorities' cells are the
    same in each, and no region's count less its local authorities' shown counts (or less another
    region's: a safeguarding board less a health board inside it) gives away a hidden count. See
    `suppress_linked`'s `sums`.

    `tables`, where given, are `report_suppress`'s for the same totals, areas and regions (kept from
    an earlier build, perhaps in another language); the labels are always made afresh."""
    columns = [(code, str(label)) for code, label in vocabulary.REASONS]
    raw, groups, of_region = _suppression_inputs(totals, las, regions)
    if tables is None:
        tables = _suppressed(raw, groups)
    by_la = raw[0][3]
    wales = _children(by_la, range(len(by_la))) if by_la else None
    breakdowns = []
    for (by, title, row_heading, categories, _parts), table in zip(raw, tables, strict=True):
        rows = []
        for (code, label, children), cells, total in zip(categories, table.cells, table.row_totals, strict=False):
            rows.append(UnmetRow(code, label, cells, total, _rate(total, children) if by == "lad_code" else None))
        region_rows = {}
        if by == "lad_code":
            n_own = len(categories)
            for region in regions:
                if region.code not in of_region:
                    continue
                g = of_region[region.code]
                total = table.row_totals[n_own + g]
                region_rows[region.code] = UnmetRow(
                    region.code,
                    area_display_name(region.name, region.name_cy),
                    table.cells[n_own + g],
                    total,
                    _rate(total, _children(categories, groups[g])),
                )
        total_row = UnmetRow(
            "", _("Total"), table.col_totals, table.total, _rate(table.total, wales) if by == "lad_code" else None
        )
        breakdowns.append(
            Breakdown(by, str(title), str(row_heading), _shown_order(by, rows), table, [total_row], region_rows)
        )
    return UnmetReport(columns, breakdowns)


# A quarter's counts stop changing once it has ended (the search page counts a search under the
# day it is made, `timezone.localdate()`, as the form decides which quarters have ended): its
# suppressed cells are kept this long, shared by every app server where the cache is Redis.
SETTLED_CACHE_SECONDS = 60 * 60 * 24 * 30
# ... from the day after the quarter's last: a search begun just before midnight on its last day is
# counted under it a moment after midnight, perhaps after the first page of the new day was built.
SETTLED_AFTER = timedelta(days=1)


def _fingerprint(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:12]


def _method_fingerprint() -> str:
    """What decides which cells are hidden: the suppression, the breakdowns, their rows' order and
    vocabularies (the English labels order the forms of abuse). A change to any of these files is a
    new key, whatever RELEASE_ID a deploy names in the cache's prefix."""
    from directory import vocabulary as directory_vocabulary
    from gaps import suppression

    files = [__file__, suppression.__file__, vocabulary.__file__, directory_vocabulary.__file__]
    return _fingerprint(*(Path(name).read_bytes() for name in files))


METHOD_FINGERPRINT = _method_fingerprint()


def report_cache_key(*, months: Sequence[date], las: Sequence[LocalAuthority], regions: Sequence[AreaRow]) -> str:
    """The cache key of these months' counts and suppressed cells: the method's code, the reference
    areas (local authorities' codes, names and children; the regions and their local authorities, in
    order: each decides the rows and which cells are hidden), and the months."""
    areas = _fingerprint(list(las), [(r.code, r.kind, r.name, r.name_cy, r.la_codes) for r in regions])
    return f"gaps:unmet:{METHOD_FINGERPRINT}:{areas}:{','.join(m.isoformat() for m in sorted(months))}"


def settled(months: Sequence[date], today: date) -> bool:
    """Whether no more searches can be counted in these months: the last ended a day before today."""
    last = max(months)
    after = date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return today >= after + SETTLED_AFTER


def unmet_report(*, months: Sequence[date], regions: Sequence[AreaRow] = (), today: date) -> UnmetReport:
    """Every breakdown over the chosen months, suppressed together with the regions' rows.

    Months that have ended (`settled`) are read and suppressed once, then kept in the cache
    (`SETTLED_CACHE_SECONDS`, `report_cache_key`): their counts never change, and on sparse counts
    suppression takes tenths of a second. Months still being counted are read every time (one query
    per breakdown). The local authorities are read every time (one query): they are in the key."""
    las = selectors.local_authority_list()
    keep = bool(months) and settled(months, today)
    key = report_cache_key(months=months, las=las, regions=regions)
    kept = cache.get(key) if keep else None
    if kept is None:
        totals = {by: selectors.unmet_totals(months=months, by=by) for by, _title, _heading in BREAKDOWNS}
        kept = totals, report_suppress(totals=totals, las=las, regions=regions)
        if keep:
            cache.set(key, kept, SETTLED_CACHE_SECONDS)
    totals, tables = kept
    return report_build(totals=totals, las=las, regions=regions, tables=tables)


def within_region(report: UnmetReport, region: AreaRow | None) -> UnmetReport:
    """The report as a region's page shows it: by local authority, the region's own, then the
    region's row and Wales's; the other breakdowns are for all of Wales. Nothing is suppressed
    again: the cells are the whole report's (a region's page suppressed on its own would hide
    other cells than Wales's page, and the two read together could give a count away). Pure."""
    if region is None:
        return report
    by_la, *others = report.breakdowns
    wales = replace(by_la.summaries[-1], label=_("Wales"))
    chosen = replace(
        by_la,
        rows=[row for row in by_la.rows if row.code in region.la_codes],
        summaries=[by_la.regions[region.code], wales] if region.code in by_la.regions else [wales],
    )
    return replace(report, breakdowns=[chosen, *others])
