"""One settings module, configured by the environment.

Defaults run the app and the tests on SQLite with no environment at all; production differs
only by environment variables (all listed in `.env.example`).
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured
from django.http.request import validate_host
from django.utils.translation import gettext_lazy as _
from redis.connection import parse_url as redis_parse_url

from servicemap import static_headers
from servicemap.rates import parse_rate
from servicemap.release import release_id

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def prepare_threshold(raw: str) -> int | None:
    """DB_PREPARE_THRESHOLD: a whole number of runs, or "off" (None: psycopg prepares nothing)."""
    if raw.strip().lower() in ("off", "none", ""):
        return None
    if not raw.strip().isdecimal():  # no sign, no fraction: a count of runs
        raise ImproperlyConfigured(f'DB_PREPARE_THRESHOLD must be a whole number of runs or "off", not {raw!r}')
    return int(raw)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


def env_days(name: str, default: int) -> int:
    """A period in whole days, at least one: at 0 a record would be removed the night it was made."""
    days = env_int(name, default)
    if days < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of days, 1 or more, not {days!r}")
    return days


def env_seconds(name: str, default: int) -> int:
    """A time limit in whole seconds, at least one: at 0 nothing could be done in it."""
    seconds = env_int(name, default)
    if seconds < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of seconds, 1 or more, not {seconds!r}")
    return seconds


def env_rate(name: str, default: str) -> str:
    """A rate as DRF and servicemap/rate_limits.py read it ("N/second", "N/minute", "N/hour",
    "N/day"; only the period's first letter counts): refused at start-up, not on a request."""
    value = env_str(name, default)
    try:
        parse_rate(value)
    except ImproperlyConfigured:
        raise ImproperlyConfigured(f"{name} must be a rate like 300/minute or 20/hour, not {value!r}") from None
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
# Read as every other switch: "false" or "0" turns it off (any value at all did), a typo is refused.
_REQUIRE_SECRET_KEY = env_bool("DJANGO_REQUIRE_SECRET_KEY", False)
if not SECRET_KEY:
    if not DEBUG and _REQUIRE_SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in production (DJANGO_REQUIRE_SECRET_KEY is on); make one with: "
            "python -c \"import secrets; print(secrets.token_urlsafe(64))\""
        )
    # A fixed development key: fine locally, never used where SECRET_KEY is set.
    SECRET_KEY = "django-insecure-dev-only-key-set-SECRET_KEY-in-production"  # `check --deploy` flags the prefix

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])


def is_local_host(host: str) -> bool:
    """True for a host name only this machine can reach (DEBUG is allowed only with these)."""
    host = host.lower()
    return host in {"localhost", "127.0.0.1", "[::1]", "::1", "testserver"} or host.endswith(".localhost")


# Whether anyone but this machine can reach the site: DEBUG, SECRET_KEY and SITE_URL are held to it.
_reachable_by_others = not all(is_local_host(host) for host in ALLOWED_HOSTS)

# The debug pages show settings, SQL and tracebacks: never let them reach the internet.
if DEBUG and _reachable_by_others:
    raise ImproperlyConfigured(
        "DEBUG may only be on while ALLOWED_HOSTS lists local hosts only (localhost, 127.0.0.1, [::1]); "
        f"it lists {', '.join(ALLOWED_HOSTS)}"
    )

# Sessions, CSRF tokens and password-reset links are signed with SECRET_KEY: a site others can reach
# must not run on the development key, nor on .env.example's "change-me". Django's own measure of a
# weak key (`check --deploy`, security.W009) decides, here at start-up rather than in a warning.
if _reachable_by_others and not (
    len(SECRET_KEY) >= SECRET_KEY_MIN_LENGTH and len(set(SECRET_KEY)) >= SECRET_KEY_MIN_UNIQUE_CHARACTERS
    and not SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
):
    raise ImproperlyConfigured(
        f"SECRET_KEY must be a long random value (at least {SECRET_KEY_MIN_LENGTH} characters) where ALLOWED_HOSTS "
        "names a host others can reach; make one with: "
        "python -c \"import secrets; print(secrets.token_urlsafe(64))\""
    )

