"""The current wait and how fresh a listing is, as HTML, for the search's result cards.

The same output, byte for byte, as templates/directory/includes/wait.html and freshness.html
(which the service page and the shortlist keep using): a search renders these for every card it
has not yet cached, and building them here costs a fraction of a template include with its
translate tags. tests/directory/test_card_text.py holds the two versions to the same output.
"""

from __future__ import annotations

import functools
from datetime import date

from django.template.defaultfilters import date as date_filter
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext


@functools.lru_cache(maxsize=4096)
def _formatted(value: date, format_string: str, language: str | None) -> str:
    """A date as the `date` filter gives it, escaped: once per date, format and language (a page's
    cards share a few dates, and formatting one costs more than the rest of its line)."""
    return conditional_escape(date_filter(value, format_string))


def _tag(colour: str, text: str) -> str:
    return f'<strong class="govuk-tag govuk-tag--{colour}">{text}</strong>'


def wait_html(service: object, wait: object | None) -> SafeString:
    """As wait.html: the referral status, then the wait in weeks and how old the report is."""
    if service.status == "closed":
        status = _tag("red", gettext("Closed")) + "\n"
    elif service.status == "paused":
        status = _tag("orange", gettext("Referrals paused")) + "\n"
    elif wait and not wait.referrals_open:
        status = _tag("red", gettext("Referrals closed")) + "\n"
    else:
        status = _tag("green", gettext("Taking referrals"))
    if not wait:
        not_reported = gettext("Waiting time not reported")
        return mark_safe(f'\n{status}\n<span class="sm-wait">{not_reported}</span>\n')  # noqa: S308 - translations from our catalogue
    if wait.weeks == 0:
        weeks = gettext("No wait")
    else:
        weeks = ngettext("%(weeks)s week", "%(weeks)s weeks", wait.weeks) % {"weeks": conditional_escape(wait.weeks)}
    as_of = _formatted(wait.as_of, "j M Y" if wait.shows_year else "j M", get_language())
    if wait.age_days <= 0:
        reported = gettext("reported today")
    else:
        reported = ngettext("reported %(days)s day ago", "reported %(days)s days ago", wait.age_days) % {
            "days": conditional_escape(wait.age_days)
        }
    stale = ""
    if wait.is_stale:
        out_of_date = gettext("may be out of date")
        stale = f'<strong class="sm-stale">{out_of_date}</strong>'
    as_of_label = gettext("as of")
    return mark_safe(  # noqa: S308 - translations from our catalogue; values escaped above
        f'\n{status}\n\n<span class="sm-wait">{weeks}, {as_of_label} {as_of}</span>\n'
        f'<span class="govuk-body-s sm-secondary">({reported})</span>\n{stale}\n\n'
    )


def freshness_html(service: object) -> SafeString:
    """As freshness.html: when the provider last confirmed the listing, and whether that is overdue."""
    if service.last_confirmed_at:
        confirmed = gettext("Last confirmed %(date)s") % {
            "date": _formatted(service.last_confirmed_at, "j F Y", get_language())
        }
    else:
        confirmed = gettext("Never confirmed by the service")
    overdue = ""
    if service.is_confirmation_overdue:
        if service.last_confirmed_at:
            note = gettext("over 12 months ago: check details with the service")
        else:
            note = gettext("check details with the service")
        overdue = f'<strong class="sm-stale">{note}</strong>'
    return mark_safe(f"\n{confirmed}\n{overdue}\n")  # noqa: S308 - translations from our catalogue; date escaped
