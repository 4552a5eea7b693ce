"""A length of time in words, in the page's language, for the pages that state how long something
is kept (the cookies page, the privacy notice): they read the setting, so they follow it."""

from __future__ import annotations

from django.utils.translation import ngettext

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY
YEAR = 365 * DAY  # the keeping periods' unit (RETAIN_*_DAYS=365 reads "1 year", not "365 days")


def duration_text(seconds: int) -> str:
    """The largest whole unit that measures `seconds` exactly ("1 year", "52 weeks", "8 hours",
    "90 minutes"); seconds themselves if none does."""
    for unit, words in (
        (YEAR, lambda n: ngettext("%(count)d year", "%(count)d years", n)),
        (WEEK, lambda n: ngettext("%(count)d week", "%(count)d weeks", n)),
        (DAY, lambda n: ngettext("%(count)d day", "%(count)d days", n)),
        (HOUR, lambda n: ngettext("%(count)d hour", "%(count)d hours", n)),
        (MINUTE, lambda n: ngettext("%(count)d minute", "%(count)d minutes", n)),
    ):
        if seconds >= unit and seconds % unit == 0:
            count = seconds // unit
            return words(count) % {"count": count}
    return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
