"""Every cookie the site can set, with what it is for and how long it lasts, read from the settings
that decide them, for the cookies page (PECR). A test walks the site's main journeys and fails on a
cookie it sees that is not listed here, so the page cannot fall behind the code.

All of them are strictly necessary (the shortlist someone builds, signing in, protecting forms,
a confirmation shown once, the search "Back to search" leads to without JavaScript: a user-input
cookie, gone with the browser), so no consent banner is needed. The site sets no analytics cookie and
asks nothing of any other website, unless the operator sets map tiles (`MAP_TILES_URL`): then maps
load their images from that site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from directory import back_to_search
from servicemap.durations import duration_text

# What the site keeps in the browser other than cookies, in this tab's sessionStorage: what was typed
# into a form, for the page in the other language (servicemap/static/js/keep-typing.js), and the last
# search's address, for "Back to search" on the shortlist and a service's page (servicemap/static/js/last-search.js).
TYPED_TEXT_STORAGE_KEY = "servicemap-typed-before-language-switch"
LAST_SEARCH_STORAGE_KEY = "servicemap-last-search"


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str
    expiry: str
    use: str  # what it is for in a few words, for the page's introduction ("servicemap uses only the cookies it needs: …")


def _until_browser_closes() -> str:
    return _("When you close your browser")


def _session_cookie() -> Cookie:
    age = duration_text(settings.SESSION_COOKIE_AGE)
    if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE:
        expiry = _("When you close your browser, or %(age)s after your shortlist or sign-in last changed") % {"age": age}
    else:
        expiry = age
    return Cookie(
        settings.SESSION_COOKIE_NAME,
        _("Remembers the services on your shortlist, and that you are signed in if you are a provider or moderator."),
        expiry,
        _("to keep your shortlist, and to keep you signed in"),
    )


def _csrf_cookie() -> Cookie:
    # CSRF_USE_SESSIONS would keep the token in the session instead: then there is no such cookie.
    return Cookie(
        settings.CSRF_COOKIE_NAME,
        _("Makes sure a form you send was sent from this site, not from another website."),
        duration_text(settings.CSRF_COOKIE_AGE) if settings.CSRF_COOKIE_AGE else _until_browser_closes(),
        _("to protect its forms"),
    )


def _messages_cookie() -> Cookie | None:
    storage = import_string(settings.MESSAGE_STORAGE)
    if not (issubclass(storage, CookieStorage)
            or (issubclass(storage, FallbackStorage) and CookieStorage in storage.storage_classes)):
        return None
    return Cookie(
        CookieStorage.cookie_name,
        _("Carries a confirmation (such as “added to your shortlist”) to the next page, which deletes it."),
        _until_browser_closes(),
        _("to show a confirmation on the next page"),
    )


def _back_to_search_cookie() -> Cookie:
    return Cookie(
        back_to_search.COOKIE_NAME,
        _("Holds the address of the search results you opened a service's page or your shortlist from (with a "
          "postcode's first part at most), so that “Back to search” still leads there, without JavaScript, after "
          "you add a service to your shortlist or open one from it. The site reads it for that link only and does "
          "not store it."),
        _("When you close your browser; not used %(age)s after it was set")
        % {"age": duration_text(back_to_search.COOKIE_MAX_AGE)},
        _("to remember which search “Back to search” leads to"),
    )


def cookies_the_site_sets() -> list[Cookie]:
    """Each cookie the site can set, in the order the cookies page lists them."""
    found = [_session_cookie()]
    if not settings.CSRF_USE_SESSIONS:
        found.append(_csrf_cookie())
    messages = _messages_cookie()
    if messages is not None:
        found.append(messages)
    found.append(_back_to_search_cookie())
    # No language cookie: a page's address says its language (English, or Welsh under /cy/), and the
    # switcher is a plain link. Django's language form (/i18n/setlang/), which set one, is not routed.
    return found


def map_tile_host() -> str:
    """The other website maps load their images from (`MAP_TILES_URL`), or "" when there is none."""
    # "{s}.tile.example.org": the tile server's subdomains, one site.
    return re.sub(r"^\{[a-z]+\}\.", "", urlsplit(settings.MAP_TILES_URL).netloc) if settings.MAP_TILES_URL else ""
