"""Benchmark: the unmet-searches page and CSV over very sparse counts. Prints the times; not a test.

    .venv/bin/python scripts/bench_unmet.py                 # 70 small cells in the last ended quarter
    .venv/bin/python scripts/bench_unmet.py --cells 1500 --repeats 10

Builds its own throwaway SQLite database (the real areas, no directory, no postcodes), fills the
last ended quarter with scattered counts of 1–6 (most of them shown as "<5", so secondary
suppression has much to do), and asks for the page as a commissioner would: the first request
of each kind with an empty cache, then again. Nothing else is read or written.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_db = Path(tempfile.mkdtemp(prefix="bench-unmet-")) / "bench.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{_db}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicemap.settings")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from directory.reference_data import load_areas  # noqa: E402
from directory.vocabulary import ABUSE_FORMS  # noqa: E402
from gaps import selectors, unmet, vocabulary  # noqa: E402
from gaps.forms import quarter_months, quarter_of  # noqa: E402
from gaps.models import UnmetSearchCount  # noqa: E402

FORMS = [code for code, _label in ABUSE_FORMS]


def last_ended_quarter(today: date) -> date:
    first = quarter_of(today)
    return quarter_of(date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1))


def fill(cells: int, months: list[date], seed: int) -> int:
    """`cells` distinct counter cells of 1–6 over the months; returns the searches counted."""
    rng = random.Random(seed)
    las = list(selectors.local_authority_list())
    seen, rows = set(), []
    while len(rows) < cells:
        key = (
            rng.choice(months), rng.choice(las)[0],
            "+".join(sorted(rng.sample(FORMS, rng.choice([0, 1, 1, 1, 2, 3])))),
            rng.choice(vocabulary.UNMET_AGE_BANDS)[0], rng.choice(vocabulary.EXCLUDED_BY_CODES),
            rng.choice(vocabulary.REASONS)[0],
        )
        if key in seen:
            continue
        seen.add(key)
        month, lad, forms, band, excluded, reason = key
        rows.append(UnmetSearchCount(month=month, lad_code=lad, abuse_forms=forms, age_band=band, excluded_by=excluded,
                                     reason=reason, count=rng.choice([1, 1, 1, 2, 2, 3, 4, 6])))
    UnmetSearchCount.objects.bulk_create(rows)
    return sum(r.count for r in rows)


def timed(action, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def show(label: str, times: list[float]) -> None:
    extra = f", median {statistics.median(times):.1f}, best {min(times):.1f} over {len(times)}" if len(times) > 1 else ""
    print(f"  {label:<52} {times[0]:8.1f} ms{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=70, help="distinct counter cells to fill (default 70)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    load_areas()
    today = timezone.localdate()
    quarter = last_ended_quarter(today)
    months = quarter_months(quarter)
    searches = fill(args.cells, months, args.seed)
    regions = selectors.gaps_regions()
    report = unmet.report_build(
        totals={by: selectors.unmet_totals(months=months, by=by) for by, *_rest in unmet.BREAKDOWNS},
        las=selectors.local_authority_list(), regions=regions,
    )
    cells = [c for b in report.breakdowns for row in b.table.cells for c in row]
    small, secondary = sum(c.why == "small" for c in cells), sum(c.why == "secondary" for c in cells)
    print(f"{args.cells} counter cells, {searches} searches, {months[0]:%B}–{months[-1]:%B %Y} (today {today}); "
          f"the tables' {len(cells)} cells: {small} shown as <5, {secondary} hidden by secondary suppression")

    totals = {by: selectors.unmet_totals(months=months, by=by) for by, *_rest in unmet.BREAKDOWNS}
    las = selectors.local_authority_list()
    show("report_build alone (pure: suppression and labels)",
         timed(lambda: unmet.report_build(totals=totals, las=las, regions=regions), args.repeats))

    client = Client(HTTP_HOST="localhost")
    pages = [
        ("page, Wales", "/gaps/unmet/", {}),
        ("page, a region (North Wales)", "/gaps/unmet/", {"region": "north-wales"}),
        ("page in Welsh", "/cy/gaps/unmet/", {}),
        ("CSV, Wales", "/gaps/unmet/data.csv", {}),
    ]
    client.get("/gaps/unmet/", {"region": "mid-and-west-wales"})  # Django's first-request costs (templates, translations)
    print("Each page alone, its first request with an empty cache, then again:")
    for label, path, query in pages:
        cache.clear()
        show(f"{label}: empty cache", timed(lambda path=path, query=query: client.get(path, query), 1))
        show(f"{label}: again", timed(lambda path=path, query=query: client.get(path, query), args.repeats))
    print("One after the other, the cache emptied once before the first:")
    cache.clear()
    for label, path, query in pages:
        show(label, timed(lambda path=path, query=query: client.get(path, query), 1))

if __name__ == "__main__":
    main()
