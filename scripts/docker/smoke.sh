#!/usr/bin/env bash
# deploy/ run as docs/deploy.md section 5 says, on a copy of this checkout (its own .env, written
# here: a developer's is never touched), then checked and removed (containers and volumes).
#
#   scripts/docker/smoke.sh        (needs Docker, compose, and 127.0.0.1:8000 free)
#
# Without Docker Hub, make the base images first: scripts/docker/standin_images.sh.
# Checks, through the app's port with the headers a TLS proxy sets: the health check turns
# healthy; the home page, a search (a full postcode in it redirected to its sector), the gaps page,
# the API and a static file answer; plain http is redirected to https and a wrong Host refused; the
# app's files cannot be written and it holds no privileges; the scheduler names its jobs; pg_dump
# from the host writes a dump. Prints each check; exits non-zero if any fails.
set -euo pipefail
SOURCE=$(cd "$(dirname "$0")/../.." && pwd)
COPY=$(mktemp -d)
if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose); else COMPOSE=(docker-compose); fi
DC=("${COMPOSE[@]}" -p servicemap-smoke -f deploy/compose.yaml --env-file .env)
failures=0

# The checkout as it is (committed or not, untracked files too), without what git ignores.
(cd "$SOURCE" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - --ignore-failed-read) \
  | tar -C "$COPY" -xf -
cd "$COPY"
cat > .env <<EOF
DEBUG=false
SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')
DJANGO_REQUIRE_SECRET_KEY=1
ALLOWED_HOSTS=servicemap.example.org
CSRF_TRUSTED_ORIGINS=https://servicemap.example.org
SITE_URL=https://servicemap.example.org
SECURE_SSL_REDIRECT=true
SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https
NUM_PROXIES=1
SECURE_HSTS_SECONDS=31536000
SESSION_COOKIE_SECURE=true
CSRF_COOKIE_SECURE=true
POSTGRES_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
EOF

cleanup() {
  "${DC[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  rm -rf "$COPY"
}
trap cleanup EXIT

check() {  # check NAME COMMAND...: prints ok or FAIL
  if "${@:2}" >/dev/null 2>&1; then echo "ok    $1"; else echo "FAIL  $1"; failures=$((failures + 1)); fi
}

answers() {  # answers STATUS PATH [TEXT]: the page through the proxy's headers gives STATUS (and holds TEXT)
  local body
  body=$(curl -s -w '\n%{http_code}' -H 'Host: servicemap.example.org' -H 'X-Forwarded-Proto: https' \
    -H 'X-Forwarded-For: 203.0.113.9' "http://127.0.0.1:8000$2") || return 1
  [ "${body##*$'\n'}" = "$1" ] && { [ -z "${3:-}" ] || grep -qF "$3" <<<"$body"; }
}

redirects() {  # redirects STATUS PATH LOCATION: the page through the proxy's headers gives STATUS to LOCATION
  [ "$(curl -s -o /dev/null -w '%{http_code} %header{location}' -H 'Host: servicemap.example.org' \
    -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-For: 203.0.113.9' "http://127.0.0.1:8000$2")" = "$1 $3" ]
}

echo "Building and starting (${COMPOSE[*]})..."
"${DC[@]}" up -d --build --quiet-pull >/dev/null 2>&1 || "${DC[@]}" up -d --build
for command in "migrate --noinput" load_reference_data load_sample_directory "build_renderings -v0"; do
  # shellcheck disable=SC2086 # the command's words
  "${DC[@]}" run --rm -T app python manage.py $command >/dev/null
done
app=$("${DC[@]}" ps -q app)
for _ in $(seq 60); do
  [ "$(docker inspect -f '{{.State.Health.Status}}' "$app")" = healthy ] && break
  sleep 2
done

check "health check healthy" test "$(docker inspect -f '{{.State.Health.Status}}' "$app")" = healthy
check "/healthz/ by the server's address" curl -sf http://127.0.0.1:8000/healthz/
check "home page" answers 200 / "Find specialist support"
# A full postcode is never kept in a search's address (directory/postcode_privacy.py): it is
# redirected to the same search from its sector, which then answers.
check "a full postcode's search redirected to its sector" redirects 302 "/search/?postcode=CF10+1EP&age=9" \
  "/search/?postcode=CF10+1&age=9&cut=1"
check "a search" answers 200 "/search/?postcode=CF10+1&age=9&cut=1" "services found"
check "the gaps page" answers 200 /gaps/ "Where support is missing"
check "the open API" answers 200 "/api/oruk/services?per_page=5&full=true" '"contents"'
css=$(curl -s -H 'Host: servicemap.example.org' -H 'X-Forwarded-Proto: https' http://127.0.0.1:8000/ \
  | grep -o '/static/[^"]*\.css' | head -1)
check "a hashed static file ($css)" answers 200 "$css"
check "plain http redirected to https" test "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' \
  -H 'Host: servicemap.example.org' http://127.0.0.1:8000/)" = "301 https://servicemap.example.org/"
check "a wrong Host refused" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: other.example' \
  -H 'X-Forwarded-Proto: https' http://127.0.0.1:8000/)" = 400
check "the app's file system is read-only, even to root" bash -c "! docker exec -u root $app touch /app/manage.py"
status=$(docker exec "$app" cat /proc/1/status)
check "the app can hold no Linux capabilities" grep -q "^CapBnd:[[:space:]]*0000000000000000" <<<"$status"
check "the app cannot gain privileges" grep -q "^NoNewPrivs:[[:space:]]*1" <<<"$status"
check "the scheduler names its jobs" grep -q "scheduled: manage.py build_renderings" <<<"$("${DC[@]}" logs cron 2>&1)"
check "pg_dump from the host" test "$("${DC[@]}" exec -T db pg_dump -U servicemap --format=custom servicemap | wc -c)" -gt 100000

if [ "$failures" -gt 0 ]; then
  "${DC[@]}" logs --tail 30 app cron >&2 || true
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "All checks passed."
