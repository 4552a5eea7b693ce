"""How long the site keeps what it holds about people, read from the settings and code that decide
it, for the privacy notice: the page names these figures, so it changes when they do.

Only staff (provider editors and moderators) have personal data here; nothing is held about a child
or family. Sign-in records, invitations, resolved problem reports and the review requests' addresses
are kept for the RETAIN_*_DAYS settings, and `prune_personal_data` removes them each night after
(directory/retention.py). Accounts are closed after CLOSE_UNUSED_ACCOUNTS_DAYS unused (warned
UNUSED_ACCOUNT_WARNING_DAYS before) and erased ERASE_CLOSED_ACCOUNTS_DAYS after
(`close_unused_accounts`, directory/accounts/dormancy.py). What has no limit in the code (the change
history, the record of each listing) is said on the page to be kept as long as the listing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from directory.search_cache import CACHE_SECONDS
from servicemap.durations import DAY, HOUR, duration_text
from servicemap.rates import parse_rate

# Nightly database dumps kept on the server by deploy/crontab's backup line (`-mtime +14`); a test
# holds the two in step. An operator's own backup scheme may keep them longer: docs/deploy.md.
BACKUP_DAYS = 14
# The per-client limits, each counted under a hash of the visitor's address for two of its windows
# (servicemap/rate_limits.py).
RATE_SETTINGS = ("ORUK_API_ANON_RATE", "ORUK_API_FEED_RATE", "PROBLEM_REPORT_RATE", "PASSWORD_RESET_RATE",
                 "SIGN_IN_FAILURE_RATE", "UNMET_COUNT_RATE")

# Every model holding a staff account, an email address, an internet address or a sign-in name, and
# where the privacy notice accounts for it. A test fails on a model that holds one and is not here.
STAFF_DATA_MODELS = {
    "auth.User": "your account",
    "accounts.Membership": "your account (the organisations you may edit)",
    "accounts.Invitation": "invitations",
    "accounts.AccountSettings": "your account (the language you want our emails in)",
    "accounts.AccountDormancy": "your account (when it was warned, closed, opened again or erased)",
    "directory.Organisation": "contact details in listings",
    "directory.Service": "contact details in listings; the change history (who last confirmed it)",
    "directory.HistoricalOrganisation": "the change history",
    "directory.HistoricalService": "the change history",
    "directory.HistoricalLocation": "the change history",
    "directory.WaitingTimeReport": "the change history (who recorded each wait)",
    "directory.ServiceChange": "the change history (who sent and decided each change)",
    "directory.ProblemReport": "the change history (who dealt with a report)",
    "directory.ReviewRequest": "emails we send (the addresses each reminder went to)",
    "directory.ModeratorChangeNotice": "emails we send (which moderator changed a listing, until its provider is told)",
    "admin.LogEntry": "the change history (changes made on the administration pages)",
    "axes.AccessLog": "sign-in records",
    "axes.AccessAttempt": "failed sign-ins",
    # Written only with AXES_ENABLE_ACCESS_FAILURE_LOG, which the settings leave off.
    "axes.AccessFailureLog": "not written",
}


@dataclass(frozen=True)
class Retention:
    """Each period as words in the page's language."""

    session: str
    failed_sign_in: str
    failure_limit: int
    invitation_link: str
    reset_link: str
    hashed_address: str
    cached_search: str
    backups: str
    sign_in_records: str
    invitations: str
    resolved_problem_reports: str
    review_request_addresses: str
    unused_account: str
    unused_account_warning: str
    closed_account: str


def hashed_address_seconds() -> int:
    """The longest any rate limit keeps a hashed address: two windows of the longest period."""
    return max(2 * parse_rate(getattr(settings, name))[1] for name in RATE_SETTINGS)


def retention() -> Retention:
    return Retention(
        session=duration_text(settings.SESSION_COOKIE_AGE),
        # django-axes reads a whole number as hours.
        failed_sign_in=duration_text(settings.AXES_COOLOFF_TIME * HOUR),
        failure_limit=settings.AXES_FAILURE_LIMIT,
        invitation_link=duration_text(settings.INVITATION_MAX_AGE_DAYS * 24 * HOUR),
        reset_link=duration_text(settings.PASSWORD_RESET_TIMEOUT),
        hashed_address=duration_text(hashed_address_seconds()),
        cached_search=duration_text(CACHE_SECONDS),
        backups=duration_text(BACKUP_DAYS * DAY),
        sign_in_records=duration_text(settings.RETAIN_SIGN_IN_RECORDS_DAYS * DAY),
        invitations=duration_text(settings.RETAIN_INVITATIONS_DAYS * DAY),
        resolved_problem_reports=duration_text(settings.RETAIN_RESOLVED_PROBLEM_REPORTS_DAYS * DAY),
        review_request_addresses=duration_text(settings.RETAIN_REVIEW_REQUEST_ADDRESSES_DAYS * DAY),
        unused_account=duration_text(settings.CLOSE_UNUSED_ACCOUNTS_DAYS * DAY),
        unused_account_warning=duration_text(settings.UNUSED_ACCOUNT_WARNING_DAYS * DAY),
        closed_account=duration_text(settings.ERASE_CLOSED_ACCOUNTS_DAYS * DAY),
    )
