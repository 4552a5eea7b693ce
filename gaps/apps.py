from __future__ import annotations

from django.apps import AppConfig


class GapsConfig(AppConfig):
    name = "gaps"
    default_auto_field = "django.db.models.BigAutoField"
