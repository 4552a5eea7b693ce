"""National-scale benchmark: generate a synthetic directory into fresh databases, measure, print a table.

    make bench                                   # SQLite and PostgreSQL, 20,000 services (a few minutes)
    .venv/bin/python scripts/bench.py --services 2000 --databases sqlite        # a quick look
    .venv/bin/python scripts/bench.py --profile search                          # pyinstrument report too

For each database (a new SQLite file under .bench/, and a PostgreSQL database `bench_national`,
dropped and created afresh) a child process migrates, generates the directory
(directory/synthetic.py) and measures, through Django's test client in one process:

- the social-worker search (postcode + age + two forms + an audience) over varied queries, against a
  trivial JSON view served by the same stack (the framework floor), interleaved so that load from
  elsewhere on the machine hits both alike; SQL queries per search against the number of results;
- the ORUK services list `?per_page=50&full=true` the same way (if the ORUK API is present);
- the gap analysis for all local authorities × every layer, and for the 22 Welsh ones;
- the size of the gaps map page (the 22 Welsh areas; and a map of every local authority);
- `export_oruk` of the whole directory, then `import_oruk` of that feed into another fresh database
  (if those commands are present), with its wall time and peak memory; then `import_oruk` again
  over it of the same feed as a night might change it (every wait new, every tenth description),
  then twice more with a council's taxonomy added (each service lists 1–3 of its 40 terms).

Targets (issue 7) are printed beside each figure. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import time
import types
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / ".bench"
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
PG_DB = os.environ.get("BENCH_PG_DB", "bench_national")  # one per developer on a shared server
RESULT_TAG = "BENCH_RESULT "
NOT_AVAILABLE = "not yet available"


# --- the parent: fresh databases, one child per database, the table --------------------------


def _pg(sql: str, dbname: str = "postgres") -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{dbname}", autocommit=True) as conn:
        conn.execute(sql)


def fresh_database(kind: str, name: str = PG_DB) -> str:
    """Drop and recreate the benchmark database; its DATABASE_URL."""
    BENCH_DIR.mkdir(exist_ok=True)
    if kind == "sqlite":
        path = BENCH_DIR / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    if not name.startswith("bench_"):
        raise SystemExit("benchmark databases must be named bench_*")
    _pg(f'drop database if exists "{name}" with (force)')
    _pg(f'create database "{name}"')
    return f"{PG_SERVER}/{name}"


def run_child(kind: str, args: argparse.Namespace) -> dict:
    env = {**os.environ, "DATABASE_URL": fresh_database(kind), "DJANGO_SETTINGS_MODULE": "servicemap.settings"}
    env.pop("REDIS_URL", None)  # the same cache (local memory) on both, as in the tests
    env["ORUK_API_ANON_RATE"] = "1000000/minute"  # measure the API, not its rate limit
    cmd = [sys.executable, __file__, "--child", kind, "--services", str(args.services), "--queries",
           str(args.queries)] + (["--profile", args.profile] if args.profile else [])
    print(f"\n== {kind}: generating {args.services} services and measuring ==", flush=True)
    proc = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    result = None
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_TAG):
            result = json.loads(line[len(RESULT_TAG):])
        else:
            print(line)
    if proc.returncode != 0 or result is None:
        raise SystemExit(f"the {kind} benchmark failed (exit {proc.returncode})")
    return result


def machine_facts() -> dict:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_gb, 1), "python": platform.python_version(),
            "os": platform.platform(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def _ms(x: float | None) -> str:
    return "–" if x is None else f"{x:.1f} ms"


def _row(label: str, values: list[str], target: str) -> str:
    return f"| {label} | " + " | ".join(values) + f" | {target} |"


def _verdict(ok: bool | None) -> str:
    return "" if ok is None else (" ✅" if ok else " ❌")


def _second_cell(r: dict) -> str:
    m = r["search"]["second"]
    return f"median {m['median_ms']:.1f} ms; ratio {m['ratio_median']:.1f}×"


def _repeat_cell(r: dict) -> str:
    m = r["search"]["repeat"]
    return (f"median {m['median_ms']:.1f} ms, p95 {m['p95_ms']:.1f} ms; floor {m['floor_median_ms']:.2f} ms; "
            f"ratio {m['ratio_median']:.1f}×{_verdict(m['ratio_median'] <= 3 and m['p95_ms'] <= 80)}")


def table(results: dict[str, dict]) -> str:
    kinds = list(results)
    lines = ["| measure | " + " | ".join(kinds) + " | target |", "| --- | " + " | ".join("---" for _ in kinds) + " | --- |"]

    def each(fn) -> list[str]:
        out = []
        for k in kinds:
            try:
                out.append(fn(results[k]))
            except (KeyError, TypeError):
                out.append(NOT_AVAILABLE)
        return out

    lines.append(_row("directory generated", each(lambda r: f"{r['generate']['counts']['services']} services, "
                                                            f"{r['generate']['counts']['areas']} areas in "
                                                            f"{r['generate']['seconds']:.0f} s"), "–"))
    for key, label, ratio_target, p95_target in [("search", "search", 3.0, 80.0), ("oruk", "ORUK list (50, full)", 5.0, None)]:
        def timing(r, key=key, ratio_target=ratio_target, p95_target=p95_target):
            m = r[key]
            if m.get("unavailable"):
                return NOT_AVAILABLE
            ok = m["ratio_median"] <= ratio_target and (p95_target is None or m["p95_ms"] <= p95_target)
            return (f"median {m['median_ms']:.1f} ms, p95 {m['p95_ms']:.1f} ms; floor {m['floor_median_ms']:.2f} ms; "
                    f"ratio {m['ratio_median']:.1f}×{_verdict(ok)}")
        target = f"median ≤ {ratio_target:g}× floor" + (f", p95 ≤ {p95_target:g} ms" if p95_target else "")
        lines.append(_row(label, each(timing), target))
        if key == "search":
            lines.append(_row("search, asked a second time (rendered again, and its page kept)", each(_second_cell),
                              "report"))
            lines.append(_row("search, asked again (page cached)", each(_repeat_cell), target))
            lines.append(_row("search, repeated after one new wait elsewhere (page kept unless it weighs that service)",
                              each(_after_change_cell), "report"))

        def queries(r, key=key):
            m = r[key]
            if m.get("unavailable"):
                return NOT_AVAILABLE
            q = m["queries"]
            return (f"{q['min']}–{q['max']} queries for {q['results_min']}–{q['results_max']} results"
                    f"{_verdict(q['flat'])}")
        lines.append(_row(f"{label}: SQL queries", each(queries), "flat in result size"))
    lines += _store_rows(each)
    lines += _change_rows(each)
    lines.append(_row("gaps: all local authorities × every layer", each(
        lambda r: f"{r['gaps']['all_ms']:.0f} ms for {r['gaps']['all_las']} LAs × {r['gaps']['layers']} layers "
                  f"(+ {r['gaps']['read_ms']:.0f} ms reading the db once){_verdict(r['gaps']['all_ms'] <= 1000)}"),
        "≤ 1 s"))
    lines.append(_row("gaps: 22 Welsh local authorities × every layer", each(
        lambda r: f"{r['gaps']['wales_ms']:.1f} ms ({r['gaps']['wales_services']} services){_verdict(r['gaps']['wales_ms'] <= 50)}"),
        "≤ 50 ms"))
    lines.append(_row("gaps map page, 22 Welsh areas", each(
        lambda r: f"{r['map']['wales_page_bytes'] / 1e6:.2f} MB page (map {r['map']['wales_map_bytes'] / 1e6:.2f} MB, "
                  f"+ {r['map']['shapes_file_bytes'] / 1e6:.2f} MB shapes file, cached)"
                  f"{_verdict(r['map']['wales_page_bytes'] + r['map']['shapes_file_bytes'] <= 1.5e6)}"), "≤ 1.5 MB"))
    lines.append(_row("gaps map, every local authority", each(
        lambda r: f"{r['map']['all_map_bytes'] / 1e6:.2f} MB for {r['map']['all_las']} areas"), "report"))
    lines.append(_row("export_oruk (whole directory)", each(
        lambda r: NOT_AVAILABLE if r["import"].get("unavailable") else
        f"{r['import']['export_seconds']:.1f} s, {r['import']['feed_mb']:.1f} MB feed"), "–"))
    lines.append(_row("import_oruk (whole feed, fresh db)", each(
        lambda r: NOT_AVAILABLE if r["import"].get("unavailable") else
        f"{r['import']['import_seconds']:.1f} s, peak {r['import']['peak_rss_mb']:.0f} MB RSS"
        f"{_verdict(r['import']['import_seconds'] <= 60)}"), "≤ 60 s"))
    lines.append(_row("import_oruk again, a night's changes (every wait new, every tenth description)", each(
        lambda r: NOT_AVAILABLE if r["import"].get("unavailable") else
        f"{r['import']['update_seconds']:.1f} s for {r['import']['update_changed']} changed records"), "report"))
    lines.append(_row(f"import_oruk again, a council's taxonomy added (each service lists 1–3 of {TERMS} imported "
                      "terms); then the same feed again", each(
        lambda r: NOT_AVAILABLE if r["import"].get("unavailable") or "terms_seconds" not in r["import"] else
        f"{r['import']['terms_seconds']:.1f} s; again {r['import']['terms_again_seconds']:.1f} s"), "report"))
    return "\n".join(lines)


def _after_change_cell(r: dict) -> str:
    m = r["search_after_change"]
    return (f"median {m['median_ms']:.1f} ms, p95 {m['p95_ms']:.1f} ms; ratio {m['ratio_median']:.1f}×; "
            f"{m['kept']} of {m['n']} pages kept")


def _change_rows(each) -> list[str]:
    """After a provider's new wait: what each process reads again."""
    return [_row(f"{label} brought up to date after one new wait (each process, on first use)", each(
        lambda r, key=key: f"median {r['changed'][key]['median_ms']:.0f} ms, max {r['changed'][key]['max_ms']:.0f} ms "
                           f"(read afresh: {r['changed'][key]['afresh_ms']:.0f} ms)"), "report")
        for key, label in [("index", "search index"), ("gaps", "gaps inputs (services and areas)")]]


