"""Which page links a list of results shows, as the GOV.UK Design System's pagination does.

A national search can run to forty pages; a link to each one is a long row on a phone and forty
stops for a keyboard or screen reader. The pattern keeps the first and last pages, the current one
and its neighbours, and an ellipsis for each gap: 1 … 6 7 8 … 30. Django's paginator elides the
range; this module holds the one setting the site uses.
"""

from __future__ import annotations

from django.core.paginator import Paginator

ELLIPSIS = Paginator.ELLIPSIS  # stands for the pages left out between two links


def page_items(paginator: Paginator, current: int) -> list[int | str]:
    """Page numbers to link, in order, with `ELLIPSIS` where pages are left out. A gap of a single
    page shows that page instead: an ellipsis would hide nothing shorter."""
    return list(paginator.get_elided_page_range(current, on_each_side=1, on_ends=1))
