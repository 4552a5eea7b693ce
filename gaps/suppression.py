"""Statistical disclosure control for small counts about children (gaps-method.md §5).

- Counts of 1–4 are shown as "<5"; 0 as 0; 5 and above as they are (primary suppression).
- Where a total and all but one of its parts would show, one more cell is hidden so the hidden
  one cannot be worked out (secondary suppression), repeated until no line gives one away;
  then more, until no count of 1–4 can be worked out from several lines together, or from a
  "<5" being 1–4 and a hidden "[c]" 5 or more, or from all the lines' sums and the cells' ranges
  at once (the least and most each "<5" can be: see `_exposed`).
- Rows that are sums of other rows (a region's local authorities) are made from the unrounded
  counts, suppressed like any other, and each "region = its parts" is a line too, so a region's
  count less its local authorities' shown counts never leaves one hidden count to be worked out
  (see `suppress_linked`'s `sums`).
- A rate whose numerator is suppressed is suppressed.
- A publisher's own symbols ("c", "*", "..") are kept as they are and never back-calculated.

Pure: plain numbers in, display cells out. Counts of services, capacity and waiting weeks are not
about children and do not go through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil, floor, inf, isinf

import numpy as np
from scipy.optimize import linprog

LOW = "<5"
HIDDEN = "[c]"
# The page states what was done in these words (see gaps/notes.py, which translates them).

Value = int | str  # a count, or a publisher's symbol kept as published


@dataclass(frozen=True)
class Cell:
    value: Value
    text: str
    hidden: bool = False
    why: str = ""  # "", "small", "secondary", "publisher"

    def __str__(self) -> str:
        return self.text


def count_cell(value: Value) -> Cell:
    """Primary suppression of one count."""
    if isinstance(value, str):
        return Cell(value, value, hidden=True, why="publisher")
    if 1 <= value <= 4:
        return Cell(value, LOW, hidden=True, why="small")
    return Cell(value, str(value))


def rate_cell(numerator: Cell, rate: float | None, places: int = 1) -> Cell:
    """A rate or percentage follows its numerator: hidden if the numerator is."""
    if numerator.hidden:
        return Cell(numerator.value, numerator.text if numerator.why == "publisher" else HIDDEN, True, numerator.why)
    if rate is None:
        return Cell(0, "–")
    return Cell(0, f"{rate:.{places}f}")


@dataclass(frozen=True)
class Table:
    """A table of counts with its row totals, column totals and grand total, all as cells."""

    cells: list[list[Cell]]
    row_totals: list[Cell]
    col_totals: list[Cell]
    total: Cell

    @property
    def any_hidden(self) -> bool:
        everything = [c for row in self.cells for c in row] + self.row_totals + self.col_totals + [self.total]
        return any(c.hidden for c in everything)


def _total(values: Sequence[Value]) -> Value:
    # A total of parts that include a publisher's symbol is not ours to compute.
    if any(isinstance(v, str) for v in values):
        return ".."
    return sum(values)  # type: ignore[arg-type]


def with_totals(parts: Sequence[Sequence[Value]]) -> tuple[list[Value], list[Value], Value]:
    """Row totals, column totals and grand total of a table of counts."""
    rows = [list(r) for r in parts]
    width = len(rows[0]) if rows else 0
    row_totals = [_total(r) for r in rows]
    col_totals = [_total([r[j] for r in rows]) for j in range(width)]
    return row_totals, col_totals, _total(row_totals)


def suppress_table(
    parts: Sequence[Sequence[Value]],
    row_totals: Sequence[Value] | None = None,
    col_totals: Sequence[Value] | None = None,
    total: Value | None = None,
) -> Table:
    """Primary then secondary suppression of a two-way table with its margins.

    Totals are computed from the parts unless given (e.g. a publisher's own). Each line is a row
    with its total, or a column with its total; in any line where exactly one cell is hidden,
    the smallest other non-zero cell that shows is hidden too, until no line has exactly one.
    Then, while the cells that show still pin down a count of 1–4 through several lines at once
    (see `_exposed`), one more cell beside it is hidden.
    """
    return _suppress_together([(parts, row_totals, col_totals, total, [])])[0]


def suppress_linked(
    tables: Sequence[Sequence[Sequence[Value]]], sums: Sequence[Sequence[Sequence[int]]] = ()
) -> list[Table]:
    """Several breakdowns of the same counts by the same columns (e.g. by area, by age band).

    They share their column totals and grand total, so a total hidden in one is hidden in all,
    or another breakdown would show it; and no count of 1–4 may be worked out from all of them
    together. Repeated until the tables agree.

    `sums[t]`, where given, lists groups of table t's rows (their indexes) whose sums are
    published too: a health board's or a safeguarding board's local authorities. Each group adds
    a row after the table's own (in the order given), made from the unrounded counts and given
    the same primary suppression; the column totals stay those of the table's own rows. Each
    group's cells, column by column, are one more line ("the region's count = its local
    authorities' counts"), so secondary suppression hides another cell wherever a region and all
    but one of its local authorities would show, and no count of 1–4 can be worked out from the
    regions and the local authorities together, however the groups overlap or nest (a
    safeguarding board less a health board inside it is a third region's count). Where a cell
    must be hidden, a group's is chosen before a row's own: on sparse counts of all Wales's
    boards, hiding the smallest cell wherever it lay hid twice as many local authorities' cells
    (and Wales's totals); this way the local authorities lose few of the cells they showed alone.
    Groups of the same rows should be given once (two suppressions of one sum may differ).
    """
    specs: list[_Spec] = []
    for t, parts in enumerate(tables):
        groups = [tuple(g) for g in sums[t]] if t < len(sums) else []
        added = [[_total([parts[i][j] for i in g]) for j in range(len(parts[0]))] for g in groups] if parts else []
        specs.append(([*parts, *added], None, None, None, groups))
    return _suppress_together(specs)


_Grid = dict[tuple[int, int], Cell]
_Groups = list[tuple[int, ...]]
_Spec = tuple[Sequence[Sequence[Value]], Sequence[Value] | None, Sequence[Value] | None, Value | None, _Groups]
# A table's grid, its numbers of rows (its own and its sums') and columns, its lines, and the
# rows of its sums (hidden first where a cell must be: see `_secondary`).
_Pass = tuple[_Grid, int, int, list[list[tuple[int, int]]], range]


def _suppress_together(specs: Sequence[_Spec]) -> list[Table]:
    hidden_cols: set[int] = set()
    hide_total = False
    extra: list[set[tuple[int, int]]] = [set() for _spec in specs]
    while True:
        grids = [_one_pass(spec, hidden_cols, hide_total, more) for spec, more in zip(specs, extra, strict=True)]
        cols = {j for grid, n_rows, n_cols, *_rest in grids for j in range(n_cols) if grid[n_rows, j].hidden}
        total = any(grid[n_rows, n_cols].hidden for grid, n_rows, n_cols, *_rest in grids)
        if cols != hidden_cols or total != hide_total:
            hidden_cols, hide_total = cols, total
            continue
        # The first count given away that has a cell left to hide beside it: in linked tables the
        # same count may be given away in one table whose cells are all hidden already, and
        # protected only by hiding more in another.
        covers = ((index, _cover(grids[index][0], key, grids[index][4])) for index, key in _exposed(grids))
        index, cover = next(((index, cover) for index, cover in covers if cover is not None), (None, None))
        if cover is None:  # nothing given away, or nothing left to hide
            return [_as_table(grid, n_rows, n_cols) for grid, n_rows, n_cols, *_rest in grids]
        grid, n_rows, n_cols = grids[index][:3]
        if cover[0] == n_rows:  # a shared total: hidden in every breakdown
            if cover[1] == n_cols:
                hide_total = True
            else:
                hidden_cols.add(cover[1])
        else:
            extra[index].add(cover)


def _one_pass(spec: _Spec, hide_cols: set[int], hide_total: bool, hide_cells: set[tuple[int, int]]) -> _Pass:
    """One table's grid after primary suppression, the cells asked hidden, and secondary suppression."""
    parts, row_totals, col_totals, total, groups = spec
    n_own = len(parts) - len(groups)  # the rows after these are the groups' sums
    computed = with_totals(parts[:n_own])
    row_totals = list([*computed[0], *(_total(row) for row in parts[n_own:])] if row_totals is None else row_totals)
    col_totals = list(computed[1] if col_totals is None else col_totals)
    total = computed[2] if total is None else total

    n_rows, n_cols = len(parts), len(col_totals)
    # The grid with margins: (i, n_cols) is row i's total, (n_rows, j) column j's, (n_rows, n_cols) the grand.
    grid: _Grid = {}
    for i, row in enumerate(parts):
        for j, value in enumerate(row):
            grid[i, j] = count_cell(value)
        grid[i, n_cols] = count_cell(row_totals[i])
    for j in range(n_cols):
        grid[n_rows, j] = count_cell(col_totals[j])
    grid[n_rows, n_cols] = count_cell(total)
    keys = [(n_rows, j) for j in sorted(hide_cols)] + ([(n_rows, n_cols)] if hide_total else []) + sorted(hide_cells)
    for key in keys:
        if not grid[key].hidden:
            grid[key] = Cell(grid[key].value, HIDDEN, hidden=True, why="secondary")

    lines = _lines(n_rows, n_cols, groups)
    sums = range(n_rows - len(groups), n_rows)
    _secondary(grid, lines, sums)
    return grid, n_rows, n_cols, lines, sums


def _lines(n_rows: int, n_cols: int, groups: Sequence[tuple[int, ...]]) -> list[list[tuple[int, int]]]:
    """Each row with its total, then each column with its total (the margins' own row and column
    too), then each group's rows with the row of their sums, column by column (the sum last, as a
    line's total). A column's total adds up the table's own rows only: the groups' rows are the
    last `len(groups)`."""
    n_own = n_rows - len(groups)
    lines = [[(i, j) for j in range(n_cols + 1)] for i in range(n_rows + 1)]
    lines += [[*((i, j) for i in range(n_own)), (n_rows, j)] for j in range(n_cols + 1)]
    return lines + [
        [*((i, j) for i in group), (n_own + g, j)] for g, group in enumerate(groups) for j in range(n_cols + 1)
    ]


def _as_table(grid: _Grid, n_rows: int, n_cols: int) -> Table:
    return Table(
        cells=[[grid[i, j] for j in range(n_cols)] for i in range(n_rows)],
        row_totals=[grid[i, n_cols] for i in range(n_rows)],
        col_totals=[grid[n_rows, j] for j in range(n_cols)],
        total=grid[n_rows, n_cols],
    )


def _exposed(grids: Sequence[_Pass]) -> list[tuple[int, tuple[int, int]]]:
    """The counts of 1–4 that the cells shown still give away, as (table, key), in order.

    Every line says "its parts add up to its total". Hiding a second cell in each line (above) is
    not enough: lines taken together can still pin a hidden cell down (two columns' totals less
    two rows' gives a cell both rows share), and so can what is known of each hidden cell: a
    "<5" is 1 to 4, a hidden "[c]" at least 5 (shown cells are 0 or 5 and over, and 0 is never
    hidden), so "<5" + "[c]" = 6 is 1 + 5. Linked tables share their totals' row (one unknown
    each). Found by linear algebra (a cell is fixed when no change to the hidden cells that
    keeps every line's sum moves it), by narrowing each hidden cell's range line by line, and,
    where those find nothing, by the least and most each "<5" can be under every line at once.
    """
    index: dict[tuple, int] = {}
    low: list[float] = []
    high: list[float] = []
    small: dict[int, tuple[int, tuple[int, int]]] = {}
    equations: list[tuple[dict[int, int], float]] = []
    for t, (grid, n_rows, _n_cols, lines, _sums) in enumerate(grids):
        for line in lines:
            terms: dict[int, int] = {}
            known = 0.0
            for key in line:
                # The line's last cell is its total: parts − total = 0.
                sign = -1 if key == line[-1] else 1
                cell = grid[key]
                if not cell.hidden:
                    known += sign * cell.value  # type: ignore[operator]
                    continue
                name = ("margin", key[1]) if key[0] == n_rows else (t, *key)
                if name not in index:
                    index[name] = len(index)
                    lo, hi = {"small": (1, 4), "secondary": (5, inf)}.get(cell.why, (0, inf))
                    low.append(lo)
                    high.append(hi)
                    if cell.why == "small":
                        small[index[name]] = (t, key)
                terms[index[name]] = terms.get(index[name], 0) + sign
            if terms:
                equations.append((terms, -known))
    if not small:
        return []
    fixed = (_fixed_by_lines(equations, len(index)) | _fixed_by_ranges(equations, low, high)) & small.keys()
    if not fixed:
        # Lines and ranges together (a region's columns less its local authorities', then another
        # line's range): the exact check, run once the cheaper two find nothing.
        fixed = _fixed_by_bounds(equations, low, high, sorted(small))
    return sorted(small[v] for v in fixed)


def _fixed_by_lines(equations: list[tuple[dict[int, int], float]], n: int) -> set[int]:
    """The unknowns the equations determine exactly: in the reduced row echelon form, those whose
    row holds no other unknown. (A loop over columns of whole-array steps: numpy's SVD took tens
    of milliseconds for these small matrices.)"""
    matrix = np.zeros((len(equations), n))
    for row, (terms, _rhs) in enumerate(equations):
        for var, coefficient in terms.items():
            matrix[row, var] = coefficient
    pivots: list[int] = []
    for column in range(n):
        row = len(pivots)
        if row == len(matrix):
            break
        best = row + int(np.argmax(np.abs(matrix[row:, column])))
        if abs(matrix[best, column]) < 1e-9:
            continue
        matrix[[row, best]] = matrix[[best, row]]
        matrix[row] /= matrix[row, column]
        factors = matrix[:, column].copy()
        factors[row] = 0.0
        matrix -= np.outer(factors, matrix[row])
        pivots.append(column)
    return {column for row, column in enumerate(pivots) if np.count_nonzero(np.abs(matrix[row]) > 1e-9) == 1}


def _fixed_by_ranges(equations: list[tuple[dict[int, int], float]], low: list[float], high: list[float]) -> set[int]:
    """The unknowns whose range, narrowed line by line from what each is known to be, is one value."""
    low, high = list(low), list(high)
    for _round in range(100):
        changed = False
        for terms, rhs in equations:
            for var, coefficient in terms.items():
                # coefficient·x = rhs − Σ others; the others' sum lies in [least, most].
                least = sum(c * (low[o] if c > 0 else high[o]) for o, c in terms.items() if o != var)
                most = sum(c * (high[o] if c > 0 else low[o]) for o, c in terms.items() if o != var)
                bounds = sorted(((rhs - most) / coefficient, (rhs - least) / coefficient))
                lo, hi = max(low[var], _ceil(bounds[0])), min(high[var], _floor(bounds[1]))
                if (lo, hi) != (low[var], high[var]):
                    low[var], high[var], changed = lo, hi, True
        if not changed:
            break
    return {var for var in range(len(low)) if low[var] == high[var]}


def _fixed_by_bounds(
    equations: list[tuple[dict[int, int], float]], low: list[float], high: list[float], candidates: list[int]
) -> set[int]:
    """The candidates that every filling of the hidden cells within their ranges, adding up in every
    line, gives one value: the least and the most each can be (a linear programme, as the audit of
    a suppressed table is done) round to the same whole number.

    Narrowing ranges line by line misses what lines give only together: Gwent's columns less its
    local authorities' left three Welsh "<5"s summing to 4, and another line put one of them at 2
    or more, so the other two were 1. Solved by SciPy's HiGHS, a maintained solver (README): at
    most two small programmes per "<5" (milliseconds each), most ruled out by earlier fillings."""
    n = len(low)
    lines = np.zeros((len(equations), n))
    sums = np.zeros(len(equations))
    for row, (terms, total) in enumerate(equations):
        for var, coefficient in terms.items():
            lines[row, var] = coefficient
        sums[row] = total
    bounds = [(lo, None if isinf(hi) else hi) for lo, hi in zip(low, high, strict=True)]
    # The fillings found so far: a cell two of them put two whole numbers apart is not fixed, and
    # needs no programme of its own (most are ruled out so, by the first few).
    seen_least, seen_most = np.full(n, inf), np.full(n, -inf)
    fixed = set()
    for var in candidates:
        for sign in (1.0, -1.0):
            if _floor(seen_most[var]) > _ceil(seen_least[var]):
                break
            objective = np.zeros(n)
            objective[var] = sign
            filling = _extreme(objective, lines, sums, bounds)
            if filling is None:  # no filling fits: never for real counts
                return set()
            if filling is _UNBOUNDED_FILLING:
                seen_least[var], seen_most[var] = (-inf, seen_most[var]) if sign > 0 else (seen_least[var], inf)
                continue
            np.minimum(seen_least, filling, out=seen_least)
            np.maximum(seen_most, filling, out=seen_most)
        else:
            if _ceil(seen_least[var]) == _floor(seen_most[var]):
                fixed.add(var)
    return fixed


def _extreme(objective: np.ndarray, lines: np.ndarray, sums: np.ndarray, bounds: list) -> np.ndarray | object | None:
    """A filling (each x in its bounds, every line's sum kept) with the least `objective · x`:
    `_UNBOUNDED_FILLING` if there is no least, None if nothing fits."""
    result = linprog(objective, A_eq=lines, b_eq=sums, bounds=bounds, method="highs")
    if result.status == _UNBOUNDED:
        return _UNBOUNDED_FILLING
    if result.status != _SOLVED:
        return None
    # HiGHS keeps each sum to within ~1e-7, so a count of 1 can come back as 1.0000001: snapped to the
    # whole number it is within a millionth of, so that rounding up or down cannot step past it.
    whole = np.round(result.x)
    return np.where(np.abs(result.x - whole) < 1e-6, whole, result.x)


# scipy.optimize.linprog's status codes.
_SOLVED, _UNBOUNDED = 0, 3
_UNBOUNDED_FILLING = object()


def _ceil(value: float) -> float:
    return value if isinf(value) else ceil(value - 1e-9)


def _floor(value: float) -> float:
    return value if isinf(value) else floor(value + 1e-9)


def _cover(grid: _Grid, key: tuple[int, int], sums: range = range(0)) -> tuple[int, int] | None:
    """The cell to hide next to protect `key`: the smallest non-zero one showing in its row or
    column, else anywhere in the table (a row of sums' first, as in `_secondary`)."""
    showing = [k for k, cell in grid.items() if not cell.hidden and cell.value != 0]
    beside = [k for k in showing if k[0] == key[0] or k[1] == key[1]]
    return min(beside or showing, key=lambda k: (k[0] not in sums, grid[k].value, k), default=None)


def _secondary(grid: dict[tuple[int, int], Cell], lines: list[list[tuple[int, int]]], sums: range = range(0)) -> None:
    """In each line with one hidden cell, hide the smallest non-zero one showing, until none has one.

    A cell in a row of sums (a region's) first: the local authorities' cells are what the page
    showed before regions were added, and a region's cell lies in fewer lines, so hiding it
    hides fewer others."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [key for key in line if grid[key].hidden]
            if len(hidden) != 1:
                continue
            candidates = [key for key in line if not grid[key].hidden and grid[key].value != 0]
            if not candidates:
                continue  # every other cell is 0: the hidden one is the total's 0 parts, nothing to give away
            key = min(candidates, key=lambda k: (k[0] not in sums, grid[k].value, k))
            grid[key] = Cell(grid[key].value, HIDDEN, hidden=True, why="secondary")
            changed = True
