"""`make run PORT=…` serves on another port: the links it writes into pages and emails lead there too."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from servicemap.settings import BASE_DIR

# Stands in for the venv's python: prints the SITE_URL the command would run with.
PRINT_SITE_URL = "python3 -c 'import os; print(os.environ.get(\"SITE_URL\", \"(unset)\"))'"


def _serve_with(env: dict[str, str], *args: str) -> str:
    """Run the runserver line `make run` would run, with python swapped for PRINT_SITE_URL."""
    plan = subprocess.run(
        ["make", "-n", "--no-print-directory", "run", f"PY={PRINT_SITE_URL}", *args],
        cwd=BASE_DIR, capture_output=True, text=True, check=True,
    ).stdout
    (line,) = [line for line in plan.splitlines() if "runserver" in line]
    return subprocess.run(["bash", "-c", line], env=env, capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_on_another_port_links_to_that_port_unless_site_url_is_set():
    # The referral pack printed, and the invitation emailed, links to http://127.0.0.1:8000/ from a
    # server on port 8001: a new user's first invitation link led nowhere (or to another server).
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    assert _serve_with(env, "PORT=8001") == "http://127.0.0.1:8001"
    assert _serve_with(env) == "http://127.0.0.1:8000"
    assert _serve_with({**env, "SITE_URL": "https://servicemap.example.org"}, "PORT=8001") == (
        "https://servicemap.example.org"
    )
