# asfnet — the front door. `make run` and `make test` are the two commands a new machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)

# The test suite runs on the real services; override any of these from the environment.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/asfnet
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=
# pytest-xdist workers: the suite's real services and browser tests wait on I/O, two workers halve the time.
PYTEST_WORKERS ?= 2
# The JUnit XML of the last run; scripts/security_table.py prints the security-check table from it.
JUNIT_XML ?= var/junit.xml

.PHONY: a11y install run test security backup restore lint typecheck format messages bench scale-demo services system-deps check-migrations clean

$(STAMP):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11+ is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## make run: install, migrate, seed demo data and serve on http://127.0.0.1:8000
## Embedded default: SQLite under var/ and in-process tasks unless DATABASE_URL / REDIS_URL are set.
run: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py seed_demo
	@echo "Serving asfnet on http://127.0.0.1:8000 (Ctrl-C stops)"
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

## make test: lint, type check, then the whole suite against PostgreSQL and Redis on localhost (started when
## installed but down)
test: install system-deps services
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/ruff check .
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/ruff format --check .
	$(MAKE) --no-print-directory typecheck
	@mkdir -p $(dir $(JUNIT_XML))
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) \
		--junitxml=$(JUNIT_XML) $(PYTEST_ARGS); status=$$?; \
		$(BIN)/python scripts/security_table.py $(JUNIT_XML); exit $$status

## make security: only the tests that prove a check of docs/security-checks.md (@pytest.mark.security), then
## the table "category · tried · held · not run (reason)". `make test` prints the same table for the whole run.
security: install system-deps services
	@mkdir -p var
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) -m security \
		--junitxml=var/security.xml $(PYTEST_ARGS); status=$$?; \
		$(BIN)/python scripts/security_table.py var/security.xml; exit $$status

## make backup: pg_dump (custom format) of DATABASE_URL and the media directory into var/backups/asfnet-<UTC time>/
## make restore BACKUP=<that folder> DATABASE_URL=<existing database>: restore both, then erase again what the
## erasure journal's file copy records since (manage.py reapply_erasures). README "Operations" has the details.
backup: install
	DATABASE_URL="$(DATABASE_URL)" bash scripts/backup.sh

restore: install
	BACKUP="$(BACKUP)" DATABASE_URL="$(DATABASE_URL)" bash scripts/restore.sh

## make scale-demo: a PostgreSQL primary and streaming replica, Redis, two gunicorn nodes behind HAProxy and a
## Celery worker on spare ports; load through the balancer while a web node and then the replica stop, an ESF+
## report run through the worker in every phase, and a session, an upload and a rate limit shared by the two nodes
## (docs/scaling.md). Exit status 1 when anything failed. Writes bench-results/scale-demo.json.
## SCALE_ARGS="--seconds 60" for longer phases.
scale-demo: install
	$(BIN)/python scripts/scale_demo.py $(SCALE_ARGS)

services:
	@bash scripts/ensure-services.sh

system-deps:
	@bash scripts/ensure-system-packages.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## make typecheck: mypy with django-stubs over the modules listed in pyproject.toml [tool.mypy] `files`.
## The stubs' plugin loads the settings: DEBUG=true lets them load without a production SECRET_KEY.
typecheck: install
	DEBUG=true $(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make messages: refresh the translation catalogues and compile them (needs gettext)
messages: install
	DEBUG=true $(BIN)/python manage.py makemessages -l sv -l en --no-obsolete \
		--ignore=.venv --ignore=staticfiles --ignore=var --ignore=tests
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv

check-migrations: install
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

## make a11y: every page × role × language through axe-core in Chromium (tests/browser/test_a11y_registry.py);
## writes docs/accessibility/results.json, from which the accessibility statement quotes what was checked
a11y: install system-deps services
	rm -rf var/a11y
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) A11Y_RESULTS=var/a11y/results.json \
		$(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider tests/browser/test_a11y_registry.py
	$(BIN)/python scripts/a11y_results.py var/a11y

## make bench: every benchmark (bench/all.py: directory, matchmaking, events, reports; each in a database of
## its own, left for inspection), then ONE table of the goals against their ceilings measured in the same run;
## writes bench-results/summary.json (and each benchmark's own file). Under 15 minutes on two cores. The search,
## the profile and their ceilings take a different URL each request (the anonymous pages are cached per URL);
## the cached search is a row of its own.
bench: install services
	@bash bench/ensure-wrk.sh
	$(BIN)/python -m bench --run-args "$(BENCH_ARGS)" --mm-args "$(BENCH_MM_ARGS)" \
		--ev-args "$(BENCH_EV_ARGS)" --rp-args "$(BENCH_RP_ARGS)"

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
