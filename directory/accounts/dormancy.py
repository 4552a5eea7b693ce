"""The limit on unused staff accounts: which are due a warning, to be closed, or to be erased.
Pure computation on plain facts (no ORM, no clock); `close_unused_accounts` gathers the facts and
does what is due (directory/accounts/unused_accounts.py).

UK GDPR's storage limitation, and account hygiene: someone who left their job keeps neither their
name and email address here nor a way to sign in and edit a listing social workers rely on.

- An account's last use is the latest of: its last sign-in, when it was made (an account never
  signed in to counts from then), and when a moderator opened it again.
- At `close_after - warn_before` days unused its holder is warned, once for that last use.
- At `close_after` days unused it is closed (it cannot sign in; its memberships stay, so opening
  it again restores them), but never sooner than `warn_before` days after its warning: an account
  found already past the limit (the first run, a job that did not run) gets its full notice.
- The last active moderator is never closed: with none, nobody could open an account again,
  invite a provider or approve a change, and the site would need its operator's shell
  (manage.py create_moderator). When every active moderator is unused long enough to be warned,
  the most recently used of them is the one kept: it is not warned that it will be closed (that
  would not be true), but told, once for each lapse, that it is kept open as the last moderator
  and asked for another. Should another moderator sign in again, it is no longer the last: it is
  warned then, as any account, and closed no sooner than the notice after that warning.
- `erase_after` days after it was closed (or, for an account made inactive some other way, after
  it would have been closed) its email address and name are erased.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Limits:
    close_after: timedelta
    warn_before: timedelta
    erase_after: timedelta


@dataclass(frozen=True)
class AccountFacts:
    user_id: int
    last_used: datetime
    is_active: bool
    is_moderator: bool = False
    warned_at: datetime | None = None
    warned_about: datetime | None = None
    closed_at: datetime | None = None
    erased: bool = False
    # The last use its holder was told, as the last moderator, that it is kept open despite.
    kept_notice_about: datetime | None = None


@dataclass
class Due:
    warn: list[int] = field(default_factory=list)
    close: list[int] = field(default_factory=list)
    erase: list[int] = field(default_factory=list)
    # The last active moderator, unused past the limit: left open (and named in the job's log).
    kept_as_last_moderator: list[int] = field(default_factory=list)
    # The last active moderator, not yet told for this lapse that it is kept open.
    tell_kept: list[int] = field(default_factory=list)


def _warned_for_this_lapse(account: AccountFacts) -> bool:
    return account.warned_at is not None and account.warned_about == account.last_used


def accounts_due(accounts: list[AccountFacts], *, now: datetime, limits: Limits) -> Due:
    """What is due at `now` for each account."""
    due = Due()
    kept = _last_moderator(accounts, now=now, limits=limits)
    for account in accounts:
        if account.erased:
            continue
        if not account.is_active:
            closed = account.closed_at or account.last_used + limits.close_after
            if now - closed >= limits.erase_after:
                due.erase.append(account.user_id)
            continue
        unused = now - account.last_used
        if account.user_id == kept:
            _keep(account, due, unused=unused, limits=limits)
        elif not _warned_for_this_lapse(account):
            if unused >= limits.close_after - limits.warn_before:
                due.warn.append(account.user_id)
        elif unused >= limits.close_after and now - account.warned_at >= limits.warn_before:
            due.close.append(account.user_id)
    return due


def _keep(account: AccountFacts, due: Due, *, unused: timedelta, limits: Limits) -> None:
    """The last moderator: told once a lapse that it is kept open; named in the log once past the limit."""
    if account.kept_notice_about != account.last_used:
        due.tell_kept.append(account.user_id)
    if unused >= limits.close_after:
        due.kept_as_last_moderator.append(account.user_id)


def _last_moderator(accounts: list[AccountFacts], *, now: datetime, limits: Limits) -> int | None:
    """The moderator kept open: when no active moderator is in use (each unused long enough to be
    warned), the most recently used. None while one is in use: then the others may be closed."""
    moderators = [a for a in accounts if a.is_moderator and a.is_active and not a.erased]
    if not moderators or any(now - a.last_used < limits.close_after - limits.warn_before for a in moderators):
        return None
    return max(moderators, key=lambda a: (a.last_used, a.user_id)).user_id
