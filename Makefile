# salesculture
#
#   make demo    the embedded demo on SQLite (no server needed): http://127.0.0.1:8000/
#   make test    everything CI checks: lint, Django checks, the test suite on PostgreSQL
#                (browser journeys included) and the embedded SQLite smoke test
#   make lint    ruff (lint and formatting)
#   make migrate-pg / make worker / make beat   run against PostgreSQL and Redis
#   make bench   the benchmark harness (not part of make test): results in docs/benchmarks.md
#   make fuzz    the fuzzing tests (schemathesis, hypothesis) with many more examples
#
# Variables (environment or command line):
#   PG_DATABASE_URL  PostgreSQL for tests, worker and beat; defaults to DATABASE_URL when that
#                    is a postgres:// URL, else postgres://postgres@127.0.0.1:5432/salesculture
#   REDIS_URL        redis://127.0.0.1:6379/0
#   PYTEST_WORKERS   parallel test processes (pytest-xdist), 2; 0 runs in one process
#   PYTEST_ARGS      extra pytest arguments for the main run, for example -k signup
#   APP_ROLE         the restricted database role of the application, app_rw

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

export UV_PYTHON_DOWNLOADS := never
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

VENV := .venv
PYTHON := $(VENV)/bin/python
MANAGE := $(PYTHON) manage.py

PG_DATABASE_URL ?= $(if $(filter postgres://% postgresql://%,$(DATABASE_URL)),$(DATABASE_URL),postgres://postgres@127.0.0.1:5432/salesculture)
REDIS_URL ?= redis://127.0.0.1:6379/0
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
APP_ROLE ?= app_rw
DEMO_ADDRESS ?= 127.0.0.1:8000

# The demo: default settings (SQLite file var/demo.sqlite3, tasks in-process), DEBUG on.
DEMO_ENV := env -u DATABASE_URL -u DATABASE_APP_ROLE -u CELERY_TASK_ALWAYS_EAGER DEBUG=1
# PostgreSQL as the owner (migrations, tests: the tests switch to the app role themselves).
PG_ENV := env -u DATABASE_APP_ROLE DATABASE_URL='$(PG_DATABASE_URL)' REDIS_URL='$(REDIS_URL)'
# PostgreSQL as the application (worker, beat): SET ROLE to the restricted role on connect.
APP_ENV := env DATABASE_URL='$(PG_DATABASE_URL)' REDIS_URL='$(REDIS_URL)' DATABASE_APP_ROLE=$(APP_ROLE) CELERY_TASK_ALWAYS_EAGER=0

.PHONY: help venv demo test services lint checks test-main test-smoke migrate-pg worker beat bench fuzz

help:
	@sed -n '2,17p' Makefile | sed 's/^# \{0,1\}//'

venv:
	@uv="$$(scripts/bootstrap-uv.sh)"; $$uv sync --frozen

demo: venv
	$(DEMO_ENV) $(MANAGE) migrate --noinput
	$(DEMO_ENV) $(MANAGE) createcachetable
	$(DEMO_ENV) $(MANAGE) seed_demo
	$(DEMO_ENV) $(MANAGE) runserver $(DEMO_ADDRESS)

test: services venv
	@start=$$(date +%s); \
	$(MAKE) lint checks test-main test-smoke; \
	echo "make test: all checks passed in $$(( $$(date +%s) - start )) s"

services:
	@scripts/ensure-services.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

checks: venv
	$(PG_ENV) $(MANAGE) check
	$(PG_ENV) $(MANAGE) makemigrations --check --dry-run

# The main run: PostgreSQL (each xdist worker gets its own test_salesculture_gwN database),
# tasks eager, the embedded smoke test left for the SQLite run. Exit code 5 (nothing collected)
# fails like any other.
test-main: venv
	@rc=0; \
	$(PG_ENV) CELERY_TASK_ALWAYS_EAGER=1 $(VENV)/bin/pytest -n $(PYTEST_WORKERS) -m "not smoke" \
		--durations=10 $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest ran no tests (exit code 5: nothing collected, or every worker crashed at start-up)" >&2; fi; \
	exit $$rc

# The embedded smoke run: a fresh SQLite file, the demo's database engine and settings. The report
# tests run here too, because the report has SQL of its own for SQLite (no grouping sets).
test-smoke: venv
	@tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	env -u DATABASE_APP_ROLE -u CELERY_TASK_ALWAYS_EAGER \
		DATABASE_URL="sqlite:///$$tmp/demo.sqlite3" TEST_DATABASE_NAME="$$tmp/test_demo.sqlite3" \
		$(VENV)/bin/pytest -p no:xdist tests/smoke tests/dependency/test_report.py \
		tests/dependency/test_digest.py tests/tenancy/test_membership_for_user.py

# PostgreSQL for a worker or a real server: migrate as the owner, then (re)grant the app role.
migrate-pg: services venv
	$(PG_ENV) $(MANAGE) migrate --noinput
	$(PG_ENV) $(MANAGE) createcachetable
	$(PG_ENV) $(MANAGE) grant_app_role $(APP_ROLE)

worker: migrate-pg
	$(APP_ENV) $(VENV)/bin/celery -A salesculture worker -l info

beat: migrate-pg
	@mkdir -p var
	$(APP_ENV) $(VENV)/bin/celery -A salesculture beat -l info -s var/celerybeat-schedule

# The benchmark harness: seeds a large organisation in its own database, serves it with gunicorn
# and measures it (see docs/benchmarks.md). Takes several minutes; not part of make test.
bench: services venv
	$(PG_ENV) scripts/bench/run.sh

# The same fuzzing tests that make test runs, with many more examples (HYPOTHESIS_PROFILE=fuzz).
fuzz: services venv
	$(PG_ENV) CELERY_TASK_ALWAYS_EAGER=1 HYPOTHESIS_PROFILE=fuzz $(VENV)/bin/pytest -n $(PYTEST_WORKERS) \
		-m fuzz $(PYTEST_ARGS)
