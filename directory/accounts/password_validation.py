"""Django's password validators with messages in this site's catalogue.

Django's own Welsh catalogue has no translation of these messages, so a Welsh page choosing a
password (from an invitation or a reset) said "This password is too common." in English. The
rules are Django's; only the wording is ours, translated in locale/cy.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: it must have at least %(min_length)d character.",
            "This password is too short: it must have at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def get_error_message(self) -> str:
        # Accounts here have an email address (also their username) and no other personal details
        # worth naming, so the message names it rather than Django's "%(verbose_name)s".
        return _("This password is too like your email address.")


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return _("This password is too common: choose one that is harder to guess.")


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return _("This password is entirely numeric: add some letters or other characters.")
