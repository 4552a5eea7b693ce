"""Writes for accounts: invitations, accepting them, and making moderators."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from directory import mail_language
from directory.accounts.languages import preferred_language
from directory.accounts.models import AccountDormancy, AccountSettings, Invitation, Membership
from directory.accounts.roles import MODERATE_PERMISSION, MODERATORS_GROUP, moderator_permission
from directory.models import Organisation

INVITATION_SALT = "accounts.invitation"
INVITATION_INVALID = _("This invitation link is not valid. Ask a moderator for a new one.")
INVITATION_EXPIRED = _("This invitation link has expired. Ask a moderator for a new one.")
INVITATION_USED = _("This invitation has already been used. Sign in instead.")
INVITATION_WRONG_ACCOUNT = _("This invitation was sent to a different email address from the account you are signed in with.")
ACCOUNT_EXISTS = _("An account with this email address already exists: sign in to accept the invitation.")
INVITATION_ALREADY_ACCEPTED = _("%(email)s has already accepted this invitation, so it cannot be withdrawn.")


def invitation_token(invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=INVITATION_SALT).sign(str(invitation.public_id))


def invitation_url(invitation: Invitation, language: str | None = None) -> str:
    """The link that accepts it, to the page in `language` ("cy" or "en"; None: the active language)."""
    with translation.override(language or translation.get_language()):
        path = reverse("accounts:accept_invitation", kwargs={"token": invitation_token(invitation)})
    return settings.SITE_URL.rstrip("/") + path


def invitation_urls(invitation: Invitation, language: str) -> list[str]:
    """The links its email gives, in the language the invitation is in (`invitation_create`): one
    page for Welsh or English, both pages, Welsh first, for both. Not the language of the page that
    asks: a moderator reading Welsh may invite someone who reads English."""
    languages = [mail_language.WELSH, mail_language.ENGLISH] if language == mail_language.BOTH else [language]
    return [invitation_url(invitation, each) for each in languages]


def invitation_from_token(token: str) -> Invitation:
    """The unused invitation a link names; ValidationError if forged, expired or used."""
    max_age = timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    try:
        public_id = signing.TimestampSigner(salt=INVITATION_SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ValidationError(INVITATION_EXPIRED, code="expired") from exc
    except signing.BadSignature as exc:
        raise ValidationError(INVITATION_INVALID, code="invalid") from exc
    invitation = Invitation.objects.select_related("organisation").filter(public_id=public_id).first()
    if invitation is None:
        raise ValidationError(INVITATION_INVALID, code="invalid")
    if invitation.is_used:
        raise ValidationError(INVITATION_USED, code="used")
    return invitation


@transaction.atomic
def invitation_create(
    *, email: str, organisation: Organisation, invited_by, language: str = mail_language.BOTH,
    email_failed: Callable[[], None] | None = None,
) -> Invitation:
    """Invite someone to edit an organisation's listings and email them the single-use link
    (after the commit; `email_failed` is called then if it could not be sent), in the language
    `invitation_language` gives: the account's own, or the moderator's choice (directory/mail_language.py)."""
    invitation = Invitation(email=email.strip().lower(), organisation=organisation, invited_by=invited_by)
    invitation.full_clean()
    invitation.save()

    # Someone who already has an account (a provider invited to a second organisation) signs in to
    # accept: "choose a password" sent them to a sign-in page they did not expect.
    has_account = account_exists(invitation.email)
    language = invitation_language(email=invitation.email, chosen=language)

    def compose() -> tuple[str, str]:
        body = render_to_string("emails/invitation.txt", {
            "invitation": invitation, "url": invitation_url(invitation), "days": settings.INVITATION_MAX_AGE_DAYS,
            "has_account": has_account,
        })
        return _("You are invited to keep %(org)s's listings up to date") % {"org": organisation.name}, body

    mail_language.send_after_commit({language: [invitation.email]}, compose, failed=email_failed)
    return invitation


@transaction.atomic  # it locks the invitation, as accepting does: never withdrawn as it is accepted
def invitation_withdraw(*, invitation: Invitation) -> None:
    """Withdraw an invitation not yet accepted (sent to a mistyped address, or to someone who has
    left): its link stops working at once, as one to no invitation, instead of for the rest of its week."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.is_used:
        raise ValidationError(INVITATION_ALREADY_ACCEPTED % {"email": invitation.email}, code="used")
    invitation.delete()


