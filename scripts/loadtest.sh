#!/usr/bin/env bash
# Load test: gunicorn (several workers) + whitenoise on PostgreSQL with Redis, driven by wrk on
# loopback only, at increasing concurrency, bounded in time. Prints a table for BENCHMARKS.md.
#
#   make loadtest                       # uses (or creates) the bench_national database
#   DURATION=20 LEVELS="1 8 32" WORKERS=5 scripts/loadtest.sh
#   BENCH_PG_DB=bench_me REDIS_URL=redis://127.0.0.1:6379/5 scripts/loadtest.sh   # your own db and cache
#
# Searches are measured twice per level: "search, first pass" right after emptying the cache
# (every page rendered afresh, as after a directory change; COLD_DURATION seconds, so that few
# of its requests repeat a path) and "search, cached" once every path has been asked twice (a page
# is kept from its second ask).
#
# Not part of `make test`. Installs Debian's wrk if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
PORT=${PORT:-8171}
WORKERS=${WORKERS:-5}                 # 2 x cores + 1 on the 2-core machine
DURATION=${DURATION:-15}              # seconds per level
LEVELS=${LEVELS:-"1 4 8 16 32"}       # concurrent connections
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
BENCH_PG_DB=${BENCH_PG_DB:-bench_national}
DB_URL=${DB_URL:-$PG_SERVER/$BENCH_PG_DB}
COLD_DURATION=${COLD_DURATION:-3}     # seconds of the first pass over the search paths
SEARCH_PATHS=${SEARCH_PATHS:-3000}    # distinct searches: more than a first pass can ask
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/3}   # its own Redis database: other tests share db 0
HOST=127.0.0.1                        # loopback only, never anything else
mkdir -p .bench

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

# The national synthetic directory (scripts/bench.py leaves it behind; create it if it is not there).
if ! DATABASE_URL=$DB_URL $PY manage.py shell -v0 -c "from directory.models import Service; import sys; sys.exit(0 if Service.objects.count() >= 1000 else 1)" 2>/dev/null; then
  echo "Creating the benchmark database (20,000 services)..."
  BENCH_PG_DB=$BENCH_PG_DB $PY scripts/bench.py --generate-only postgres
  DB_URL=$PG_SERVER/$BENCH_PG_DB
fi
# This code's schema, and its stored renderings (a new release makes the old ones stale), as a
# deploy leaves them (docs/deploy.md).
DATABASE_URL=$DB_URL $PY manage.py migrate --noinput -v0
DATABASE_URL=$DB_URL $PY manage.py build_renderings -v0
# Vacuumed as autovacuum keeps a live database (docs/deploy.md): a machine whose PostgreSQL runs
# with autovacuum off would otherwise keep every run's replaced renderings as dead rows, and each
# later run would read the stored cards and documents more slowly than the one before.
DATABASE_URL=$DB_URL $PY manage.py shell -v0 -c "from django.db import connection; connection.cursor().execute('vacuum analyze directory_servicerendering')"

export DATABASE_URL=$DB_URL REDIS_URL DEBUG=false ALLOWED_HOSTS=$HOST STATIC_MANIFEST=true \
  SECRET_KEY=loadtest-only-$(date +%s)-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
  DB_CONN_MAX_AGE=60 ORUK_API_ANON_RATE=100000000/minute LOG_LEVEL=ERROR
$PY manage.py collectstatic --noinput -v0
# Enough distinct search paths that a first pass never asks one twice: wrk walks them in a fixed
# order, so a pass faster than SEARCH_PATHS / COLD_DURATION requests a second would reach paths
# already cached and count them as rendered afresh (400 paths did, at 278 requests/s).
$PY scripts/bench.py --paths "$SEARCH_PATHS" > .bench/paths.txt
head -n "$SEARCH_PATHS" .bench/paths.txt | sort -u > .bench/paths-search.txt
tail -n 400 .bench/paths.txt > .bench/paths-oruk.txt

.venv/bin/gunicorn -c deploy/gunicorn.conf.py --bind $HOST:$PORT --workers "$WORKERS" servicemap.wsgi \
  --pid .bench/gunicorn.pid --daemon
trap 'kill "$(cat .bench/gunicorn.pid)" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs -o /dev/null "http://$HOST:$PORT/" && break; sleep 0.2; done
# A hashed stylesheet, as a page links it (served by whitenoise).
curl -fs "http://$HOST:$PORT/" | grep -o 'href="/static/css/[^"]*\.css"' | head -1 | sed 's/href="//; s/"$//' > .bench/paths-static.txt
# Warm every worker (gaps inputs, URL resolvers, first queries).
for path in $(head -40 .bench/paths-search.txt) $(head -20 .bench/paths-oruk.txt); do
  curl -fs -o /dev/null "http://$HOST:$PORT$path" || { echo "warm-up request failed: $path" >&2; exit 1; }
done

echo
echo "gunicorn $WORKERS workers on $HOST:$PORT, PostgreSQL ($DB_URL), Redis, whitenoise; ${DURATION}s per level; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| endpoint | connections | requests/s | p50 ms | p95 ms | p99 ms | errors |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
run_level() {  # label, paths, connections, seconds
  local line
  line=$(WRK_PATHS=.bench/paths-$2.txt wrk -t"$(( $3 < 2 ? 1 : 2 ))" -c"$3" -d"$4s" --timeout 10s \
         -s scripts/loadtest.lua "http://$HOST:$PORT" | grep '^RESULT')
  eval "${line#RESULT }"
  echo "| $1 | $3 | $rps | $p50_ms | $p95_ms | $p99_ms | $errors of $requests |"
}
# Searches: a first pass at each level right after emptying the shared cache (this run's Redis
# database only), so every page is rendered afresh; then, once every path has been asked twice,
# the same paths with their pages cached.
for c in $LEVELS; do
  $PY manage.py shell -v0 -c "from django.core.cache import cache; cache.clear()" 2>/dev/null
  run_level "search, first pass" search "$c" "$COLD_DURATION"
  if [ "$requests" -gt "$(wc -l < .bench/paths-search.txt)" ]; then
    echo "The first pass asked more than the $(wc -l < .bench/paths-search.txt) distinct search paths: raise SEARCH_PATHS." >&2
    exit 1
  fi
done
# Every path asked twice: a page is kept from its second ask (servicemap/cache_admission.py).
for _ in 1 2; do
  xargs -P 4 -I{} curl -fs -o /dev/null "http://$HOST:$PORT{}" < .bench/paths-search.txt
done
for c in $LEVELS; do
  run_level "search, cached" search "$c" "$DURATION"
done
for target in ${OTHER_TARGETS:-oruk static}; do
  for c in $LEVELS; do
    [ "$target" = static ] && [ "$c" != "$(echo $LEVELS | awk '{print $NF}')" ] && continue
    run_level "$target" "$target" "$c" "$DURATION"
  done
done
