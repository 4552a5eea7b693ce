"""A wait long enough to be a slip of the keyboard ("200" typed for "20") is asked about before it is
saved (GOV.UK's "check an unusual answer"): published, it told social workers filtering by the longest
wait they can accept that the service was years away, and the gaps pages counted it as such.

Up to 520 weeks (ten years: `WaitingTimeReport.weeks`) stays possible; over two years it has to be
confirmed. Two years because a wait that long is rare enough to be worth a second look, and because one
figure too many on any wait from 11 to 52 weeks (110 to 520) lands above it. A slip on a wait under
11 weeks ("60" for "6") is not caught: the price of not questioning ordinary long waits of a year or so.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy, ngettext

UNUSUAL_WAIT_WEEKS = 104  # two years: a longer wait is asked about (the reason is above)
WEEKS_PER_YEAR = 365.25 / 7

UNUSUAL_WAIT = gettext_lazy(
    "%(weeks)s weeks is about %(duration)s. Check the number of weeks. If the wait really is that long, "
    "tick the box below to confirm it."
)
UNUSUAL_WAIT_CONFIRM = gettext_lazy("Yes, the wait really is %(weeks)s weeks")


def is_unusual(weeks: int | None, *, current: int | None = None) -> bool:
    """Long enough to ask about. The wait the service already gives (`current`) is not asked about
    again: giving it again only says it is still right."""
    return weeks is not None and weeks > UNUSUAL_WAIT_WEEKS and weeks != current


def years_and_months(weeks: int) -> str:
    """A number of weeks in years and months, to the nearest month, in the page's language:
    "3 years and 10 months" for 200."""
    years, months = divmod(round(weeks * 12 / WEEKS_PER_YEAR), 12)
    year_text = ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    if not months:
        return year_text
    month_text = ngettext("%(count)d month", "%(count)d months", months) % {"count": months}
    if not years:
        return month_text
    return gettext("%(years)s and %(months)s") % {"years": year_text, "months": month_text}


def unusual_wait_message(weeks: int) -> str:
    return str(UNUSUAL_WAIT) % {"weeks": weeks, "duration": years_and_months(weeks)}


def confirm_label(weeks: int) -> str:
    return str(UNUSUAL_WAIT_CONFIRM) % {"weeks": weeks}
