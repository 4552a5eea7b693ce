"""The limit on unused accounts (directory/accounts/dormancy.py): pure rules, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from directory.accounts.dormancy import AccountFacts, Limits, accounts_due

NOW = datetime(2027, 3, 10, 7, 5, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
LIMITS = Limits(close_after=timedelta(days=365), warn_before=timedelta(days=30), erase_after=timedelta(days=90))


def days(n: int) -> timedelta:
    return timedelta(days=n)


def used(ago: timedelta, **facts) -> AccountFacts:
    return AccountFacts(user_id=facts.pop("user_id", 1), last_used=NOW - ago, is_active=facts.pop("is_active", True),
                        **facts)


def warned(ago_used: timedelta, warned_ago: timedelta, **facts) -> AccountFacts:
    return used(ago_used, warned_at=NOW - warned_ago, warned_about=NOW - ago_used, **facts)


def test_an_account_is_warned_from_the_limit_less_the_notice_and_not_a_minute_before():
    assert accounts_due([used(days(335))], now=NOW, limits=LIMITS).warn == [1]
    assert accounts_due([used(days(335) - MINUTE)], now=NOW, limits=LIMITS).warn == []


def test_a_warning_is_due_once_for_each_lapse():
    assert accounts_due([warned(days(340), days(5))], now=NOW, limits=LIMITS).warn == []


def test_a_sign_in_after_the_warning_makes_it_stale_and_nothing_is_due_until_the_next_lapse():
    # Warned about a last use 340 days ago; signed in yesterday since.
    account = used(days(1), warned_at=NOW - days(5), warned_about=NOW - days(340))
    due = accounts_due([account], now=NOW, limits=LIMITS)
    assert (due.warn, due.close) == ([], [])
    # A year later, the next lapse is warned about afresh.
    later = accounts_due([account], now=NOW + days(334), limits=LIMITS)
    assert later.warn == [1]


def test_an_account_is_closed_at_the_limit_and_not_a_minute_before():
    assert accounts_due([warned(days(365), days(30))], now=NOW, limits=LIMITS).close == [1]
    assert accounts_due([warned(days(365) - MINUTE, days(30))], now=NOW, limits=LIMITS).close == []


def test_an_account_is_never_closed_sooner_than_the_notice_after_its_warning():
    # Found two years unused (the first run, say): warned now, closed a month on, not before.
    assert accounts_due([used(days(730))], now=NOW, limits=LIMITS).warn == [1]
    assert accounts_due([warned(days(730), days(30) - MINUTE)], now=NOW, limits=LIMITS).close == []
    assert accounts_due([warned(days(730), days(30))], now=NOW, limits=LIMITS).close == [1]


def test_the_last_active_moderator_is_never_closed():
    due = accounts_due([warned(days(400), days(40), is_moderator=True)], now=NOW, limits=LIMITS)
    assert (due.close, due.kept_as_last_moderator) == ([], [1])


def test_the_last_active_moderator_is_told_it_is_kept_not_warned_it_will_close_and_told_once_a_lapse():
    # A warning that it will be closed would not be true.
    due = accounts_due([used(days(335), is_moderator=True)], now=NOW, limits=LIMITS)
    assert (due.warn, due.tell_kept, due.kept_as_last_moderator) == ([], [1], [])
    assert accounts_due([used(days(335) - MINUTE, is_moderator=True)], now=NOW, limits=LIMITS).tell_kept == []
    told = used(days(400), is_moderator=True, kept_notice_about=NOW - days(400))
    assert accounts_due([told], now=NOW, limits=LIMITS).tell_kept == []
    # Signed in since, then unused again: the next lapse is told afresh.
    later = used(days(340), is_moderator=True, kept_notice_about=NOW - days(700))
    assert accounts_due([later], now=NOW, limits=LIMITS).tell_kept == [1]


def test_of_dormant_moderators_the_most_recently_used_is_told_it_is_kept_and_the_others_warned():
    accounts = [used(days(350), user_id=1, is_moderator=True), used(days(340), user_id=2, is_moderator=True)]
    due = accounts_due(accounts, now=NOW, limits=LIMITS)
    assert (due.warn, due.tell_kept) == ([1], [2])


def test_a_dormant_moderator_is_warned_as_anyone_while_another_is_in_use():
    accounts = [used(days(340), user_id=1, is_moderator=True), used(days(3), user_id=2, is_moderator=True)]
    due = accounts_due(accounts, now=NOW, limits=LIMITS)
    assert (due.warn, due.tell_kept) == ([1], [])


def test_the_kept_moderator_is_warned_once_another_moderator_signs_in_and_closed_only_a_notice_later():
    # Told it was kept (it was the last); another moderator has signed in since: no longer the last.
    kept = used(days(400), user_id=1, is_moderator=True, kept_notice_about=NOW - days(400))
    other = used(days(1), user_id=2, is_moderator=True)
    due = accounts_due([kept, other], now=NOW, limits=LIMITS)
    assert (due.warn, due.close, due.tell_kept) == ([1], [], [])
    warned_now = used(days(400), user_id=1, is_moderator=True, kept_notice_about=NOW - days(400),
                      warned_at=NOW - days(29), warned_about=NOW - days(400))
    assert accounts_due([warned_now, other], now=NOW, limits=LIMITS).close == []
    warned_then = used(days(400), user_id=1, is_moderator=True, warned_at=NOW - days(30), warned_about=NOW - days(400))
    assert accounts_due([warned_then, other], now=NOW, limits=LIMITS).close == [1]


def test_of_moderators_all_due_at_once_the_most_recently_used_stays_open():
    accounts = [
        warned(days(500), days(40), user_id=1, is_moderator=True),
        warned(days(400), days(40), user_id=2, is_moderator=True),
        warned(days(450), days(40), user_id=3, is_moderator=True),
    ]
    due = accounts_due(accounts, now=NOW, limits=LIMITS)
    assert (sorted(due.close), due.kept_as_last_moderator) == ([1, 3], [2])


def test_a_dormant_moderator_is_closed_while_another_moderator_stays_open():
    accounts = [warned(days(400), days(40), user_id=1, is_moderator=True), used(days(3), user_id=2, is_moderator=True)]
    due = accounts_due(accounts, now=NOW, limits=LIMITS)
    assert (due.close, due.kept_as_last_moderator) == ([1], [])


def test_a_closed_account_is_erased_its_period_after_it_was_closed_and_not_a_minute_before():
    closed = dict(is_active=False, warned_at=NOW - days(200), warned_about=NOW - days(500))
    assert accounts_due([used(days(500), closed_at=NOW - days(90), **closed)], now=NOW, limits=LIMITS).erase == [1]
    assert accounts_due([used(days(500), closed_at=NOW - days(90) + MINUTE, **closed)],
                        now=NOW, limits=LIMITS).erase == []


def test_an_account_made_inactive_otherwise_is_erased_the_period_after_it_would_have_been_closed():
    assert accounts_due([used(days(365 + 90), is_active=False)], now=NOW, limits=LIMITS).erase == [1]
    assert accounts_due([used(days(365 + 90) - MINUTE, is_active=False)], now=NOW, limits=LIMITS).erase == []


def test_an_erased_account_is_left_alone():
    due = accounts_due([used(days(900), is_active=False, erased=True)], now=NOW, limits=LIMITS)
    assert (due.warn, due.close, due.erase) == ([], [], [])
