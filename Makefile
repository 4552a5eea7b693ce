# servicemap: the two commands a fresh machine needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0
HOST ?= 127.0.0.1
PORT ?= 8000
# Two workers (the CI machine has two cores); files stay whole so module fixtures load once.
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: run setup lock data test test-sqlite test-postgres browser-deps postgres-up redis-up lint assets clean messages bench loadtest

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]' -c constraints.txt
	touch $@

setup: $(VENV)/.installed

## After changing a pin in pyproject.toml: install it, then record the whole set in constraints.txt.
lock:
	$(PY) -m pip install --quiet -e '.[test,bench]'
	{ sed -n '/^#/p' constraints.txt; $(PY) -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

## Set up, migrate SQLite, load reference data and the (fictional, labelled) sample directory, serve.
run: setup data
	# --insecure serves static files without DEBUG (production uses whitenoise). Links written into
	# pages and emails (the referral pack, invitations) lead to this server unless SITE_URL says otherwise.
	SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" $(PY) manage.py runserver --insecure $(HOST):$(PORT)

data: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_reference_data
	$(PY) manage.py load_sample_directory
	$(PY) manage.py build_renderings

## Set up and run the whole suite on SQLite and on PostgreSQL (browser tests included).
test: setup browser-deps postgres-up redis-up
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# REDIS_URL is unset for the suite: tests expect each process's own cache (test_cache.py checks
# Redis itself), and clearing the cache between tests must never flush a shared Redis.
test-sqlite: setup
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest $(PYTEST_ARGS)

# The second pass runs only the tests that reach the database: the rest ran in the first and would
# give the same result again (tests/conftest.py, `reaches_the_database`).
test-postgres: setup
	env -u REDIS_URL DATABASE_URL=$(PG_URL) $(PY) -m pytest $(PYTEST_ARGS) --database-tests-only

# Debian's chromium for Playwright (Playwright's own browser download does not work here).
browser-deps:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	@command -v chromium >/dev/null || (echo "chromium is required for the browser tests" >&2; exit 1)
	@# gettext (msgfmt, xgettext): the Welsh catalogue tests re-run makemessages and msgfmt.
	@command -v msgfmt >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null)

# Start the local PostgreSQL cluster only when none answers; fail loudly if it still does not.
postgres-up:
	@$(PY) scripts/wait_for_postgres.py "$(PG_URL)" --start

# The cache tests use this machine's Redis: start one only when none answers; fail loudly if absent.
redis-up: setup
	@$(PY) scripts/wait_for_redis.py "$(REDIS_TEST_URL)" --start

## Benchmarks, not part of `make test` (minutes; see BENCHMARKS.md): a national synthetic directory
## on SQLite and PostgreSQL (databases bench_*), then a wrk load test of gunicorn on loopback.
bench: setup postgres-up
	$(PY) -m pip install --quiet -e '.[test,bench]' -c constraints.txt
	$(PY) scripts/bench.py

loadtest: setup postgres-up redis-up
	scripts/loadtest.sh

lint: setup
	$(PY) -m ruff check .

# Rebuild the vendored front-end files from npm (they are committed, so this is optional).
assets:
	npm ci --no-audit --no-fund
	npx sass --quiet --no-source-map --style=compressed --load-path=node_modules assets/govuk.scss servicemap/static/vendor/govuk/govuk-frontend.min.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js servicemap/static/vendor/govuk/
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css servicemap/static/vendor/leaflet/
	cp -r node_modules/leaflet/dist/images servicemap/static/vendor/leaflet/
	cp node_modules/axe-core/axe.min.js tests/browser/vendor/axe.min.js

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles

# Refresh the Welsh catalogue from the code and templates, then compile it (commit both files).
# tests/servicemap/test_i18n.py runs the same makemessages and fails if the catalogue is out of step.
# compilemessages also compiles locale_upstream/ (Welsh for the admin packages' strings, kept by hand).
messages: setup
	$(PY) manage.py makemessages -l cy --no-obsolete --add-location=file -i node_modules -i staticfiles -i tests -i scripts
	$(PY) manage.py compilemessages -l cy -i .venv -i node_modules
