"""Statistical disclosure control (gaps-method.md §5), on plain data."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaps.suppression import HIDDEN, LOW, Cell, count_cell, rate_cell, suppress_linked, suppress_table


@pytest.mark.parametrize(
    ("value", "text", "hidden"),
    [(0, "0", False), (1, LOW, True), (4, LOW, True), (5, "5", False), (123, "123", False)],
)
def test_counts_of_one_to_four_show_as_less_than_five_zero_and_five_up_as_they_are(value, text, hidden):
    cell = count_cell(value)
    assert (cell.text, cell.hidden) == (text, hidden)


def test_a_publishers_symbols_are_kept_as_published():
    for symbol in ("c", "*", ".."):
        cell = count_cell(symbol)
        assert cell.text == symbol
        assert cell.hidden


def test_parts_3_and_7_of_10_hide_the_3_and_also_the_7_or_the_total():
    table = suppress_table([[3, 7]])
    assert table.cells[0][0].text == LOW
    # One more of the row must be hidden, or 10 − 7 gives the 3 away.
    row = [table.cells[0][0], table.cells[0][1], table.row_totals[0]]
    assert sum(c.hidden for c in row) >= 2
    assert table.cells[0][1].text == HIDDEN or table.row_totals[0].text == HIDDEN


def _recoverable(table) -> list[str]:
    """Lines (rows or columns with their total) where exactly one cell is hidden: a leak."""
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.col_totals, table.total])
    lines = grid + [list(col) for col in zip(*grid, strict=True)]
    return [str([c.text for c in line]) for line in lines if sum(c.hidden for c in line) == 1]


@pytest.mark.parametrize(
    "parts",
    [
        [[3, 7]],
        [[3, 7], [6, 9]],
        [[2, 0, 8], [9, 12, 30], [0, 0, 5]],
        [[1, 1], [1, 1]],
        [[0, 0], [0, 6]],
        [[4, 50, 60, 70], [40, 50, 60, 3], [10, 10, 10, 10]],
    ],
)
def test_no_line_of_the_table_leaves_a_single_hidden_cell_to_be_worked_out(parts):
    table = suppress_table(parts)
    assert _recoverable(table) == []


def test_small_cells_in_a_table_are_hidden_and_large_ones_shown():
    table = suppress_table([[2, 0, 8], [9, 12, 30], [0, 0, 5]])
    assert table.cells[0][0].text == LOW
    assert table.cells[0][1].text == "0"
    assert table.cells[2][2].text == "5"
    assert table.total.text == "66"
    assert table.any_hidden


def test_a_table_with_nothing_small_hides_nothing():
    table = suppress_table([[10, 20], [30, 40]])
    assert not table.any_hidden
    assert [c.text for c in table.row_totals] == ["30", "70"]
    assert table.total.text == "100"


def test_zeros_are_shown_and_never_chosen_to_hide_another_cell():
    table = suppress_table([[3, 0, 9]])
    assert table.cells[0][1].text == "0"
    assert table.cells[0][2].text == HIDDEN  # the smallest non-zero other cell, not the 0


def test_totals_with_a_publishers_symbol_are_not_back_calculated():
    table = suppress_table([["c", 10], [6, 20]])
    assert table.cells[0][0].text == "c"
    # Row 0's and column 0's totals cannot be computed from a suppressed part.
    assert table.row_totals[0].text == ".."
    assert table.col_totals[0].text == ".."


def test_a_rate_whose_numerator_is_suppressed_is_suppressed():
    assert rate_cell(count_cell(3), 1.234).text == HIDDEN
    assert rate_cell(count_cell(3), 1.234).hidden
    assert rate_cell(count_cell(12), 1.234).text == "1.2"
    assert rate_cell(Cell(7, HIDDEN, True, "secondary"), 0.5).text == HIDDEN
    assert rate_cell(count_cell("c"), None).text == "c"


def test_breakdowns_of_the_same_counts_hide_the_same_totals():
    # The same 3 + 30 searches by area and by age band: the reason totals are shared.
    by_area = [[3, 10], [0, 20]]
    by_age = [[3, 30]]
    area_table, age_table = suppress_linked([by_area, by_age])
    for table in (area_table, age_table):
        assert _recoverable(table) == []
    assert [c.hidden for c in area_table.col_totals] == [c.hidden for c in age_table.col_totals]
    assert area_table.total.hidden == age_table.total.hidden


def _grid_lines(table) -> tuple[list[list[Cell]], list[list[tuple[int, int]]]]:
    """The table with its margins as a grid, and its lines (rows, then columns; the total last)."""
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.col_totals, table.total])
    lines = [[(i, j) for j in range(len(grid[i]))] for i in range(len(grid))]
    return grid, lines + [[(i, j) for i in range(len(grid))] for j in range(len(grid[0]))]


def _equations(tables) -> tuple[dict, list[tuple[dict, Fraction]], list]:
    """Unknowns (the hidden cells; a column total or the grand total is one unknown shared by
    every table), one equation per line (parts − total = 0), and each "<5" given away by a line
    whose other hidden cells are "[c]"s (5 and over: shown cells are 0 or 5 and over) with room
    left for only 1."""
    names, equations, found = {}, [], []
    for t, table in enumerate(tables):
        grid, lines = _grid_lines(table)
        for line in lines:
            coefficients, rhs = {}, Fraction(0)
            for key in line:
                sign = -1 if key == line[-1] else 1
                cell = grid[key[0]][key[1]]
                if not cell.hidden:
                    rhs -= sign * cell.value
                    continue
                name = ("total", key[1]) if key[0] == len(grid) - 1 else (t, key)
                names.setdefault(name, (t, key, cell))
                coefficients[name] = coefficients.get(name, 0) + sign
            equations.append((coefficients, rhs))
            small = [n for n in coefficients if names[n][2].text == LOW]
            if len(small) == 1 and set(coefficients.values()) == {1} and rhs - 5 * (len(coefficients) - 1) == 1:
                found.append((names[small[0]][0], str(names[small[0]][1]), 1))
    return names, equations, found


def _worked_out(tables) -> list[tuple[int, str, int]]:
    """(table, cell, value) of each "<5" that someone could work out from the cells shown.

    Worked independently of gaps.suppression: the line equations reduced with exact fractions;
    a cell is worked out when its row of the reduced form holds no other unknown.
    """
    names, equations, found = _equations(tables)
    order = list(names)
    rows = [[Fraction(coefficients.get(n, 0)) for n in order] + [rhs] for coefficients, rhs in equations]
    pivots = []
    for column in range(len(order)):
        chosen = next((r for r in range(len(pivots), len(rows)) if rows[r][column] != 0), None)
        if chosen is None:
            continue
        top = len(pivots)
        rows[top], rows[chosen] = rows[chosen], rows[top]
        rows[top] = [x / rows[top][column] for x in rows[top]]
        rows = [row if r == top else [x - row[column] * y for x, y in zip(row, rows[top], strict=True)]
                for r, row in enumerate(rows)]
        pivots.append(column)
    for r, column in enumerate(pivots):
        t, key, cell = names[order[column]]
        if cell.text == LOW and all(rows[r][c] == 0 for c in range(len(order)) if c != column):
            found.append((t, str(key), int(rows[r][-1])))
    return found


@pytest.mark.parametrize(
    ("parts", "hidden"),
    [
        # Columns 1 and 2 less rows 1 and 4 leave row 0's hidden "[c]", 5, so its "<5" is 22 − 7 − 9 − 5 = 1.
        ([[7, 5, 9, 1], [12, 7, 6, 0], [6, 9, 9, 7], [1, 12, 12, 5], [0, 5, 5, 7]], (0, 3)),
        # Column 2 gives row 0's hidden pair's sum; row 1 and the column totals then give the 2.
        ([[2, 0, 8], [9, 12, 30], [0, 0, 5]], (0, 0)),
        ([[0, 1, 9, 20], [6, 20, 12, 9], [6, 2, 9, 6], [7, 5, 7, 0], [0, 2, 12, 12], [5, 0, 0, 5]], (2, 1)),
    ],
)
def test_no_count_of_one_to_four_can_be_worked_out_from_several_lines_together(parts, hidden):
    table = suppress_table(parts)
    assert table.cells[hidden[0]][hidden[1]].text == LOW
    assert _worked_out([table]) == []


def test_a_hidden_pair_adding_up_to_six_does_not_give_away_a_one():
    # "<5" + "[c]" = 6 can only be 1 + 5: something else must hide too.
    table = suppress_table([[1, 5, 20], [9, 9, 9]])
    assert table.cells[0][0].text == LOW
    assert _worked_out([table]) == []


_counts = st.lists(st.lists(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 20]), min_size=3, max_size=3),
                   min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(_counts)
def test_no_table_gives_away_a_count_of_one_to_four(parts):
    assert _worked_out([suppress_table(parts)]) == []


def test_a_count_given_away_in_a_table_with_nothing_left_to_hide_is_covered_in_the_other():
    # The same counts with the rows in another order: the first breakdown is all hidden, and its
    # "<5" was given away by the second's "<5" + "[c]" = 6; the cover must be found there.
    parts = [[0, 1, 7], [0, 6, 12], [1, 5, 20]]
    assert _worked_out(suppress_linked([parts, [parts[1], parts[0], parts[2]]])) == []


@settings(max_examples=200, deadline=None)
@given(_counts, st.lists(st.integers(0, 2), min_size=6, max_size=6))
def test_no_pair_of_breakdowns_of_the_same_counts_gives_away_a_count_of_one_to_four(parts, groups):
    # The same counts broken down a second way: rows merged into up to three groups.
    regrouped = [[sum(row[j] for row, g in zip(parts, groups, strict=False) if g == k) for j in range(3)]
                 for k in sorted(set(groups[:len(parts)]))]
    assert _worked_out(suppress_linked([parts, regrouped])) == []
