"""Codes for the unmet-demand counter (the search page passes these to `record_unmet_search`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

REASON_NO_SERVICE = "no_service"
REASON_CRITERIA = "criteria_exclude"
REASON_LISTS_CLOSED = "lists_closed"
REASONS = (
    (REASON_NO_SERVICE, _("No service covers the area")),
    (REASON_CRITERIA, _("Services cover the area but the criteria exclude the child")),
    (REASON_LISTS_CLOSED, _("Every service that would fit has closed its list")),
)

# The search criterion that excluded the services covering the area ("none" when no service
# covers it at all, "several" when more than one criterion did).
EXCLUDED_BY = (
    ("none", _("None (no service covers the area)")),
    ("abuse_form", _("Form of abuse")),
    ("age", _("Age")),
    ("disclosure", _("Requires a verbal disclosure")),
    ("proceedings", _("Police investigation or court case must be finished")),
    ("audience", _("Who is supported (parent, carer or sibling)")),
    ("support_kind", _("Kind of support")),
    ("referrer", _("Who may refer")),
    ("delivery", _("How support is delivered")),
    ("language", _("Language (Welsh)")),
    ("wait", _("Waiting time")),
    ("status", _("Referrals paused or list closed")),
    ("several", _("More than one criterion")),
)
EXCLUDED_BY_CODES = tuple(code for code, _label in EXCLUDED_BY)

# The child's age is stored only as a band.
UNMET_AGE_BANDS = (
    ("under_5", _("Under 5")),
    ("5_10", _("5 to 10")),
    ("11_15", _("11 to 15")),
    ("16_17", _("16 and 17")),
    ("18_plus", _("18 and over")),
    ("unknown", _("Age not given")),
)


def age_band_for(age: float | None) -> str:
    """The band an age falls in; the age itself is never stored."""
    if age is None:
        return "unknown"
    if age < 0:
        raise ValueError("age cannot be negative")
    for code, high in (("under_5", 5), ("5_10", 11), ("11_15", 16), ("16_17", 18)):
        if age < high:
            return code
    return "18_plus"


# The search page's criterion codes (directory.selectors.CRITERIA) → the counter's codes.
SEARCH_CRITERION_TO_EXCLUDED_BY = {
    "status": "status",
    "age": "age",
    "abuse_forms": "abuse_form",
    "audiences": "audience",
    "disclosure": "disclosure",
    "proceedings": "proceedings",
    "delivery": "delivery",
    "welsh": "language",
    "wait": "wait",
    "referrer": "referrer",
}
_CLOSED_LIST_CRITERIA = {"status", "wait"}


def classify_unmet(*, local_matches: int, local_failures: list[list[str]]) -> tuple[str, str] | None:
    """Why a search found nothing covering the child's area, as (excluded_by, reason) codes.

    None when something covering the area matched (the search is not unmet). Pure.
    - no covering service at all → ("none", no service exists);
    - every covering service failed only on its list being closed/paused or its wait →
      lists closed;
    - otherwise the criteria excluded them: the one criterion that did, or "several".
    """
    if local_matches:
        return None
    if not local_failures:
        return "none", REASON_NO_SERVICE
    codes = {code for failed in local_failures for code in failed}
    reason = REASON_LISTS_CLOSED if codes <= _CLOSED_LIST_CRITERIA else REASON_CRITERIA
    excluded_by = SEARCH_CRITERION_TO_EXCLUDED_BY.get(next(iter(codes)), "several") if len(codes) == 1 else "several"
    return excluded_by, reason
