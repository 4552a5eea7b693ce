"""`/robots.txt` and `/favicon.ico`: the two files every crawler and browser asks for at the root.

robots.txt keeps well-behaved crawlers off pages that are personal to a visitor (the shortlist),
signed-in work (manage, moderation, accounts, admin), forms, the API (for harvesters, who read its
own paging) and the search: every combination of postcode, age and criteria is a page of its own,
rendered afresh the first time it is asked, so a crawler following the form's links would walk an
endless space of searches at the cost of real users' ones. Service pages, the gaps pages and the
home page stay open to search engines: being found is part of what a directory is for.

While the fictional sample directory is loaded, everything is closed: a search engine listing a
made-up service as somewhere to get help with child sexual abuse would send someone nowhere.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.views.decorators.http import require_safe

from directory.context_processors import sample_data_loaded

# Paths under each language's prefix ("" for English, "/cy" for Welsh) kept from crawlers.
LANGUAGE_PATHS = ("/search/", "/shortlist/", "/manage/", "/moderation/", "/accounts/", "/admin/",
                  "/services/*/report/")
# Paths without a language prefix.
ROOT_PATHS = ("/api/",)


def _prefixes() -> list[str]:
    """The URL prefix of each language (i18n_patterns with prefix_default_language=False)."""
    return ["" if code == settings.LANGUAGE_CODE else f"/{code}" for code, _name in settings.LANGUAGES]


def robots_txt_lines(*, sample_data: bool) -> list[str]:
    if sample_data:
        return ["# The sample directory is loaded: its services are fictional, not somewhere to get help.",
                "User-agent: *", "Disallow: /"]
    disallowed = [*(prefix + path for prefix in _prefixes() for path in LANGUAGE_PATHS), *ROOT_PATHS]
    return ["User-agent: *", *(f"Disallow: {path}" for path in disallowed)]


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = robots_txt_lines(sample_data=sample_data_loaded())
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages with no icon link (the API's JSON); ours is an SVG."""
    return HttpResponsePermanentRedirect(staticfiles_storage.url("favicon.svg"))