@transaction.atomic
def membership_remove(*, membership: Membership) -> int:
    """Take away a provider's access to one organisation's listings (someone who has left), at once.

    The account stays, so the listings' history still names who made each change. Any invitation of
    theirs to that organisation not yet accepted goes too (else its link gave the access back). With
    no organisation left to edit and no moderator rights, every session of theirs ends now rather than
    at sign-out. Returns how many sessions ended."""
    user = membership.user
    Membership.objects.filter(pk=membership.pk).delete()
    Invitation.objects.filter(
        organisation_id=membership.organisation_id, email__iexact=user.email, accepted_at__isnull=True,
    ).delete()
    if Membership.objects.filter(user=user).exists() or user.has_perm(MODERATE_PERMISSION):
        return 0  # they still edit elsewhere; each request asks for their memberships afresh
    return account_sessions_end(user=user)


def invitation_language(*, email: str, chosen: str) -> str:
    """The language an invitation to `email` is in: the one its account chose for its emails, as
    every other email to a known account is (a provider invited to a second organisation got Welsh
    and English though they had chosen one); else `chosen`, the moderator's, by default both, Welsh
    first, as no preference of a new address is known."""
    account = get_user_model().objects.filter(email__iexact=email).order_by("pk").first()
    own = preferred_language(account)
    return chosen if own == mail_language.BOTH else own


def account_exists(email: str) -> bool:
    return get_user_model().objects.filter(email__iexact=email).exists()


def invitation_is_for(invitation: Invitation, user) -> bool:
    """Whether a signed-in account may accept this invitation: it was sent to the account's email."""
    return (user.email or "").lower() == invitation.email.lower()


@transaction.atomic  # it locks the invitation (select_for_update) so it is used once
def invitation_accept(*, invitation: Invitation, user=None, password: str | None = None, language: str = ""):
    """Use an invitation once: add the membership, creating the account (email as username) if needed.

    With `user` (signed in) the invitation must be addressed to that user's email; without it a
    new account is made with `password`, which must pass the password validators, emailed in
    `language` ("cy" or "en"; blank: not chosen). A signed-in account keeps the language it has.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.is_used:
        raise ValidationError(INVITATION_USED, code="used")
    if user is None:
        if account_exists(invitation.email):
            raise ValidationError(ACCOUNT_EXISTS, code="exists")
        user_model = get_user_model()
        user = user_model(username=invitation.email, email=invitation.email)
        validate_password(password or "", user)
        user.set_password(password)
        user.full_clean()
        user.save()
        account_language_set(user=user, language=language)
    elif not invitation_is_for(invitation, user):
        raise ValidationError(INVITATION_WRONG_ACCOUNT, code="wrong_account")
    Membership.objects.get_or_create(user=user, organisation=invitation.organisation)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return user


@dataclass(frozen=True)
class ModeratorResult:
    user: object
    created: bool


@transaction.atomic
def moderator_create(*, email: str, password: str | None) -> ModeratorResult:
    """Make (or promote) a moderator: email as username, in the Moderators group."""
    user_model = get_user_model()
    email = email.strip().lower()
    user = user_model.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = user_model(username=email, email=email)
        validate_password(password or "", user)
        user.set_password(password)
        user.full_clean()
        user.save()
    group, _created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    group.permissions.add(moderator_permission())
    user.groups.add(group)
    return ModeratorResult(user=user, created=created)


ACCOUNT_NOT_CLOSED = _("This account is not closed, or has already been erased.")


@transaction.atomic
def account_reopen(*, user, by, now) -> None:
    """Open again an account closed for not being used (before it is erased). It counts as used now:
    its holder has the whole period again, with a warning before it ends."""
    record = AccountDormancy.objects.select_for_update().filter(user=user).first()
    if record is None or record.closed_at is None or record.erased_at is not None or user.is_active:
        raise ValidationError(ACCOUNT_NOT_CLOSED, code="not_closed")
    user.is_active = True
    user.save(update_fields=["is_active"])
    record.closed_at = record.warned_at = record.warned_about = None
    record.reopened_at, record.reopened_by = now, by
    record.save()


def account_sessions_end(*, user) -> int:
    """End every open session of `user`, whose account was just closed; returns how many.

    A closed account's session signs nobody in (SignInBackend.get_user), but it is kept, and Django
    ends it only at sign-out: an account closed in the admin and opened again within the session's
    age (SESSION_COOKIE_AGE) was signed in again on every browser it had been, whoever now held it.
    One query over the sessions still open, each decoded (only hours' worth: closing is rare)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            store(session_key=session.session_key).delete()  # through the engine: its cache too
            ended += 1
    return ended


def account_language_set(*, user, language: str) -> AccountSettings:
    """Record the language the account's holder wants emails in ("cy", "en", or blank: not chosen)."""
    settings_row = AccountSettings.objects.filter(user=user).first() or AccountSettings(user=user)
    settings_row.language = language
    settings_row.full_clean()
    settings_row.save()
    return settings_row