INSTALLED_APPS = [
    # modeltranslation must come before admin so translated fields show there.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "directory",
    "gaps",
    "servicemap.apps.AxesConfig",  # django-axes, named in the page's language
    "directory.accounts",
    "directory.listings",
]

MIDDLEWARE = [
    # /healthz/ for load balancers, before host validation and the HTTPS redirect (why: there).
    "servicemap.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Location, camera, microphone, payment and the like off for every page (why: there).
    "servicemap.permissions_policy.PermissionsPolicyMiddleware",
    # Static files straight after the security headers, before sessions and the rest.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "directory.oruk.middleware.OpenApiCorsMiddleware",
    # ETags and 304s on the open APIs (why: there); inside CORS, so a 304 carries its header.
    "directory.oruk.middleware.OpenApiConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "servicemap.vary_language.NoAcceptLanguageVaryMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # The open APIs' language from ?lang= or Accept-Language (why: vary_language.py); after
    # LocaleMiddleware, which has chosen English for every path outside a language prefix.
    "servicemap.vary_language.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "servicemap.private_pages.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The site's page for Django's empty 405, inside the language, user, messages and CSP nonce it needs.
    "servicemap.errors.MethodNotAllowedMiddleware",
    # Control characters out of every page's address before its view reads it (why: there).
    "directory.control_characters.ControlCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # django-axes must be last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "servicemap.urls"
WSGI_APPLICATION = "servicemap.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "directory.context_processors.site",
                "directory.context_processors.shortlist",
            ],
            # {% load security %}: CSP nonces for server-built inline scripts (folium maps).
            "libraries": {"security": "servicemap.templatetags.security"},
        },
    },
]


def database_settings(url: str, conn_max_age: int) -> dict:
    """DATABASE_URL as Django's database settings: PostgreSQL, or SQLite (development, tests).

    A mistyped URL is refused here, at start-up, and the message never repeats the URL: it holds the
    password. Other engines are refused too: the app relies on PostgreSQL's LISTEN/NOTIFY and window
    functions, and only these two are tested."""
    example = "postgres://USER:PASSWORD@HOST:5432/NAME"
    try:
        config = dj_database_url.parse(url, conn_max_age=conn_max_age)
    except ValueError as exc:  # an unknown scheme, a port that is not a number, an unquoted character
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL like {example} ({type(exc).__name__}; characters such as "
            "@ : / # in the password must be %-encoded)"
        ) from None
    if config["ENGINE"] not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a PostgreSQL URL like {example} (or sqlite:///PATH for development), "
            f"not a {urlsplit(url).scheme}:// one"
        )
    return config


