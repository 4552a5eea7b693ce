from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GapsConfig(AppConfig):
    name = "gaps"
    verbose_name = _("Gaps")
    default_auto_field = "django.db.models.BigAutoField"
