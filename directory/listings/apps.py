from __future__ import annotations

from django.apps import AppConfig


class ListingsConfig(AppConfig):
    """Providers keeping their own listings right, and moderators approving and chasing them."""

    name = "directory.listings"
    label = "listings"
    default_auto_field = "django.db.models.BigAutoField"