DATABASES = {
    "default": database_settings(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), env_int("DB_CONN_MAX_AGE", 0)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters sent apart from the SQL (psycopg's server-side binding), not quoted into it in
    # Python: quoting cost ~80 µs for a one-parameter query and ~0.6 ms for a page's 53, more than
    # PostgreSQL took to run them. DB_SERVER_SIDE_BINDING=false turns it off.
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = env_bool("DB_SERVER_SIDE_BINDING", True)
    # A statement run this many times on a connection is prepared (psycopg's automatic prepared
    # statements): PostgreSQL then plans it once per connection, not on every run. Planning the
    # hot queries (the version read, a page's stored renderings, a search's) cost as much as
    # running them: a first-time search ~11 → ~7 ms, an API page ~4.8 → ~3.5 ms (BENCHMARKS.md).
    # Needs persistent connections to pay off (DB_CONN_MAX_AGE). "off" behind a pooler that
    # cannot keep prepared statements (PgBouncer in transaction mode before 1.21, or without
    # max_prepared_statements).
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = prepare_threshold(env_str("DB_PREPARE_THRESHOLD", "5"))
    # Give up connecting after this many seconds: with the server out of reach (a host down, packets
    # dropped) libpq would otherwise wait for TCP to give up, minutes, and gunicorn would kill the
    # worker after its 30 s; this way the visitor gets the 503 page (servicemap/errors.py) at once.
    DATABASES["default"]["OPTIONS"]["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
# PostgreSQL: each process keeps the directory's version, read once, until a notice (LISTEN/NOTIFY
# on a connection of its own) says it changed: a round trip less on every page and API response
# (directory/version_notices.py). false behind a pooler in transaction mode, which cannot LISTEN.
DIRECTORY_VERSION_LISTEN = env_bool("DB_VERSION_LISTEN", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite reads the file through a memory map instead of a read() per page: a search's twenty
    # stored cards cost ~0.25 ms instead of ~0.5, an API page's fifty documents ~0.6 instead of
    # ~1.3 (BENCHMARKS.md). Address space only (the operating system's page cache holds the file);
    # SQLITE_MMAP_SIZE=0 turns it off.
    mmap_size = env_int("SQLITE_MMAP_SIZE", 2**30)
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = f"PRAGMA mmap_size={mmap_size}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's rules with the site's own (translated) messages: directory/accounts/password_validation.py.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "directory.accounts.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "directory.accounts.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "directory.accounts.password_validation.CommonPasswordValidator"},
    {"NAME": "directory.accounts.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("cy", _("Welsh"))]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# locale/: our own strings (`make messages`). locale_upstream/: Welsh for the strings of Django's admin,
# django-axes and django-simple-history that their own Welsh catalogues leave in English, kept by hand
# (makemessages would drop them from ours: our code does not use them). Both outrank the packages' own.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_upstream"]
# British date formats for "en" (Django's are American); Welsh uses Django's own "cy" formats.
FORMAT_MODULE_PATH = ["servicemap.formats"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))  # where collectstatic writes
STATICFILES_DIRS = [BASE_DIR / "servicemap" / "static"]
# Production runs `collectstatic` and serves hashed, compressed files (far-future cache headers)
# through whitenoise. Without it (development, tests) files are served from the app folders.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "servicemap.storage.StaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_ADD_HEADERS_FUNCTION = static_headers.add_headers  # a policy and no framing (why: there)
if not STATIC_MANIFEST:
    # Files come from the finders then, so a missing (never collected) STATIC_ROOT is expected.
    warnings.filterwarnings("ignore", message="No directory at: ", category=UserWarning)

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
SESSION_COOKIE_HTTPONLY = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)

# Accounts (issue 4): providers and moderators sign in; everyone else reads anonymously.
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses locked-out credentials before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, but a closed account with the right password is named to the sign-in
    # form, which says what to do instead of "wrong password" (directory/accounts/backends.py).
    "directory.accounts.backends.SignInBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "listings:dashboard"
LOGOUT_REDIRECT_URL = "directory:home"
# Login rate limit: this many failures for one username from one address locks that pair out
# for AXES_COOLOFF_HOURS. Locking by the pair (not the username alone) means nobody can lock a
# provider out from elsewhere just by knowing their email address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# The visitor's address behind NUM_PROXIES reverse proxies (servicemap/client_address.py), as the
# API's and the report form's limits read it too.
AXES_CLIENT_IP_CALLABLE = "servicemap.client_address.client_address"
# Base URL for links in emails sent outside a request (invitations, review requests).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# On a site others can reach, the links in its emails must reach it too: left at its default, every
# invitation and review request would link to 127.0.0.1, and to a host not in ALLOWED_HOSTS a 400.
_site_host = urlsplit(SITE_URL).hostname or ""
if _reachable_by_others and (is_local_host(_site_host) or not validate_host(_site_host, ALLOWED_HOSTS)):
    raise ImproperlyConfigured(
        f"SITE_URL must be the site's public address, on a host ALLOWED_HOSTS lists (links in emails go there), "
        f"not {SITE_URL!r}"
    )
INVITATION_MAX_AGE_DAYS = env_int("INVITATION_MAX_AGE_DAYS", 7)
# How long personal data about staff is kept before `manage.py prune_personal_data` (nightly,
# deploy/crontab) removes it: UK GDPR's storage limitation. The privacy notice names these periods.
# Sign-in records (django-axes' AccessLog: address, browser, times): long enough to look back over
# a quarter when an account's misuse comes to light, which is rarely at once; not a standing record
# of where staff work from.
RETAIN_SIGN_IN_RECORDS_DAYS = env_days("RETAIN_SIGN_IN_RECORDS_DAYS", 90)
# Invitations, counted from when one was accepted or its link expired: a moderator's invite page
# shows whether a recent invitation was taken up, to chase or send it again; after a month there is
# nothing left to follow up (the account, if made, holds the rest).
RETAIN_INVITATIONS_DAYS = env_days("RETAIN_INVITATIONS_DAYS", 30)
# Problem reports, counted from when one was resolved: a listing is reviewed once a year (the
# 11/12/13-month review requests), so the last year's reports are there when it comes round and a
# problem that comes back can be seen as one. Open reports are never removed.
RETAIN_RESOLVED_PROBLEM_REPORTS_DAYS = env_days("RETAIN_RESOLVED_PROBLEM_REPORTS_DAYS", 365)
# The addresses a review request went to, counted from when it was sent: through one review cycle,
# to answer "who was asked, and when?"; then blanked. The record that it was sent stays (without
# them): it is what stops send_review_requests sending the same request twice.
RETAIN_REVIEW_REQUEST_ADDRESSES_DAYS = env_days("RETAIN_REVIEW_REQUEST_ADDRESSES_DAYS", 365)
# Unused staff accounts (`manage.py close_unused_accounts`, daily from deploy/crontab; the rules are
# directory/accounts/dormancy.py): an account of someone who has left still names them and can still
# sign in and edit a listing social workers rely on. An account not signed in to for
# CLOSE_UNUSED_ACCOUNTS_DAYS is closed (it cannot sign in; its organisations' listings stay). A year:
# a provider is asked to confirm each listing once a year (11/12/13 months), so anyone still keeping
# one up to date signs in within it, and the warning below comes with the 11-month request.
CLOSE_UNUSED_ACCOUNTS_DAYS = env_days("CLOSE_UNUSED_ACCOUNTS_DAYS", 365)
# Days before it is closed that the account holder is emailed (and no account is closed sooner after
# its warning, even one found already past the limit): a month to sign in, or to ask for more time.
UNUSED_ACCOUNT_WARNING_DAYS = env_days("UNUSED_ACCOUNT_WARNING_DAYS", 30)
# Days a closed account is kept, for a moderator to open it again, before its email address and name
# are erased (its changes stay in the history under a number): a quarter, the moderation page's
# rhythm, and enough for someone back from leave to ask; after that a new invitation is as quick.
ERASE_CLOSED_ACCOUNTS_DAYS = env_days("ERASE_CLOSED_ACCOUNTS_DAYS", 90)
if UNUSED_ACCOUNT_WARNING_DAYS >= CLOSE_UNUSED_ACCOUNTS_DAYS:
    raise ImproperlyConfigured(
        f"UNUSED_ACCOUNT_WARNING_DAYS ({UNUSED_ACCOUNT_WARNING_DAYS}) must be fewer than CLOSE_UNUSED_ACCOUNTS_DAYS "
        f"({CLOSE_UNUSED_ACCOUNTS_DAYS}): the warning would go to someone who had just signed in"
    )
# Who runs the site, for the privacy notice and the accessibility statement (docs/deploy.md section 1).
# The organisation is the data controller; left empty, the pages say in a marked box that the operator
# has not filled it in yet, and `check --deploy` warns (servicemap/checks.py).
SITE_OPERATOR_NAME = env_str("SITE_OPERATOR_NAME", "")
PRIVACY_CONTACT_EMAIL = env_str("PRIVACY_CONTACT_EMAIL", "")
PRIVACY_DPO_CONTACT = env_str("PRIVACY_DPO_CONTACT", "")  # the data protection officer: an email or a name and address
# The lawful basis the privacy notice gives (public task) is the operator's to confirm: until then
# the page marks it as a placeholder.
PRIVACY_LAWFUL_BASIS_CONFIRMED = env_bool("PRIVACY_LAWFUL_BASIS_CONFIRMED", False)
# Where people report a page they cannot use (the accessibility statement). By default a mailbox at
# the site's own host, the usual place to look; set it to one someone reads.
_contact_host = "servicemap.localhost" if is_local_host(_site_host) else _site_host
ACCESSIBILITY_CONTACT_EMAIL = env_str("ACCESSIBILITY_CONTACT_EMAIL", f"accessibility@{_contact_host}")


def cache_settings(redis_url: str, release: str = "dev") -> dict:
    """Redis shared by every app server when REDIS_URL is set; this process's memory otherwise.

    Keys carry the release (servicemap/release.py), so pages cached by older code are never served.
    """
    if redis_url:
        return {
            "default": {
                "BACKEND": "servicemap.redis_cache.RedisCache",  # Django's, one client per pool (why: there)
                "LOCATION": redis_url,
                "KEY_PREFIX": f"servicemap:{release}",
                # A Redis outage must not take the site down: give up quickly; the backend then
                # serves without Redis for a while (servicemap/redis_cache.py).
                "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
            }
        }
    # One ORUK list page stores 51 entries (its documents and the response): room for a few hundred
    # pages and searches per process, a few tens of MB at most.
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": release,
                        "OPTIONS": {"MAX_ENTRIES": 5000}}}


def redis_url_checked(url: str) -> str:
    """REDIS_URL, refused at start-up if redis-py cannot read it: it would otherwise fail every cache
    call, so every page and /healthz/ answered 500. The message never repeats the URL (it may hold
    a password)."""
    if not url:
        return url
    example = "redis://HOST:6379/0 (or rediss:// for TLS, unix:///PATH?db=0)"
    try:
        options = redis_parse_url(url)
    except ValueError:
        raise ImproperlyConfigured(f"REDIS_URL must be a Redis URL like {example}") from None
    parts = urlsplit(url)
    if parts.scheme != "unix" and "db" not in options and parts.path.strip("/"):
        # "/nine" or "/9x": redis-py would quietly use database 0 (another app's, maybe)
        raise ImproperlyConfigured(f"REDIS_URL must end with a database number, like {example}")
    return url


REDIS_URL = redis_url_checked(env_str("REDIS_URL", ""))
# The deployed release (e.g. its git commit); by default a hash of the code and templates.
RELEASE_ID = release_id(env_str("RELEASE_ID", ""), BASE_DIR)
# Whether /healthz/ names RELEASE_ID. Off by default: the proxy passes /healthz/ on to anyone, and a
# release (often a git commit) tells a stranger exactly which code, with which known flaws, runs here.
HEALTHZ_SHOWS_RELEASE = env_bool("HEALTHZ_SHOWS_RELEASE", False)
# Whether a page that builds a service's missing rendering stores it (directory/renderings.py).
# False on app servers whose database is a read-only replica: the primary keeps the store.
RENDERINGS_STORE_ON_READ = env_bool("RENDERINGS_STORE_ON_READ", True)
CACHES = cache_settings(REDIS_URL, RELEASE_ID)
# With a shared cache, sessions are read from Redis and written through to the database (so a Redis
# restart logs nobody out). A per-process memory cache would serve stale sessions across workers,
# so without Redis they live in the database only.
SESSION_ENGINE = (
    # Django's, reading only a session key Django could have made (servicemap/sessions/__init__.py).
    "servicemap.sessions.cached_db" if REDIS_URL else "servicemap.sessions.db"
)

# HTTPS. Off by default so `make run` works over plain http; production turns them on (docs/deploy.md).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
# Behind a TLS-terminating proxy: "HTTP_X_FORWARDED_PROTO,https" trusts that header (only set this
# when the proxy always overwrites it, or anyone can claim https).
_proxy_header = env_list("SECURE_PROXY_SSL_HEADER", [])
if _proxy_header and len(_proxy_header) != 2:
    raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must be 'HEADER,value', e.g. 'HTTP_X_FORWARDED_PROTO,https'")
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) if _proxy_header else None
# Search pages carry a child's postcode district, age and forms of abuse in their query string:
# "same-origin" never sends them to the services' own sites when a user follows a link.
SECURE_REFERRER_POLICY = env_str("SECURE_REFERRER_POLICY", "same-origin")
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before giving up on the mail server: without it a server out of reach holds the request
# until TCP gives up (directory/mail.py logs the failure; the change is saved all the same).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "servicemap <no-reply@servicemap.localhost>")

