"""Check that PostgreSQL answers at DATABASE_URL; with --start, start the local cluster if not.

The PostgreSQL half of the test suite must fail loudly, never skip, when no server is there.
"""

from __future__ import annotations

import glob
import subprocess
import sys
import time

import dj_database_url
import psycopg


def answers(url: str) -> bool:
    cfg = dj_database_url.parse(url)
    try:
        psycopg.connect(
            host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"],
            dbname=cfg["NAME"], password=cfg["PASSWORD"] or None, connect_timeout=3,
        ).close()
    except psycopg.OperationalError:
        return False
    return True


def start_cluster() -> None:
    versions = sorted(p.rsplit("/", 1)[-1] for p in glob.glob("/etc/postgresql/*"))
    if not versions:
        return
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"], check=False
    )


def main() -> int:
    url = sys.argv[1]
    if answers(url):
        return 0
    if "--start" in sys.argv:
        start_cluster()
        for _ in range(20):
            if answers(url):
                return 0
            time.sleep(0.5)
    print(f"PostgreSQL is not reachable at {url}: the PostgreSQL test run cannot go ahead.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
