"""Benchmark: every local authority in the database × every gaps layer. Prints the times; not a test.

    .venv/bin/python scripts/bench_gaps.py               # the directory in the database (make data)
    .venv/bin/python scripts/bench_gaps.py --synthetic 500   # 500 random services, no database

Targets: every layer for the 22 Welsh local authorities in under 50 ms (issue 5); for a national
directory (20,000 services, 218 authorities) in under 1 s (issue 7; scripts/bench.py measures both).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicemap.settings")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402

from gaps import layers, selectors  # noqa: E402
from gaps.layers import AreaRow, ServiceRow  # noqa: E402

FORMS = ("intra_familial", "extra_familial", "cse", "harmful_sexual_behaviour", "online")


def synthetic(n: int) -> tuple[list[ServiceRow], list[AreaRow]]:
    with open(ROOT / "data" / "wales_local_authorities.csv", encoding="utf-8") as handle:
        las = [AreaRow(r["code"], r["name"], r["name_cy"], "local_authority", int(r["children_0_17"]), (r["code"],))
               for r in csv.DictReader(handle)]
    rng = random.Random(5)
    codes = [a.code for a in las]
    services = []
    for i in range(n):
        age_min = rng.choice([0, 4, 5, 11, 13])
        services.append(ServiceRow(
            id=i, name=f"S{i}", status=rng.choice(["active"] * 8 + ["paused", "closed"]),
            abuse_forms=frozenset(rng.sample(FORMS, rng.randint(1, 3))), supports_child=rng.random() < 0.9,
            supports_parent_carer=rng.random() < 0.3, supports_sibling=rng.random() < 0.1,
            disclosure_required=rng.random() < 0.3, pre_trial_therapy=rng.random() < 0.3,
            age_min=age_min, age_max=rng.choice([age_min + 6, 18, 25]), capacity=rng.choice([None, 40, 120]),
            la_codes=frozenset(rng.sample(codes, rng.choice([1, 1, 2, 3, 6, 22]))),
            wait_weeks=rng.choice([None, 2, 8, 20, 40]), referrals_open=rng.random() < 0.9,
        ))
    return services, las


def time_all_layers(services: list[ServiceRow], las: list[AreaRow], repeats: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per run (CPU time is steadier on a busy, shared machine)."""
    every = layers.every_layer()
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        prepared = layers.prepare(services, las)
        for layer in every:
            layers.compute_layer(layer, services, las, prepared=prepared)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, metavar="N", help="use N random services instead of the database")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    n_layers = len(layers.every_layer())
    if args.synthetic:
        services, las = synthetic(args.synthetic)
        source = f"{args.synthetic} synthetic services"
    else:
        start = time.perf_counter()
        services = selectors.service_rows_build()
        las, _regions = selectors.area_rows_build()
        fetch_ms = (time.perf_counter() - start) * 1000
        source = f"{len(services)} open or paused services from the database"
        if not las:
            sys.exit("No local authorities in the database: run `make data` (or use --synthetic N).")
        print(f"Reading the directory from the database (once, then cached): {fetch_ms:.1f} ms")

    wall, cpu = time_all_layers(services, las, args.repeats)
    print(f"{len(las)} local authorities × {n_layers} layers, {source}:")
    print(f"  computed in median {statistics.median(wall):.1f} ms wall-clock (best {min(wall):.1f}, "
          f"worst {max(wall):.1f}), {statistics.median(cpu):.1f} ms CPU, over {args.repeats} runs "
          "(target: under 50 ms)")

    if not args.synthetic:
        cache.clear()
        version = selectors.directory_version()
        start = time.perf_counter()
        for layer in layers.every_layer():
            selectors.gaps_layer(layer=layer, version=version)
        cold = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        version = selectors.directory_version()
        for layer in layers.every_layer():
            selectors.gaps_layer(layer=layer, version=version)
        warm = (time.perf_counter() - start) * 1000
        print(f"  through the selectors: {cold:.1f} ms with an empty cache (reads included), "
              f"{warm:.1f} ms cached (one read of the directory's version)")


if __name__ == "__main__":
    main()