# Map base tiles: empty means no tiles (the maps stay useful with boundaries alone, and no
# request leaves the site). Set a tile URL template to use one, with its attribution.
MAP_TILES_URL = env_str("MAP_TILES_URL", "")  # its origin is allowed in the CSP's img-src
MAP_TILES_ATTRIBUTION = env_str("MAP_TILES_ATTRIBUTION", "")


def tile_origin(url: str) -> str:
    """The CSP source for a tile URL template: scheme and host, with `{s}` subdomains as a wildcard."""
    parts = urlsplit(url)
    host = re.sub(r"\{[a-z]+\}", "*", parts.netloc)
    return f"{parts.scheme}://{host}"


# Content-Security-Policy: only our own files, plus inline scripts carrying this response's nonce
# (base.html and the folium map scripts; see servicemap/templatetags/csp_tags.py). Leaflet styles
# map panes through the DOM and folium's tooltips carry style attributes, hence style-src-attr.
_csp_img = [SELF, "data:"] + ([tile_origin(MAP_TILES_URL)] if MAP_TILES_URL else [])
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": _csp_img,
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Report-only to try a stricter policy on a live site without breaking it.
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP

# Reverse proxies in front of the app that append to X-Forwarded-For (nginx in docs/deploy.md: 1).
# 0 reads REMOTE_ADDR alone; a client could otherwise write any address it likes there.
NUM_PROXIES = env_int("NUM_PROXIES", 0)
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # OPTIONS: an empty 200 with Allow, not the views' docstrings and parsers (why: there).
    "DEFAULT_METADATA_CLASS": "servicemap.api_metadata.AllowOnlyMetadata",
    "NUM_PROXIES": NUM_PROXIES,  # any DRF throttle; ours read servicemap/client_address.py
}

