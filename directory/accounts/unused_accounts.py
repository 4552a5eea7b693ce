"""Closing unused staff accounts and erasing closed ones (`manage.py close_unused_accounts`, daily
from deploy/crontab): gathers each account's facts, asks directory/accounts/dormancy.py what is
due, and does it. The periods are settings (CLOSE_UNUSED_ACCOUNTS_DAYS, UNUSED_ACCOUNT_WARNING_DAYS,
ERASE_CLOSED_ACCOUNTS_DAYS; servicemap/settings.py says why each); the privacy notice names them
(servicemap/personal_data_kept.py).

Erasing keeps the account's row, renamed to a number ("erased-account-12"), so the change history
still tells one account's changes from another's without saying whose they were: its email address,
name and password go, as do its memberships, its language setting, its sign-in records and its name
in the admin log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from directory import mail, mail_language
from directory.accounts import dormancy
from directory.accounts.languages import emails_by_language, preferred_language
from directory.accounts.models import AccountDormancy, AccountSettings, Membership
from directory.accounts.roles import moderator_users
from directory.models import Organisation
from servicemap.durations import DAY, duration_text

ERASED_USERNAME = "erased-account-{pk}"


def limits() -> dormancy.Limits:
    return dormancy.Limits(
        close_after=timedelta(days=settings.CLOSE_UNUSED_ACCOUNTS_DAYS),
        warn_before=timedelta(days=settings.UNUSED_ACCOUNT_WARNING_DAYS),
        erase_after=timedelta(days=settings.ERASE_CLOSED_ACCOUNTS_DAYS),
    )


def _record(user) -> AccountDormancy | None:
    try:
        return user.dormancy
    except AccountDormancy.DoesNotExist:
        return None


def last_used(user) -> datetime:
    """The latest of its last sign-in, when it was made, and when it was opened again: by a moderator
    (reopened_at) or, for an active account marked closed, by ticking "Active" in the admin, at some
    time after it was closed."""
    record = _record(user)
    times = [user.date_joined, user.last_login]
    if record is not None:
        times += [record.reopened_at, record.closed_at if user.is_active else None]
    return max(t for t in times if t is not None)


def account_facts(users) -> list[dormancy.AccountFacts]:
    moderators = set(moderator_users().values_list("pk", flat=True))
    facts = []
    for user in users:
        record = _record(user)
        facts.append(dormancy.AccountFacts(
            user_id=user.pk, last_used=last_used(user), is_active=user.is_active,
            is_moderator=user.pk in moderators,
            warned_at=record and record.warned_at, warned_about=record and record.warned_about,
            closed_at=record and record.closed_at, erased=bool(record and record.erased_at),
            kept_notice_about=record and record.kept_notice_about,
        ))
    return facts


@dataclass
class Outcome:
    warned: int = 0
    not_warned: int = 0  # the mail server refused: no warning recorded, so tried again next run
    closed: int = 0
    kept_as_last_moderator: int = 0
    told_kept: int = 0  # the last moderator told their account stays open (not warned it will close)
    left_with_no_editor: int = 0  # organisations with listings and no open account able to edit them
    erased: int = 0

    def summary(self, *, dry_run: bool) -> str:
        verbs = (("would be warned", "would be closed", "would be erased", "would be told") if dry_run
                 else ("warned", "closed", "erased", "told"))
        text = (f"{self.warned} account(s) {verbs[0]}, {self.not_warned} could not be warned, "
                f"{self.told_kept} last moderator(s) {verbs[3]} their account stays open, {self.closed} "
                f"{verbs[1]}, {self.kept_as_last_moderator} left open as the last moderator, {self.erased} {verbs[2]}; "
                f"{self.left_with_no_editor} organisation(s) left with no account able to edit their listings"
                # Told by the email about the accounts closed: none closed, no email.
                f"{' (moderators told)' if self.closed and not dry_run else ''}.")
        return text + (" Dry run: nothing changed, nothing sent." if dry_run else "")


def unused_accounts_close(*, now: datetime, dry_run: bool = False) -> Outcome:
    """Warn, close and erase the accounts due at `now`; what was done (a dry run only counts)."""
    users = {u.pk: u for u in get_user_model().objects.select_related("dormancy", "account_settings").order_by("pk")}
    due = dormancy.accounts_due(account_facts(users.values()), now=now, limits=limits())
    outcome = Outcome(kept_as_last_moderator=len(due.kept_as_last_moderator))
    if dry_run:
        outcome.warned, outcome.closed, outcome.erased = len(due.warn), len(due.close), len(due.erase)
        outcome.told_kept = len(due.tell_kept)
        outcome.left_with_no_editor = len(_organisations_left_with_no_editor([users[pk] for pk in due.close]))
        return outcome
    for pk in due.warn:
        if _warn(users[pk], now=now):
            outcome.warned += 1
        else:
            outcome.not_warned += 1
    for pk in due.tell_kept:
        if _tell_kept(users[pk]):
            outcome.told_kept += 1
        else:
            outcome.not_warned += 1
    closing = [users[pk] for pk in due.close]
    outcome.left_with_no_editor = _close(closing, now=now)
    outcome.closed = len(closing)
    for pk in due.erase:
        account_erase(user=users[pk], now=now)
    outcome.erased = len(due.erase)
    return outcome


def _warn(user, *, now: datetime) -> bool:
    """Record the warning and send it, in one transaction: one the mail server refuses leaves no
    record, so no account is closed without its warning having gone (it is tried again next run).
    An account with no address has nowhere to be warned: it is recorded as warned, and closed on time."""
    basis = last_used(user)
    closes_on = max(now + timedelta(days=settings.UNUSED_ACCOUNT_WARNING_DAYS),
                    basis + timedelta(days=settings.CLOSE_UNUSED_ACCOUNTS_DAYS))

    def compose() -> tuple[str, str]:
        return _("Your servicemap account will be closed if it is not used"), render_to_string(
            "emails/account_unused_warning.txt", {
                "user": user, "last_used": basis, "closes_on": closes_on,
                "url": settings.SITE_URL.rstrip("/") + reverse("accounts:login"),
                "erase_days": settings.ERASE_CLOSED_ACCOUNTS_DAYS,
            })

    letter = mail_language.write(preferred_language(user), compose)
    try:
        with transaction.atomic():
            AccountDormancy.objects.update_or_create(
                user=user, defaults={"warned_at": now, "warned_about": basis})
            if user.email:
                send_mail(letter.subject, letter.body, None, [user.email])
    except mail.SEND_ERRORS:
        return False
    return True


def _tell_kept(user) -> bool:
    """Tell the last active moderator, unused for long, that their account is kept open (the warning
    that it will be closed would not be true) and ask for another moderator. Recorded with the
    sending, as a warning is: one the mail server refuses is tried again next run."""
    basis = last_used(user)

    def compose() -> tuple[str, str]:
        return _("Your servicemap account is kept open: it is the last moderator"), render_to_string(
            "emails/account_kept_last_moderator.txt", {
                "last_used": basis, "period": duration_text(settings.CLOSE_UNUSED_ACCOUNTS_DAYS * DAY),
                "url": settings.SITE_URL.rstrip("/") + reverse("accounts:login"),
            })

    letter = mail_language.write(preferred_language(user), compose)
    try:
        with transaction.atomic():
            AccountDormancy.objects.update_or_create(user=user, defaults={"kept_notice_about": basis})
            if user.email:
                send_mail(letter.subject, letter.body, None, [user.email])
    except mail.SEND_ERRORS:
        return False
    return True


def _organisations_left_with_no_editor(closing: list) -> list[Organisation]:
    """The organisations with listings that these accounts could edit and that no other open account can."""
    ids = {pk for pk in Membership.objects.filter(user__in=closing).values_list("organisation_id", flat=True)}
    still_edited = set(Membership.objects.filter(organisation_id__in=ids, user__is_active=True)
                       .exclude(user__in=closing).values_list("organisation_id", flat=True))
    return list(Organisation.objects.filter(pk__in=ids - still_edited, services__isnull=False)
                .distinct().order_by("name"))


@transaction.atomic
def _close(closing: list, *, now: datetime) -> int:
    """Close the accounts and tell the moderators who can no longer edit what (after the commit)."""
    if not closing:
        return 0
    orphaned = _organisations_left_with_no_editor(closing)
    get_user_model().objects.filter(pk__in=[u.pk for u in closing]).update(is_active=False)
    for user in closing:
        AccountDormancy.objects.update_or_create(user=user, defaults={"closed_at": now})
    memberships = Membership.objects.filter(user__in=closing).select_related("organisation").order_by(
        "organisation__name")
    organisations: dict[int, list[str]] = {}
    for membership in memberships:
        organisations.setdefault(membership.user_id, []).append(membership.organisation.name)

    def compose() -> tuple[str, str]:
        return _("Accounts closed for not being used"), render_to_string("emails/accounts_closed.txt", {
            "closed": [(user.email or user.get_username(), organisations.get(user.pk, [])) for user in closing],
            "orphaned": [o.name for o in orphaned],
            "url": settings.SITE_URL.rstrip("/") + reverse("listings:moderation"),
            "period": duration_text(settings.CLOSE_UNUSED_ACCOUNTS_DAYS * DAY), "erase_days": settings.ERASE_CLOSED_ACCOUNTS_DAYS,
        })

    # Each moderator in their own language: written once per language, a message to each.
    mail_language.send_after_commit(emails_by_language(moderator_users()), compose)
    return len(orphaned)


@transaction.atomic
def account_erase(*, user, now: datetime) -> None:
    """Erase a closed account's personal data, keeping its row (and so the history's links to it)."""
    old_username = user.get_username()
    user.username = ERASED_USERNAME.format(pk=user.pk)
    user.email = user.first_name = user.last_name = ""
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    Membership.objects.filter(user=user).delete()
    AccountSettings.objects.filter(user=user).delete()
    # The admin log names an account it changed by its username (its email address here).
    LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(user), object_id=str(user.pk)).update(
        object_repr=user.username)
    for model in (AccessLog, AccessAttempt, AccessFailureLog):
        model.objects.filter(username=old_username).delete()
    AccountDormancy.objects.update_or_create(user=user, defaults={"erased_at": now})
