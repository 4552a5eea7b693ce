from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListingsConfig(AppConfig):
    """Providers keeping their own listings right, and moderators approving and chasing them."""

    name = "directory.listings"
    verbose_name = _("Listings")
    label = "listings"
    default_auto_field = "django.db.models.BigAutoField"