# Open Referral UK API (/api/oruk/): anonymous clients' rate, in DRF's "N/second|minute|hour|day".
ORUK_API_ANON_RATE = env_rate("ORUK_API_ANON_RATE", "300/minute")
# Whole feeds (format=ndjson: every match, streamed, a second or more of a worker each) per client.
ORUK_API_FEED_RATE = env_rate("ORUK_API_FEED_RATE", "60/hour")
# The gaps API (/api/gaps/): anonymous clients' rate. An answer not yet cached for this directory
# version (one of hundreds of layer/age/view/basis/need/sort choices) costs a worker ~0.5 s, where an
# ORUK page costs milliseconds: a fifth of ORUK_API_ANON_RATE, and far more than its page asks for.
GAPS_API_ANON_RATE = env_rate("GAPS_API_ANON_RATE", "60/minute")
# `import_oruk` from a feed URL (directory/oruk/sources.py): the seconds one document (a page, or a
# service's details) may take to arrive whole, and the whole feed to be read, its waits for a rate
# limit included. Each read is bounded too, but a feed sending a byte every few seconds would
# otherwise hold the import for as long as it went on. 120 s is far beyond a page of 1,000 full
# services; 4 hours is --fetch-details' 20,000 requests at our own ORUK_API_ANON_RATE over three
# times. Past either, the import stops with nothing imported and says which.
ORUK_IMPORT_DOCUMENT_SECONDS = env_seconds("ORUK_IMPORT_DOCUMENT_SECONDS", 120)
ORUK_IMPORT_TOTAL_SECONDS = env_seconds("ORUK_IMPORT_TOTAL_SECONDS", 4 * 60 * 60)
# Public "report a problem" submissions per client (servicemap/rate_limits.py): reports land in the
# moderators' queue, and a script sending hundreds would bury the real ones.
PROBLEM_REPORT_RATE = env_rate("PROBLEM_REPORT_RATE", "20/hour")
# Password reset requests per client (servicemap/rate_limits.py): nobody's mailbox is filled with links.
PASSWORD_RESET_RATE = env_rate("PASSWORD_RESET_RATE", "5/hour")
# Wrong passwords per client, whatever the address tried (servicemap/rate_limits.py): django-axes
# locks one address from one client, so a client could try a few common passwords on every address.
SIGN_IN_FAILURE_RATE = env_rate("SIGN_IN_FAILURE_RATE", "30/hour")
# A reset link works once, and for a day (Django's default is three).
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60
# Searches with no local service counted for the gaps module per client (the search is still served):
# a script repeating one could otherwise write the published unmet-demand figures.
UNMET_COUNT_RATE = env_rate("UNMET_COUNT_RATE", "60/hour")
SPECTACULAR_SETTINGS = {
    "TITLE": "servicemap API",
    "DESCRIPTION": (
        "/api/oruk/: specialist child sexual abuse support services in Wales as an Open Referral UK 3.0 "
        "(HSDS 3.0) feed. "
        "/api/gaps/: the gaps analysis (access to support per area) with its source, period, method and limits. "
        "Both are open to read with no key; each limits how often one client may ask (the ORUK API "
        f"{ORUK_API_ANON_RATE}, and {ORUK_API_FEED_RATE} for whole feeds; the gaps API {GAPS_API_ANON_RATE}, as its "
        "answers cost more to make), and past a limit answers 429. Our vocabulary (forms of abuse, kinds of "
        "support, who is supported, who may refer, delivery, referral criteria) is published at /taxonomies "
        "and used in each service's attributes and csa_ extension fields. "
        "/api/oruk/ and /api/gaps/ answer in Welsh to Accept-Language: cy or lang=cy (text a provider gave only "
        "in English stays English; codes are the same in both), and say which in Content-Language. "
        "Every error is JSON (`status`, `detail`, and for a 400 the `parameter` at fault): a parameter an endpoint "
        "does not take, a value it does not know, or a parameter given twice with different values is a 400 naming "
        "it. abuse_form and audience are lists: repeat the parameter (abuse_form=cse&abuse_form=online) or "
        "separate codes with commas (abuse_form=cse,online). A parameter with an empty value (sort=, as an HTML "
        "form sends) is read as absent. "
        "Each answer has an ETag: send it back in If-None-Match to be answered 304 (no body) while it has not "
        "changed; a 429 says in Retry-After how many seconds to wait. "
        "Caching: an answer says Cache-Control: public, no-cache, so a browser or a shared cache may keep it but "
        "must ask again with its ETag before using it (a 304 costs no body, and the directory can change at any "
        "moment: a service may close its list); a whole feed (format=ndjson) and every error say no-store. "
        "Answers vary by language (Vary: Accept-Language)."
    ),
    "VERSION": "HSDS-UK-3.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["directory.oruk.openapi.without_trailing_slashes"],
    # drf-spectacular's own (enums as components), then every GET's 304 and ETag and a 429's Retry-After,
    # then every query parameter's empty value (read as absent).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "directory.oruk.openapi.document_conditional_requests",
                             "directory.oruk.openapi.document_empty_values"],
    # Swagger UI and Redoc from the drf-spectacular-sidecar package: the docs page uses no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Deep links put a link inside each operation's open/close button (two controls in one, which
    # keyboards and screen readers handle badly: axe's nested-interactive); without them the path is text.
    # Examples and answers coloured as "tomorrow-night" does: the default ("agate") drew numbers at
    # 3.5:1 against their background (WCAG 1.4.3); these colours for JSON and curl are 4.5:1 or more.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "syntaxHighlight": {"theme": "tomorrow-night"}},
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"drop_query_strings": {"()": "servicemap.log_filters.DropQueryStrings"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                          "style": "{"},
        # Time (left out when stderr is systemd's journal, which keeps it), level, logger, message:
        # cron's log files and `docker compose logs` show no time of their own (servicemap/log_format.py).
        "console": {"()": "servicemap.log_format.console_formatter"},
    },
    "handlers": {
        # Every line, from any logger, less any query string: a URL logged anywhere must not carry
        # a search's criteria into a log.
        "console": {"class": "logging.StreamHandler", "formatter": "console", "filters": ["drop_query_strings"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        # The development server's request log, as Django sets it up, less the query strings: a
        # search's criteria are in them (servicemap/log_filters.py).
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False,
                          "filters": ["drop_query_strings"]},
        # The scheduled jobs' start, end and counts (servicemap/scheduled_jobs.py), whatever LOG_LEVEL:
        # they are what an operator reads in /var/log/servicemap/.
        "servicemap.jobs": {"level": "INFO"},
    },
}
