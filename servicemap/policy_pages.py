"""The cookies page, the privacy notice and the accessibility statement, linked from every page's
footer. Their words are in the templates (templates/policies/); the facts they state (cookie names
and lifetimes, how long things are kept, who to contact) come from the settings and code through
servicemap/cookie_list.py and servicemap/personal_data_kept.py, so the pages follow the code."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from directory.back_to_search import COOKIE_MAX_AGE as BACK_TO_SEARCH_MAX_AGE
from gaps.suppression import LOW
from servicemap.cookie_list import (
    LAST_SEARCH_STORAGE_KEY,
    TYPED_TEXT_STORAGE_KEY,
    cookies_the_site_sets,
    map_tile_host,
)
from servicemap.durations import duration_text
from servicemap.personal_data_kept import retention

# When the accessibility statement was written and last checked against the tests it describes
# (tests/browser/). Move it on whenever the statement is reviewed.
ACCESSIBILITY_STATEMENT_PREPARED = date(2026, 12, 5)
ACCESSIBILITY_STATEMENT_REVIEWED = date(2026, 12, 7)


def _operator() -> dict:
    return {
        "operator_name": settings.SITE_OPERATOR_NAME.strip(),
        "privacy_contact": settings.PRIVACY_CONTACT_EMAIL.strip(),
        "dpo_contact": settings.PRIVACY_DPO_CONTACT.strip(),
        "lawful_basis_confirmed": settings.PRIVACY_LAWFUL_BASIS_CONFIRMED,
        "accessibility_contact": settings.ACCESSIBILITY_CONTACT_EMAIL.strip(),
    }


@require_safe
def cookies(request: HttpRequest) -> HttpResponse:
    return render(request, "policies/cookies.html", {
        "cookies": cookies_the_site_sets(),
        "storage_key": TYPED_TEXT_STORAGE_KEY,
        "last_search_key": LAST_SEARCH_STORAGE_KEY,
        "tile_host": map_tile_host(),
    })


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "policies/privacy.html", {
        **_operator(),
        "kept": retention(),
        "back_to_search_for": duration_text(BACK_TO_SEARCH_MAX_AGE),
        "suppressed_as": LOW,
        "tile_host": map_tile_host(),
    })


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "policies/accessibility.html", {
        **_operator(),
        "prepared": ACCESSIBILITY_STATEMENT_PREPARED,
        "reviewed": ACCESSIBILITY_STATEMENT_REVIEWED,
        "tile_host": map_tile_host(),
        "site_url": settings.SITE_URL,
    })
