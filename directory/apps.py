from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Directory")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from directory import lookups, version
        from servicemap import checks  # noqa: F401 - registers the deploy checks (policy pages, connections)

        version.connect_signals()
        lookups.register()  # `foldcontains`, and the SQLite function it calls
