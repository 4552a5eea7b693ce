import pytest
from django.core.paginator import Paginator

from directory import pagination
from directory.pagination import ELLIPSIS


def page_items(current: int, last: int) -> list[int | str]:
    return pagination.page_items(Paginator(range(last), per_page=1), current)


@pytest.mark.parametrize(("current", "last", "expected"), [
    (1, 1, [1]),
    (1, 2, [1, 2]),
    (1, 5, [1, 2, ELLIPSIS, 5]),
    (3, 5, [1, 2, 3, 4, 5]),
    (4, 7, [1, 2, 3, 4, 5, 6, 7]),
    (7, 30, [1, ELLIPSIS, 6, 7, 8, ELLIPSIS, 30]),
    (30, 30, [1, ELLIPSIS, 29, 30]),
    (2, 30, [1, 2, 3, ELLIPSIS, 30]),
])
def test_first_last_current_and_neighbours_with_an_ellipsis_for_each_gap(current, last, expected):
    assert page_items(current, last) == expected


def test_every_page_is_reachable_in_one_step_from_some_link_and_no_number_repeats():
    for last in range(1, 40):
        for current in range(1, last + 1):
            items = page_items(current, last)
            numbers = [n for n in items if n is not ELLIPSIS]
            assert numbers == sorted(set(numbers))
            assert {1, last, current} <= set(numbers)
            assert all(b is ELLIPSIS or a is ELLIPSIS or b == a + 1 for a, b in zip(items, items[1:], strict=False))
