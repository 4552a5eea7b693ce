"""Who may edit what: provider editors are members of organisations; moderators hold a permission.

A moderator is any active user with the `directory.moderate_directory` permission (superusers
have every permission, so `createsuperuser` makes one; `create_moderator` grants it through the
"Moderators" group). Staff accounts only: nothing here is about children or families.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Membership(models.Model):
    """A user may edit the listings of this organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships",
    )
    organisation = models.ForeignKey(
        "directory.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return gettext("%(user)s edits %(organisation)s") % {"user": self.user, "organisation": self.organisation}


class Invitation(models.Model):
    """An emailed, single-use, expiring invitation to edit an organisation's listings.

    The link carries this row's public_id signed with a timestamp (django.core.signing), so it
    cannot be guessed or forged, expires after settings.INVITATION_MAX_AGE_DAYS, and stops
    working once `accepted_at` is set.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email address"))
    organisation = models.ForeignKey(
        "directory.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(Lower("email"), name="invitation_email_idx")]

    def __str__(self) -> str:
        return gettext("Invitation for %(email)s to %(organisation)s") % {
            "email": self.email, "organisation": self.organisation,
        }

    @property
    def is_used(self) -> bool:
        return self.accepted_at is not None

    @property
    def expires_at(self) -> datetime:
        """When its link stops working: INVITATION_MAX_AGE_DAYS after it was made and emailed."""
        return self.created_at + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)


class AccountDormancy(models.Model):
    """Where an account stands against the limit on unused accounts (directory/accounts/dormancy.py):
    when its holder was warned and about which last use, when it was closed, opened again or erased.
    Made when the first of these happens; an account never warned has none."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="dormancy",
    )
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    # The last use the warning counted from: a sign-in since makes it stale, and the next warning
    # is for the next lapse (as a review request's `basis`), so one lapse is warned about once.
    warned_about = models.DateTimeField(_("last use warned about"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("opened again at"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened again by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    # The last use its holder was told about, as the last moderator, that the account is kept open
    # despite (instead of a warning that it will be closed, which for them would not be true).
    kept_notice_about = models.DateTimeField(_("last use the kept-open notice was about"), null=True, blank=True)

    class Meta:
        verbose_name = _("account dormancy")
        verbose_name_plural = _("account dormancies")

    def __str__(self) -> str:
        return gettext("Dormancy of account %(id)s") % {"id": self.user_id}


class AccountSettings(models.Model):
    """What an account's holder chose for themselves: the language emails are written to them in.
    An account with no row (made before this existed, or by createsuperuser/create_moderator), or
    with no language chosen, is written to in both, Welsh first (directory/mail_language.py says why)."""

    class Language(models.TextChoices):
        WELSH = "cy", _("Welsh")
        ENGLISH = "en", _("English")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="account_settings",
    )
    language = models.CharField(_("Emails in"), max_length=2, choices=Language.choices, blank=True)

    class Meta:
        verbose_name = _("account settings")
        verbose_name_plural = _("account settings")

    def __str__(self) -> str:
        return gettext("Settings of account %(id)s") % {"id": self.user_id}
