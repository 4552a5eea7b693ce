from __future__ import annotations

from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from directory import version
        from servicemap import checks  # noqa: F401 - registers the deploy checks of the site's own pages

        version.connect_signals()