def _store_rows(each) -> list[str]:
    """The stored renderings: building them all, and first views while none is valid."""
    rows = [_row("renderings built (`build_renderings`, every service, 3 kinds × 2 languages)", each(
        lambda r: f"{r['renderings']['seconds']:.1f} s, store {r['renderings']['store_mb']:.0f} MB"), "–")]
    for key, label in [("search", "search, first time, store cold (after an import or deploy)"),
                       ("oruk", "ORUK list (50, full), first views, store cold")]:
        rows.append(_row(label, each(
            lambda r, key=key: f"median {r['cold'][key]['median_ms']:.1f} ms, p95 {r['cold'][key]['p95_ms']:.1f} ms; "
                               f"ratio {r['cold'][key]['ratio_median']:.1f}×"), "report"))
    return rows


def parent(args: argparse.Namespace) -> None:
    facts = machine_facts()
    results = {kind: run_child(kind, args) for kind in args.databases.split(",")}
    facts["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print("\nMachine:", json.dumps(facts))
    print(f"\n{table(results)}\n")
    out = BENCH_DIR / f"results-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"machine": facts, "args": vars(args), "results": results}, indent=2, default=str))
    print(f"Full results: {out.relative_to(ROOT)}")


# --- the child: one database ------------------------------------------------------------------


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicemap.settings")
    import django

    django.setup()


def _bench_urlconf() -> str:
    """The project's URLs plus a trivial JSON view: the floor (routing, middleware, a response)."""
    from django.http import JsonResponse
    from django.urls import path

    from servicemap import urls as project_urls

    def floor(request):
        return JsonResponse({"ok": True})

    module = types.ModuleType("bench_urls")
    module.urlpatterns = [path("bench/floor/", floor), *project_urls.urlpatterns]
    sys.modules["bench_urls"] = module
    return "bench_urls"


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _interleaved(client, urls: list[str], warmup: int = 10) -> dict:
    """Time each URL and the floor alternately (load from elsewhere hits both alike)."""
    for url in urls[:warmup]:
        client.get(url)
        client.get("/bench/floor/")
    times, floor = [], []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        start = time.perf_counter()
        client.get("/bench/floor/")
        floor.append((time.perf_counter() - start) * 1000)
    median, floor_median = statistics.median(times), statistics.median(floor)
    return {"n": len(urls), "median_ms": median, "p95_ms": _percentile(times, 95), "max_ms": max(times),
            "floor_median_ms": floor_median, "floor_p95_ms": _percentile(floor, 95),
            "ratio_median": median / floor_median, "ratio_p95": _percentile(times, 95) / _percentile(floor, 95)}


def _query_counts(client, urls: list[str], count_results) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pairs = []
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        pairs.append((count_results(response), len(ctx.captured_queries)))
    # Flat: the most queries any request made is no more than the fewest plus a constant few
    # (optional steps such as counting an unmet search), however many results came back.
    by_size = sorted(pairs)
    few, many = by_size[: len(by_size) // 4 or 1], by_size[-(len(by_size) // 4 or 1):]
    flat = max(q for _r, q in many) <= max(q for _r, q in few) + 2
    return {"min": min(q for _r, q in pairs), "max": max(q for _r, q in pairs),
            "results_min": by_size[0][0], "results_max": by_size[-1][0], "flat": flat}


def search_urls(n: int, rng: random.Random) -> list[str]:
    from urllib.parse import urlencode

    from django.http import QueryDict

    from directory import postcode_privacy, vocabulary
    from directory.models import Area, Postcode

    las = list(Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY).values_list("code", flat=True))
    postcodes: dict[str, list[str]] = {}
    for code in las:
        postcodes[code] = list(Postcode.objects.filter(lad_code=code).order_by("postcode")
                               .values_list("postcode", flat=True)[:20])
    forms = [code for code, _label in vocabulary.ABUSE_FORMS]
    audiences = [code for code, _label in vocabulary.AUDIENCES]
    urls = []
    for _ in range(n):
        la = rng.choice([c for c in las if postcodes[c]])
        query = [("postcode", rng.choice(postcodes[la])), ("age", rng.randint(0, 17))]
        query += [("abuse_form", f) for f in rng.sample(forms, 2)] + [("audience", rng.choice(audiences))]
        # As a browser asks it: the search form's script cuts the full postcode to its sector (with
        # the unit's authority where the sector alone would not give it), as the server's redirect
        # would (directory/postcode_privacy.py). Asked with the full postcode it would be a redirect.
        urls.append(f"/search/?{postcode_privacy.cut_query(QueryDict(urlencode(query)))}")
    return urls


def measure_search(client, urls: list[str]) -> dict:

    def count(response) -> int:
        match = re.search(r"(\d+) services? found", response.content.decode())
        return int(match[1]) if match else 0

    result = _interleaved(client, urls)
    keys = ("median_ms", "p95_ms", "floor_median_ms", "ratio_median")
    # The same searches asked a second time: rendered again, and now kept (a page is kept from its
    # second ask: servicemap/cache_admission.py). Then a third time: their pages come from the
    # cache (a shared link opened again, the back button), as long as the directory has not changed.
    second = _interleaved(client, urls, warmup=0)
    result["second"] = {k: second[k] for k in keys}
    repeat = _interleaved(client, urls, warmup=0)
    result["repeat"] = {k: repeat[k] for k in keys}
    result["queries"] = _query_counts(client, urls[:60], count)
    result["example"] = urls[0]
    return result


def measure_search_after_a_change(client, urls: list[str]) -> dict:
    """These searches (their pages cached) asked again after one provider's new wait elsewhere: a
    page is kept unless its search weighs that service (directory/search_cache.py). Each is asked
    once, as the first request for it after the change, with the floor between (as `_interleaved`)."""
    from datetime import date

    from directory import search_cache, search_index
    from directory.models import Service, WaitingTimeReport

    rng = random.Random(13)  # its own: the other measures' draws stay as they were
    service_id = rng.choice(list(Service.objects.published().values_list("id", flat=True)))
    WaitingTimeReport.objects.create(service_id=service_id, weeks=rng.randint(1, 40), as_of=date.today())
    search_index.current()  # this process's index brought up to date: measured in `measure_after_a_change`
    times, floor, kept = [], [], 0
    rendered = []  # a page rendered afresh is offered to the cache; a kept one is not
    keep = search_cache.keep
    search_cache.keep = lambda *args, **kwargs: rendered.append(1) or keep(*args, **kwargs)
    try:
        for url in urls:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            kept += not rendered
            rendered.clear()
            start = time.perf_counter()
            client.get("/bench/floor/")
            floor.append((time.perf_counter() - start) * 1000)
    finally:
        search_cache.keep = keep
    median, floor_median = statistics.median(times), statistics.median(floor)
    return {"n": len(urls), "kept": kept, "median_ms": median, "p95_ms": _percentile(times, 95),
            "floor_median_ms": floor_median, "ratio_median": median / floor_median}


def measure_oruk(client, n: int, rng: random.Random) -> dict:
    from directory.models import Service

    probe = client.get("/api/oruk/services?per_page=50&full=true")
    if probe.status_code == 404:
        return {"unavailable": True}
    pages = max(1, Service.objects.count() // 50)
    urls = [f"/api/oruk/services?per_page=50&full=true&page={rng.randint(1, pages)}" for _ in range(n)]

    def count(response) -> int:
        return len(response.json().get("contents", []))

    small = [f"/api/oruk/services?per_page={rng.choice([1, 5, 20, 50])}&full=true&page=1" for _ in range(40)]
    result = _interleaved(client, urls)
    result["queries"] = _query_counts(client, small, count)
    return result


def build_renderings() -> dict:
    """Every service's stored documents and cards, as a running site holds them (pages build what
    is missing on first view; `build_renderings` runs after an import or a deploy, and nightly for
    the cards): its time, and the store's size."""
    from django.core.management import call_command
    from django.db import connection

    start = time.perf_counter()
    call_command("build_renderings", verbosity=0)
    seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("select pg_total_relation_size('directory_servicerendering')")
        else:
            cursor.execute("select sum(length(text)) from directory_servicerendering")
        size = cursor.fetchone()[0] or 0
    return {"seconds": seconds, "store_mb": size / 1e6}


def measure_cold_store(client, n: int, rng: random.Random) -> dict:
    """First views right after a change whose reach is unknown (an import, new reference data) or
    a deploy, before `build_renderings` has run: no stored rendering is valid, so each page builds
    its cards or documents (and stores them)."""
    from django.core.cache import cache

    from directory import version

    version.bump()  # a new generation: every stored rendering is stale
    cache.clear()
    search = _interleaved(client, search_urls(n, rng))
    version.bump()
    cache.clear()
    oruk = measure_oruk(client, n, rng)
    keys = ("median_ms", "p95_ms", "floor_median_ms", "ratio_median")
    return {"search": {k: search[k] for k in keys}, "oruk": {k: oruk[k] for k in keys}}


def measure_after_a_change(rng: random.Random) -> dict:
    """A provider reports a new wait: every process brings its search index (on its next search) and
    its gaps inputs (on its next gaps page) up to date. The time each takes, against reading afresh."""
    from datetime import date

    from directory import search_index, version
    from directory.models import Service, WaitingTimeReport
    from gaps import selectors

    search_index.current()
    selectors.gaps_inputs()
    index, gaps = [], []
    for service_id in rng.sample(list(Service.objects.published().values_list("id", flat=True)), 9):
        WaitingTimeReport.objects.create(service_id=service_id, weeks=rng.randint(1, 40), as_of=date.today())
        start = time.perf_counter()
        search_index.current()
        index.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        selectors.gaps_inputs()
        gaps.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    search_index.build(*version.current_with_generation())
    index_afresh = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    selectors.service_rows_build()
    selectors.area_rows_build()
    gaps_afresh = (time.perf_counter() - start) * 1000
    return {"index": {"median_ms": statistics.median(index), "max_ms": max(index), "afresh_ms": index_afresh},
            "gaps": {"median_ms": statistics.median(gaps), "max_ms": max(gaps), "afresh_ms": gaps_afresh}}


def measure_gaps() -> dict:
    from gaps import layers, selectors

    start = time.perf_counter()
    services = selectors.service_rows_build()
    las, regions = selectors.area_rows_build()
    read_ms = (time.perf_counter() - start) * 1000
    every = layers.every_layer()

    def run(svcs, areas, regs, repeats=5) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            prepared = layers.prepare(svcs, areas)
            for layer in every:
                result = layers.compute_layer(layer, svcs, areas, prepared=prepared)
                layers.regional(result, regs)
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    welsh = [a for a in las if a.code.startswith("W06")]
    welsh_codes = {a.code for a in welsh}
    welsh_regions = [r for r in regions if r.code.startswith("W")]
    welsh_services = [s for s in services if s.la_codes & welsh_codes]
    return {"read_ms": read_ms, "all_las": len(las), "layers": len(every), "services": len(services),
            "all_ms": run(services, las, regions), "wales_ms": run(welsh_services, welsh, welsh_regions, 20),
            "wales_services": len(welsh_services)}


def measure_map(client) -> dict:
    import copy

    from directory.boundaries import la_shapes
    from gaps import layers, maps, selectors

    response = client.get("/gaps/")
    page = len(response.content)
    wales_map = len(re.search(r'<div class="sm-gaps-map".*?</div>\s*</div>', response.content.decode(), re.S)[0]) \
        if b"sm-gaps-map" in response.content else 0
    # Every local authority: each drawn with a real Welsh boundary's shape moved to its centroid
    # (the same vertex density as the real map), to see how the page grows with the area count
    # (shapes in the page: the Welsh map fetches its own from a cached file, la_shapes().body).
    shapes = la_shapes().collection()["features"]
    services, las, _regions = selectors.gaps_inputs()
    result = layers.compute_layer(layers.every_layer()[0], services, las)
    features = []
    for i, la in enumerate(las):
        feature = copy.deepcopy(shapes[i % len(shapes)])
        first = feature["geometry"]["coordinates"][0][0][0]
        dx, dy = (la.longitude or first[0]) - first[0], (la.latitude or first[1]) - first[1]
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                for point in ring:
                    point[0], point[1] = round(point[0] + dx, 4), round(point[1] + dy, 4)
        feature["properties"]["lad_code"] = la.code
        features.append(feature)
    all_map = maps.build_gaps_map({"type": "FeatureCollection", "features": features}, result.areas)
    return {"wales_page_bytes": page, "wales_map_bytes": wales_map, "shapes_file_bytes": len(la_shapes().body),
            "all_las": len(las), "all_map_bytes": len(all_map)}


def measure_import(kind: str) -> dict:
    from django.core.management import get_commands

    if not {"export_oruk", "import_oruk"} <= set(get_commands()):
        return {"unavailable": True}
    feed = BENCH_DIR / f"feed-{kind}.json"
    start = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "export_oruk", str(feed)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    export_seconds = time.perf_counter() - start
    target = fresh_database(kind, f"{PG_DB}_import")
    env = {**os.environ, "DATABASE_URL": target}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    # The areas a deployment would hold already (the same codes the feed refers to).
    subprocess.run([sys.executable, "manage.py", "shell", "-c",
                    "from directory.synthetic import generate_national_areas; generate_national_areas()"],
                   cwd=ROOT, env=env, check=True)
    seconds, output, peak_mb = _import_timed(kind, feed, env)
    changed, changed_count = _changed_feed(feed)
    update_seconds, update_output, _peak = _import_timed(kind, changed, env)
    with_terms = _feed_with_terms(changed)
    terms_seconds, _output, _peak = _import_timed(kind, with_terms, env)
    terms_again_seconds, terms_output, _peak = _import_timed(kind, with_terms, env)
    return {"export_seconds": export_seconds, "feed_mb": feed.stat().st_size / 1e6, "import_seconds": seconds,
            "peak_rss_mb": peak_mb, "output_tail": output[-500:],
            "update_seconds": update_seconds, "update_changed": changed_count, "update_tail": update_output[-500:],
            "terms_seconds": terms_seconds, "terms_again_seconds": terms_again_seconds,
            "terms_tail": terms_output[-500:]}


TERMS = 40  # a council's own taxonomy of service types (synthetic: the shared samples list none)


def _feed_with_terms(feed: Path) -> Path:
    """The feed with a council's taxonomy: each service also lists 1–3 of its terms (four
    parents, the rest under them), as attributes the way an ORUK feed gives them."""
    documents = json.loads(feed.read_text())
    rng = random.Random(7)
    taxonomy = "5d7c1a0e-7e57-4000-8001-000000000000"
    terms = []
    for number in range(TERMS):
        parent = None if number < 4 else f"5d7c1a0e-7e57-4000-8000-{number % 4:012d}"
        terms.append({"id": f"5d7c1a0e-7e57-4000-8000-{number:012d}", "name": f"Council term {number:02}",
                      "code": f"CT{number:02}", "description": "", "taxonomy": "A council's service types",
                      "taxonomy_id": taxonomy, **({"parent_id": parent} if parent else {})})
    for document in documents:
        document["attributes"] = [*document.get("attributes", []), *(
            {"taxonomy_term_id": term["id"], "taxonomy_term": term} for term in rng.sample(terms, rng.randint(1, 3)))]
    out = feed.with_name(f"{feed.stem}-terms.json")
    out.write_text(json.dumps(documents, ensure_ascii=False))
    return out


def _changed_feed(feed: Path) -> tuple[Path, int]:
    """The feed as a night might change it: every service that reports a wait has a new one, and
    every tenth a new description. Returns the file and how many records changed."""
    documents = json.loads(feed.read_text())
    changed = 0
    for number, document in enumerate(documents):
        touched = False
        if document.get("csa_wait_weeks") is not None:
            document["csa_wait_weeks"] = min(document["csa_wait_weeks"] + 1, 520)
            # Today: a new report, as a night's feed brings. Not a date ahead: a wait dated in the
            # future is refused (WaitingTimeReport.clean), and every record then took the slow path
            # to be rejected, so the row timed the refusals.
            document["csa_wait_as_of"] = date.today().isoformat()
            touched = True
        if number % 10 == 0:
            document["description"] = f"{document.get('description') or ''} Updated."
            touched = True
        changed += touched
    out = feed.with_name(f"{feed.stem}-changed.json")
    out.write_text(json.dumps(documents, ensure_ascii=False))
    return out, changed


# Runs manage.py and, as it exits, writes the process's own peak resident memory (VmHWM, in kB).
# Not the rusage of the child: its maxrss starts from this (large) process's memory at the fork, so
# before session 14 the SQLite import's "peak" was the measuring process's 871-875 MB.
_PEAK_WRAPPER = """
import atexit, os, runpy, sys
def _peak():
    with open('/proc/self/status') as status, open(os.environ['BENCH_PEAK_FILE'], 'w') as out:
        out.write(next(line.split()[1] for line in status if line.startswith('VmHWM:')))
atexit.register(_peak)
sys.argv = ['manage.py', *sys.argv[1:]]
runpy.run_path('manage.py', run_name='__main__')
"""


def _import_timed(kind: str, feed: Path, env: dict) -> tuple[float, str, float]:
    """`import_oruk` of this feed: its wall time, its output and its peak resident memory in MB."""
    log = BENCH_DIR / f"import-{kind}-{feed.stem}.log"
    peak = BENCH_DIR / f"import-{kind}-{feed.stem}.peak"
    peak.unlink(missing_ok=True)
    start = time.perf_counter()
    with log.open("w") as out:
        status = subprocess.run([sys.executable, "-c", _PEAK_WRAPPER, "import_oruk", str(feed)], cwd=ROOT,
                                env={**env, "BENCH_PEAK_FILE": str(peak)}, stdout=out,
                                stderr=subprocess.STDOUT).returncode
    seconds = time.perf_counter() - start
    output = log.read_text()
    if status != 0:
        raise SystemExit(f"import_oruk of {feed.name} failed:\n{output[-3000:]}")
    return seconds, output, int(peak.read_text()) / 1024


def child(args: argparse.Namespace) -> None:
    _setup_django()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from directory.reference_data import load_postcodes
    from directory.synthetic import generate_national_directory

    result: dict = {"database": connection.vendor}
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - start
    start = time.perf_counter()
    load_postcodes()  # the real Welsh postcodes and GB districts: realistic look-up tables
    postcodes_s = time.perf_counter() - start
    start = time.perf_counter()
    counts = generate_national_directory(services=args.services)
    result["generate"] = {"seconds": time.perf_counter() - start, "counts": counts, "migrate_seconds": migrate_s,
                          "postcodes_seconds": postcodes_s}
    print(f"generated in {result['generate']['seconds']:.1f} s: {counts}", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Fresh statistics and visibility map, as autovacuum gives a live database: without the
            # vacuum, a just-loaded table's index-only scans still visit every heap page.
            cursor.execute("vacuum analyze")
            cursor.execute("show server_version")
            result["server_version"] = cursor.fetchone()[0]
    else:
        import sqlite3

        result["server_version"] = sqlite3.sqlite_version
    result["renderings"] = build_renderings()
    print(f"renderings: {result['renderings']}", flush=True)

    rng = random.Random(11)
    with override_settings(ROOT_URLCONF=_bench_urlconf()):
        client = Client()
        cache.clear()
        if args.profile:
            profile(args.profile, client, rng)
        urls = search_urls(args.queries, rng)
        result["search"] = measure_search(client, urls)
        print(f"search: {json.dumps(result['search'], default=str)}", flush=True)
        result["search_after_change"] = measure_search_after_a_change(client, urls)
        print(f"search after a change elsewhere: {json.dumps(result['search_after_change'])}", flush=True)
        result["oruk"] = measure_oruk(client, args.queries, rng)
        print(f"oruk: {json.dumps(result['oruk'], default=str)}", flush=True)
        result["cold"] = measure_cold_store(client, args.queries, rng)
        print(f"cold store: {json.dumps(result['cold'], default=str)}", flush=True)
        result["gaps"] = measure_gaps()
        print(f"gaps: {result['gaps']}", flush=True)
        result["map"] = measure_map(client)
        print(f"map: {result['map']}", flush=True)
        result["changed"] = measure_after_a_change(rng)  # adds nine wait reports: after the other measures
        print(f"after a change: {result['changed']}", flush=True)
    result["import"] = measure_import(args.child)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["load_average"] = os.getloadavg()
    print(RESULT_TAG + json.dumps(result, default=str), flush=True)


def generate_only(args: argparse.Namespace) -> None:
    url = fresh_database(args.generate_only)
    code = ("from django.core.management import call_command; call_command('migrate', verbosity=0); "
            "from directory.reference_data import load_postcodes; load_postcodes(); "
            "from directory.synthetic import generate_national_directory; "
            f"print(generate_national_directory(services={args.services}))")
    if args.generate_only == "postgres":
        code += "; from django.db import connection; connection.cursor().execute('vacuum analyze')"
    code += "; call_command('build_renderings', verbosity=0)"  # as a live site holds them
    subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, check=True,
                   env={**os.environ, "DATABASE_URL": url})
    print(url)


def print_paths(n: int) -> None:
    """Search paths, then ORUK list paths, one per line (wrk's Lua script picks among them)."""
    _setup_django()
    from directory.models import Service

    rng = random.Random(23)
    for url in search_urls(n, rng):
        print(url)
    pages = max(1, Service.objects.count() // 50)
    for _ in range(n):
        print(f"/api/oruk/services?per_page=50&full=true&page={rng.randint(1, pages)}")


def profile(what: str, client, rng: random.Random) -> None:
    from pyinstrument import Profiler

    urls = {"search": lambda: search_urls(60, rng),
            "oruk": lambda: ["/api/oruk/services?per_page=50&full=true&page=1"] * 30,
            "gaps": lambda: ["/gaps/"] * 5}[what]()
    client.get(urls[0])
    profiler = Profiler()
    with profiler:
        for url in urls:
            client.get(url)
    out = BENCH_DIR / f"profile-{what}-{time.strftime('%H%M%S')}.txt"
    out.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"profile written to {out}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200, help="requests per timed measurement (≥ 200)")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--profile", choices=["search", "oruk", "gaps"], help="also write a pyinstrument profile")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--generate-only", choices=["sqlite", "postgres"],
                        help="only (re)create and fill that benchmark database (for scripts/loadtest.sh)")
    parser.add_argument("--paths", type=int, metavar="N",
                        help="print N varied search and N ORUK list paths for the database in DATABASE_URL")
    args = parser.parse_args()
    if args.generate_only:
        generate_only(args)
    elif args.paths:
        print_paths(args.paths)
    elif args.child:
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()
