"""Which release of the code is running, for the cache's key prefix.

Cached pages and API documents are keyed on the directory's version, which changes when the data
does. A deploy changes the code that renders them instead: with the release in every cache key, new
code never serves what old code rendered, and every app server running the same code shares the
same entries. `RELEASE_ID` (e.g. the git commit a deploy ships) names it; without it, a hash of the
files that shape the output (Python, templates, compiled translations) does.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

# What shapes a rendered page or an API document; tests, static files and data are left out.
SOURCE_DIRS = ("servicemap", "directory", "gaps", "templates", "locale")
SOURCE_SUFFIXES = {".py", ".html", ".txt", ".mo", ".json"}


def code_fingerprint(base_dir: Path) -> str:
    """A short hash of the paths and contents of the files that shape the output (a few ms)."""
    digest = hashlib.sha1(usedforsecurity=False)
    for top in SOURCE_DIRS:
        for path in sorted((base_dir / top).rglob("*")):
            if path.suffix in SOURCE_SUFFIXES and path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(base_dir)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def release_id(configured: str, base_dir: Path) -> str:
    return configured or code_fingerprint(base_dir)
