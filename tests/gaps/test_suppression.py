"""Statistical disclosure control (gaps-method.md §5), on plain data."""

from __future__ import annotations

import pytest

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
    assert table.cells[1][2].text == "30"
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
