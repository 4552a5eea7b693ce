"""Static files storage for production (STATIC_MANIFEST=true): whitenoise's hashed, compressed files.

Vendored front-end files refer to files we deliberately do not ship: source maps, and the GOV.UK
crest and typeface (GOV.UK Frontend is built without them, see assets/govuk.scss). The strict
manifest storage refuses to collect such files at all; this one leaves those references as they are
(the browser asks for them and gets a 404, exactly as before collectstatic) and hashes the rest.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False
    # Rewrite `import … from '…'` in our ES modules (js/init.js) to the hashed names too.
    support_js_module_import_aggregation = True

    def hashed_name(self, name, content=None, filename=None):
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:  # the referenced file is not one we ship
            if content is not None or self.exists(filename or name):
                raise
            return name


def require_collected_files() -> None:
    """With STATIC_MANIFEST on, refuse to serve unless STATIC_ROOT holds what collectstatic wrote.

    Without its manifest the storage falls back to the files' plain names, and whitenoise (which
    serves STATIC_ROOT alone then) answers each with a 404: every page would be served without its
    styles, scripts and maps, and nothing but a warning in the log would say why. A STATIC_ROOT
    copied from .env.example into the Docker image (whose files are in /app/staticfiles) did that."""
    if not settings.STATIC_MANIFEST:
        return
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.is_file():
        raise ImproperlyConfigured(
            f"STATIC_MANIFEST is true but {manifest} does not exist: run `python manage.py collectstatic` with "
            "the same settings, or set STATIC_ROOT to where it wrote the files (in the Docker image: leave "
            "STATIC_ROOT unset)."
        )
