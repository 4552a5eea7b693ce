"""Static files storage for production (STATIC_MANIFEST=true): whitenoise's hashed, compressed files.

Vendored front-end files refer to files we deliberately do not ship: source maps, and the GOV.UK
crest and typeface (GOV.UK Frontend is built without them, see assets/govuk.scss). The strict
manifest storage refuses to collect such files at all; this one leaves those references as they are
(the browser asks for them and gets a 404, exactly as before collectstatic) and hashes the rest.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def hashed_name(self, name, content=None, filename=None):
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:  # the referenced file is not one we ship
            if content is not None or self.exists(filename or name):
                raise
            return name
