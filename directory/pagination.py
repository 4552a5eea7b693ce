"""Which page links a list of results shows, as the GOV.UK Design System's pagination does.

A national search can run to thirty pages; a link to each one is a long row on a phone and thirty
stops for a keyboard or screen reader. The pattern keeps the first and last pages, the current one
and its neighbours, and an ellipsis for each gap: 1 … 6 7 8 … 30.
"""

from __future__ import annotations

ELLIPSIS = None  # stands for the pages left out between two links


def page_items(current: int, last: int) -> list[int | None]:
    """Page numbers to link, in order, with `ELLIPSIS` where pages are left out (pure).

    A gap of a single page shows that page instead: an ellipsis would hide nothing shorter.
    """
    shown = sorted({1, last, current - 1, current, current + 1} & set(range(1, last + 1)))
    items: list[int | None] = []
    for number in shown:
        if items and number - items[-1] == 2:
            items.append(number - 1)
        elif items and number - items[-1] > 2:
            items.append(ELLIPSIS)
        items.append(number)
    return items
