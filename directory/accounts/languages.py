"""The language each account is emailed in (its holder's choice, `AccountSettings.language`), read
for one account or grouped for many, so one message is written per language."""

from __future__ import annotations

from django.db.models import QuerySet

from directory.accounts.models import AccountSettings
from directory.mail_language import BOTH


def preferred_language(user) -> str:
    """"cy", "en", or BOTH when its holder has not chosen (or there is no account: a stand-in)."""
    if user is None or user.pk is None:
        return BOTH
    try:
        chosen = user.account_settings.language
    except AccountSettings.DoesNotExist:
        return BOTH
    return chosen or BOTH


def stored_language(user_id: int | None) -> str:
    """The language recorded for an account, by its id: one query, also with no account (None),
    so a caller that must do the same work either way (a password reset) does."""
    chosen = AccountSettings.objects.filter(user_id=user_id).values_list("language", flat=True).first()
    return chosen or BOTH


def emails_by_language(users: QuerySet) -> dict[str, list[str]]:
    """The accounts' addresses (sorted, each once, none empty) under the language each is emailed
    in. One query, however many accounts."""
    readers: dict[str, set[str]] = {}
    seen: set[str] = set()
    for email, language in users.order_by("email").values_list("email", "account_settings__language"):
        if email and email.lower() not in seen:
            seen.add(email.lower())
            readers.setdefault(language or BOTH, set()).add(email)
    return {language: sorted(emails) for language, emails in sorted(readers.items())}
