"""Statistical disclosure control for small counts about children (gaps-method.md §5).

- Counts of 1–4 are shown as "<5"; 0 as 0; 5 and above as they are (primary suppression).
- Where a total and all but one of its parts would show, one more cell is hidden so the hidden
  one cannot be worked out (secondary suppression), repeated until no line gives one away.
- A rate whose numerator is suppressed is suppressed.
- A publisher's own symbols ("c", "*", "..") are kept as they are and never back-calculated.

Pure: plain numbers in, display cells out. Counts of services, capacity and waiting weeks are not
about children and do not go through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    *,
    hide_col_totals: Sequence[int] = (),
    hide_total: bool = False,
) -> Table:
    """Primary then secondary suppression of a two-way table with its margins.

    Totals are computed from the parts unless given (e.g. a publisher's own). Each line is a row
    with its total, or a column with its total; in any line where exactly one cell is hidden,
    the smallest other non-zero cell that shows is hidden too, until no line has exactly one.
    """
    computed = with_totals(parts)
    row_totals = list(computed[0] if row_totals is None else row_totals)
    col_totals = list(computed[1] if col_totals is None else col_totals)
    total = computed[2] if total is None else total

    n_rows, n_cols = len(parts), len(col_totals)
    # The grid with margins: (i, n_cols) is row i's total, (n_rows, j) column j's, (n_rows, n_cols) the grand.
    grid: dict[tuple[int, int], Cell] = {}
    for i, row in enumerate(parts):
        for j, value in enumerate(row):
            grid[i, j] = count_cell(value)
        grid[i, n_cols] = count_cell(row_totals[i])
    for j in range(n_cols):
        grid[n_rows, j] = count_cell(col_totals[j])
    grid[n_rows, n_cols] = count_cell(total)
    for key in [(n_rows, j) for j in hide_col_totals] + ([(n_rows, n_cols)] if hide_total else []):
        if not grid[key].hidden:
            grid[key] = Cell(grid[key].value, HIDDEN, hidden=True, why="secondary")

    lines = [[(i, j) for j in range(n_cols + 1)] for i in range(n_rows + 1)]
    lines += [[(i, j) for i in range(n_rows + 1)] for j in range(n_cols + 1)]
    _secondary(grid, lines)

    return Table(
        cells=[[grid[i, j] for j in range(n_cols)] for i in range(n_rows)],
        row_totals=[grid[i, n_cols] for i in range(n_rows)],
        col_totals=[grid[n_rows, j] for j in range(n_cols)],
        total=grid[n_rows, n_cols],
    )


def suppress_linked(tables: Sequence[Sequence[Sequence[Value]]]) -> list[Table]:
    """Several breakdowns of the same counts by the same columns (e.g. by area, by age band).

    They share their column totals and grand total, so a total hidden in one is hidden in all,
    or another breakdown would show it; repeated until the tables agree.
    """
    hidden_cols: set[int] = set()
    hide_total = False
    while True:
        out = [suppress_table(parts, hide_col_totals=sorted(hidden_cols), hide_total=hide_total) for parts in tables]
        cols = {j for t in out for j, c in enumerate(t.col_totals) if c.hidden}
        total = any(t.total.hidden for t in out)
        if cols == hidden_cols and total == hide_total:
            return out
        hidden_cols, hide_total = cols, total


def _secondary(grid: dict[tuple[int, int], Cell], lines: list[list[tuple[int, int]]]) -> None:
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
            key = min(candidates, key=lambda k: (grid[k].value, k))
            grid[key] = Cell(grid[key].value, HIDDEN, hidden=True, why="secondary")
            changed = True
