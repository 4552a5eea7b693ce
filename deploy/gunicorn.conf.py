"""gunicorn settings for servicemap (docs/deploy.md). Everything can be overridden on the command line.

    gunicorn -c deploy/gunicorn.conf.py servicemap.wsgi
"""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Synchronous workers: the app is CPU-bound Python with short database queries. Two per core plus
# one is gunicorn's rule of thumb; on the 2-core benchmark machine, 5.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
timeout = 30
graceful_timeout = 30
# Recycle workers now and then: bounds any slow growth of memory (the gaps results are held per worker).
# Not often: a new worker reads the search index and warms up for a few seconds, and at 2,000 the
# load test's workers restarted every ~20 s, and wrk's p95 went to 4-6 s at some levels (cached
# searches and even static files; 48 ms and 11 ms with no recycling). In the load test a worker
# grew from ~153 MB warm to ~175 MB over the ORUK runs, then stayed there (BENCHMARKS.md).
max_requests = 50000
max_requests_jitter = 5000
# The reverse proxy logs requests; gunicorn logs errors only. No access log: query strings of
# searches hold a child's postcode district and age, which no log should keep.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No control socket (gunicorn 25.1+ makes one for `gunicornc` in $HOME/.gunicorn by default): nothing
# here uses it, and in the image (deploy/Dockerfile) the app user's home is the read-only code, so
# every start logged "Control server error: Permission denied". Restarts and scaling go through the
# process manager or the orchestrator, as docs/deploy.md says.
control_socket_disable = True


def _why(exc: Exception) -> str:
    """The reason, on the warning's line: with a wrong DATABASE_URL this is the first thing the log says
    (every page then answers 503), and it names the database, host and port (never the password)."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def post_worker_init(worker):
    """Read the search index and the maps' boundaries (and make the regions' outlines) as the worker
    starts, so its first search or map does not pay for them (about a second each at national scale). Never fatal: a database that is not ready yet leaves the
    index to the first search, as before.

    Then freeze what the worker holds (gc.freeze): Python's cycle collector no longer walks the
    ~150,000 objects loaded at start (Django, the URL and template machinery, the search index)
    in each of its full passes. A full pass took 150-190 ms in one process (54-69 ms frozen), and
    under load they gave the ORUK list a p95 of 230-350 ms at 4 connections (34-170 ms frozen,
    the same code; BENCHMARKS.md). Frozen objects are still freed when nothing refers to them;
    only reference cycles among them would stay, and the search index, the one large thing
    replaced later, has none (tests/servicemap/test_deploy_docs.py)."""
    # Every view's module (the URLconf imports them: DRF, drf-spectacular, folium, ...): imported on
    # the first request otherwise, which took 2.5-3 s on each new worker, a 404 for a static file
    # included (after every deploy and every max_requests recycle). Frozen below with the rest.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - read for its imports
    try:
        # The maps' simplified boundaries too (~0.5-0.9 s): every map page names them by a digest
        # of the simplified file, so the first map a worker served paid for simplifying them.
        from directory import boundaries

        boundaries.la_shapes()
    except Exception as exc:  # noqa: BLE001 - a worker must start even if the file is missing
        worker.log.warning("map boundaries not read at worker start (%s); the first map will read them", _why(exc))
    try:
        from directory import search_index

        search_index.current()
    except Exception as exc:  # noqa: BLE001 - a worker must start even if the database is down
        worker.log.warning("search index not read at worker start (%s); the first search will read it", _why(exc))
    try:
        # The gaps map's region outlines (~1.5-2 s: dissolved from the local authorities' shapes),
        # which the regional views name by a digest, as the boundaries above.
        from gaps import selectors as gaps_selectors

        gaps_selectors.region_outlines()
    except Exception as exc:  # noqa: BLE001 - as the search index
        worker.log.warning("region outlines not made at worker start (%s); the first regional map will make them",
                           _why(exc))
    finally:
        # The worker's requests open their own connections; do not keep one made here.
        from django.db import connections

        connections.close_all()
        gc.freeze()
