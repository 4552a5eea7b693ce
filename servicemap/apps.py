"""Configurations for other people's apps, where the project needs one of its own."""

from __future__ import annotations

import axes.apps
from django.utils.translation import gettext_lazy as _


class AxesConfig(axes.apps.AppConfig):
    """django-axes (wrong passwords and lockouts) as the admin lists it: its own config has no
    verbose_name, so the admin's index and sidebar said "Axes" in every language."""

    verbose_name = _("Sign-in security")
