"""What each column of the gaps CSVs holds, in the file's language.

The table's own first row keeps its names (`area_code`, `need`, …), the same in either language
and the same as the JSON's fields, so that a script reading one file reads the other; the rows
above the table say what each holds, with its unit and how it is written, for the analyst who
opens the file in a spreadsheet or copies it into a board report.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

COLUMNS_HEADING = gettext_lazy("Columns")
COLUMNS_INTRO = gettext_lazy("What each column of the table below holds, by its name in the table's first row.")

_AREA = {
    "area_code": gettext_lazy("The area's ONS code (a safeguarding board, which has none: its name's words)."),
    "area_name": gettext_lazy("The area's name in English."),
    "area_name_cy": gettext_lazy("The area's name in Welsh."),
    "area_kind": gettext_lazy(
        "local_authority, health_board, safeguarding_region (a regional safeguarding board) or nation (Wales)."
    ),
}
# The wait columns after a table's count of covering services (worded for its layer, or for all support).
_WAITS = {
    "median_wait_weeks": gettext_lazy(
        "The median of those services' latest reported waits, in weeks, those whose list is closed included; empty "
        "where none has reported one."
    ),
    "longest_wait_weeks": gettext_lazy("The longest of those waits, in weeks; empty where none has reported one."),
    "closed_lists": gettext_lazy("How many of those services have closed their waiting lists."),
    "all_lists_closed": gettext_lazy("yes where every one of those services has closed its list, else no."),
}
_THEIR_NORMALISED = gettext_lazy(
    "Their access against the Wales level, to 4 decimal places: 1 is the Wales level, below 1 is worse."
)
GAPS = {
    **_AREA,
    "need": gettext_lazy(
        "The need each service's supply is shared among (see Method): children aged 0–17, or the estimate of "
        "children who will experience sexual abuse. A whole number: the estimate is rounded to one here, and "
        "every other figure was worked out before rounding."
    ),
    "covering_services": gettext_lazy(
        "How many services in this layer take referrals from the area (open or paused)."
    ),
    "access_per_10000": gettext_lazy("Access, in %(unit)s, to 4 decimal places."),
    "normalised_access": gettext_lazy(
        "Access against the Wales level, to 4 decimal places: 1 is the Wales level, below 1 is worse."
    ),
    "no_provision": gettext_lazy("yes where no service in this layer takes referrals from the area, else no."),
    **_WAITS,
    "local_authorities_with_no_provision": gettext_lazy(
        "On a region's row and on Wales's: its local authorities that no service in this layer covers, with "
        "their codes (the region's figures are means that include their neighbours)."
    ),
}
HEADLINES = {
    **_AREA,
    "intra_familial_services": gettext_lazy(
        "How many services for intra-familial abuse take referrals from the area."
    ),
    "intra_familial_per_10000": gettext_lazy(
        "Access to support for intra-familial abuse, in services per 10,000 children, to 4 decimal places."
    ),
    "all_support_per_10000": gettext_lazy(
        "Access to all CSA support, in services per 10,000 children, to 4 decimal places."
    ),
    "intra_familial_over_all": gettext_lazy(
        "intra_familial_per_10000 divided by all_support_per_10000: 1 where every service covering the area works with intra-familial "
        "abuse, 0 where none does; empty where no service covers the area."
    ),
    "parent_carer_services": gettext_lazy(
        "How many services supporting non-abusing parents and carers cover the area."
    ),
    "parent_carer_normalised": _THEIR_NORMALISED,
    "sibling_services": gettext_lazy("How many services supporting siblings cover the area."),
    "sibling_normalised": _THEIR_NORMALISED,
    "welsh_services": gettext_lazy(
        "How many services for children that offer support in Welsh (as their listing says) cover the area."
    ),
    "welsh_normalised": _THEIR_NORMALISED,
    "covering_services": gettext_lazy("How many services take referrals from the area (open or paused)."),
    **_WAITS,
}
TRENDS = {
    **_AREA,
    "services_then": gettext_lazy(
        "How many services covered the area in the earlier figures; empty where those figures have none for it."
    ),
    "services_now": gettext_lazy(
        "How many services cover the area in the later figures; empty where those figures have none for it."
    ),
    "access_per_10000_then": gettext_lazy(
        "Access in the earlier figures, in services per 10,000 children, to 4 decimal places."
    ),
    "access_per_10000_now": gettext_lazy(
        "Access in the later figures, in services per 10,000 children, to 4 decimal places."
    ),
    "change_per_10000": gettext_lazy(
        "The later access less the earlier, as the two are written here (to 4 decimal places): below 0 is a fall."
    ),
    "median_wait_weeks_then": gettext_lazy("The median wait in the earlier figures, in weeks."),
    "median_wait_weeks_now": gettext_lazy("The median wait in the later figures, in weeks."),
    "no_provision_then": gettext_lazy(
        "yes where no service covered the area in the earlier figures, else no; empty where those figures have "
        "none for it."
    ),
    "no_provision_now": gettext_lazy(
        "yes where no service covers the area in the later figures, else no; empty where those figures have none "
        "for it."
    ),
}
UNMET = {
    "breakdown": gettext_lazy(
        "Which table the row is in: lad_code (by local authority), abuse_forms, age_band or excluded_by; a "
        "region's own row: its kind (health_board or safeguarding_region), and Wales's row after it: nation."
    ),
    "code": gettext_lazy(
        "The row's code: an area's code (a local authority's or Wales's ONS code; a safeguarding board's name's "
        "words), a form of abuse, an age band or a criterion; empty on the Total rows and on searches for any "
        "form of abuse."
    ),
    "label": gettext_lazy("The row's name in this file's language; the rows adding up a table say Total in both."),
    "total": gettext_lazy("All the row's searches, whatever the reason."),
    "per_10000_children": gettext_lazy(
        "The row's searches per 10,000 children aged 0–17 (by local authority and region only), to 2 "
        "decimal places."
    ),
}


def column_rows(descriptions: dict, columns: list[str], **values: str) -> list[tuple[str, str]]:
    """(heading, text) rows for a CSV's preamble: a heading, then each column's name and what it
    holds, in the table's order (`values` fill in a text's %(unit)s)."""
    rows = [(str(COLUMNS_HEADING), str(COLUMNS_INTRO))]
    for column in columns:
        text = str(descriptions[column])
        rows.append((column, text % values if values and "%(" in text else text))
    return rows


def unmet_descriptions(reasons: list[tuple[str, str]]) -> dict:
    """The unmet table's columns, with a column per reason (code, label) the report has."""
    return {**UNMET, **{code: _("Searches that found no service for this reason: %(reason)s.") % {"reason": label}
                        for code, label in reasons}}
