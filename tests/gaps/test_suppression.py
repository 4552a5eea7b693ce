"""Statistical disclosure control (gaps-method.md §5), on plain data."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaps.suppression import HIDDEN, LOW, Cell, Table, count_cell, rate_cell, suppress_linked, suppress_table


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


def _grid_lines(table, groups=()) -> tuple[list[list[Cell]], list[list[tuple[int, int]]]]:
    """The table with its margins as a grid, and its lines (rows, then columns; the total last).

    With `groups` (of the table's own rows, whose sums are its last rows), the columns add up
    its own rows only, and each group's rows with their sum's row is a line, column by column."""
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.col_totals, table.total])
    margin, n_own, width = len(grid) - 1, len(table.cells) - len(groups), len(grid[0])
    lines = [[(i, j) for j in range(len(grid[i]))] for i in range(len(grid))]
    lines += [[*((i, j) for i in range(n_own)), (margin, j)] for j in range(width)]
    return grid, lines + [[*((i, j) for i in group), (n_own + g, j)] for g, group in enumerate(groups)
                          for j in range(width)]


def _equations(tables, sums=()) -> tuple[dict, list[tuple[dict, Fraction]], list]:
    """Unknowns (the hidden cells; a column total or the grand total is one unknown shared by
    every table), one equation per line (parts − total = 0), and each "<5" given away by a line
    whose other hidden cells are "[c]"s (5 and over: shown cells are 0 or 5 and over) with room
    left for only 1."""
    names, equations, found = {}, [], []
    for t, table in enumerate(tables):
        grid, lines = _grid_lines(table, sums[t] if t < len(sums) else ())
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


def _worked_out(tables, sums=()) -> list[tuple[int, str, int]]:
    """(table, cell, value) of each "<5" that someone could work out from the cells shown.

    Worked independently of gaps.suppression: the line equations reduced with exact fractions;
    a cell is worked out when its row of the reduced form holds no other unknown. `sums[t]`: the
    groups of table t's rows whose sums are its last rows (`suppress_linked`'s).
    """
    names, equations, found = _equations(tables, sums)
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


# Regions: rows that are sums of local authorities' rows, published beside them (gaps-method.md §5).
# Four local authorities by two reasons; region 4 is authorities 0 and 1, region 5 authorities 2 and 3.
LAS = [[3, 10], [10, 12], [20, 16], [8, 9]]
PAIRS = [(0, 1), (2, 3)]


def test_a_regions_row_is_the_sum_of_its_local_authorities_unrounded_with_the_same_primary_suppression():
    table = suppress_linked([[[1, 0], [2, 0], [20, 6]]], sums=[[(0, 1), (2,)]])[0]
    assert [c.value for c in table.cells[3]] == [3, 0]  # 1 + 2, not "<5" + "<5"
    assert [c.text for c in table.cells[3]] == [LOW, "0"]
    assert table.row_totals[3].text == LOW
    assert [c.value for c in table.cells[4]] == [20, 6]
    assert [c.value for c in table.col_totals] == [23, 6]  # the local authorities' own rows only


def test_a_region_less_its_shown_local_authorities_does_not_give_away_a_hidden_one():
    table = suppress_linked([LAS], sums=[PAIRS])[0]
    assert table.cells[0][0].text == LOW
    # Region 4's 13 less authority 1's 10 would be the 3: one of them is hidden too.
    assert table.cells[1][0].hidden or table.cells[4][0].hidden
    assert _worked_out([table], [PAIRS]) == []


def test_a_regions_cell_is_hidden_before_a_local_authoritys_where_either_would_do():
    # Region 4's 13 or authority 1's 10: hiding the region's keeps the local authorities' table as it was.
    table = suppress_linked([LAS], sums=[PAIRS])[0]
    alone = suppress_table(LAS)
    assert table.cells[4][0].hidden and table.cells[1][0].text == "10"
    assert [[c.text for c in row] for row in table.cells[:4]] == [[c.text for c in row] for row in alone.cells]


def test_suppressing_the_regions_as_another_breakdown_alone_would_give_the_count_away():
    # What the rule guards against: the regions suppressed as a breakdown that only shares the
    # column totals with the local authorities show 13 beside authority 1's 10, and 13 − 10 = 3.
    regions = [[sum(LAS[i][j] for i in pair) for j in range(2)] for pair in PAIRS]
    by_la, by_region = suppress_linked([LAS, regions])
    shown = Table(by_la.cells + by_region.cells, by_la.row_totals + by_region.row_totals, by_la.col_totals,
                  by_la.total)
    assert (by_region.cells[0][0].text, by_la.cells[1][0].text) == ("13", "10")
    assert _worked_out([shown], [PAIRS]) == [(0, "(0, 0)", 3)]


def test_a_region_of_one_local_authority_shows_what_it_shows():
    # Powys Teaching Health Board is Powys: the two rows are one count and hide alike.
    table = suppress_linked([[[2, 9], [30, 12]]], sums=[[(0,)]])[0]
    assert [c.text for c in table.cells[2]] == [c.text for c in table.cells[0]]
    assert table.row_totals[2].text == table.row_totals[0].text
    assert _worked_out([table], [[(0,)]]) == []


def test_a_board_less_a_board_inside_it_does_not_give_away_a_third():
    # As in Wales: a safeguarding board (rows 0–2) is a health board (rows 0–1) and a one-authority
    # health board (row 2, with 3 searches). 11 − 8 would be the 3 if both boards showed.
    las = [[8, 5], [0, 7], [3, 6], [40, 30]]
    groups = [(0, 1), (2,), (0, 1, 2), (3,)]
    table = suppress_linked([las], sums=[groups])[0]
    assert table.cells[2][0].text == LOW
    assert table.cells[4][0].hidden or table.cells[6][0].hidden
    assert _worked_out([table], [groups]) == []


def test_regions_are_suppressed_together_with_the_other_breakdowns():
    # The same searches by age band share the reason totals with the local authorities and regions.
    by_age = [[21, 6], [20, 9]]
    tables = suppress_linked([LAS, by_age], sums=[PAIRS])
    assert _worked_out(tables, [PAIRS]) == []
    assert [c.hidden for c in tables[0].col_totals] == [c.hidden for c in tables[1].col_totals]


_regions = st.lists(st.integers(0, 2), min_size=6, max_size=6)


@settings(max_examples=60, deadline=None)  # the exact-fraction check costs ~0.2 s an example
@given(_counts, _regions, _regions)
def test_no_count_of_one_to_four_can_be_worked_out_from_local_authorities_and_two_sets_of_regions(
    parts, boards, other_boards
):
    # Two ways of grouping the same local authorities (health boards, safeguarding boards), both shown.
    n = len(parts)
    groups = [tuple(i for i in range(n) if grouping[i] == k) for grouping in (boards, other_boards) for k in range(3)]
    groups = [g for g in groups if g]
    table = suppress_linked([parts], sums=[groups])[0]
    assert _worked_out([table], [groups]) == []
    grid, lines = _grid_lines(table, groups)
    assert [line for line in lines if sum(grid[i][j].hidden for i, j in line) == 1] == []


def _settled(known: dict, equations: list, bounds: dict) -> dict | None:
    """`known` with every unknown that a line leaves alone worked out, or None where a line fails."""
    known = dict(known)
    progress = True
    while progress:
        progress = False
        for coefficients, rhs in equations:
            unknown = [n for n in coefficients if n not in known]
            rest = rhs - sum(c * known[n] for n, c in coefficients.items() if n in known)
            if len(unknown) > 1:
                continue
            if not unknown:
                if rest != 0:
                    return None
                continue
            value = rest / coefficients[unknown[0]]
            if value.denominator != 1 or not bounds[unknown[0]][0] <= value <= bounds[unknown[0]][1]:
                return None
            known[unknown[0]] = int(value)
            progress = True
    return known


def _integer_values(tables, sums=(), cap=100) -> dict[tuple[int, str], set[int]]:
    """Every value each "<5" takes in some whole-number filling of the hidden cells that adds up in
    every line ("<5" 1 to 4, "[c]" 5 to `cap`): found by search, independently of gaps.suppression."""
    names, equations, _found = _equations(tables, sums)
    order = sorted(names, key=lambda n: names[n][2].text != LOW)  # the "<5"s first: four values each
    bounds = {n: (1, 4) if names[n][2].text == LOW else (5, cap) for n in order}
    values = {(t, str(key)): set() for t, key, cell in names.values() if cell.text == LOW}
    pending = [{}]
    while pending:
        known = _settled(pending.pop(), equations, bounds)
        if known is None:
            continue
        free = next((n for n in order if n not in known), None)
        if free is not None:
            pending += [{**known, free: value} for value in range(bounds[free][0], bounds[free][1] + 1)]
            continue
        for n, value in known.items():
            if names[n][2].text == LOW:
                values[names[n][0], str(names[n][1])].add(value)
    return values


def test_a_region_with_the_wales_totals_does_not_pin_down_a_count_of_one_to_four_through_its_ranges():
    # Gwent's safeguarding board (rows 0, 1, 5, 6 and 7) beside the Wales totals: its columns less
    # its local authorities' give the "<5"s of rows 0, 2 and 4 in column 0 a sum of 4, and row 2's
    # three "<5"s adding up to 10 are each at least 2, so rows 0 and 4 hold a 1 there (and from it
    # their "[c]"s, row 2's other "<5"s and row 3's): one line at a time, each still looked open.
    parts = [[1, 6, 0], [6, 8, 3], [2, 4, 4], [7, 3, 3], [1, 6, 0], [2, 0, 3], [1, 0, 2], [1, 9, 3]]
    groups = [(0, 1, 5, 6, 7)]
    table = suppress_linked([parts], sums=[groups])[0]
    assert table.cells[0][0].text == LOW
    assert {cell: found for cell, found in _integer_values([table], [groups]).items() if len(found) < 2} == {}
