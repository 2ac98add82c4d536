# The two commands: `make run` and `make test`. Every install step lives here.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app tracker
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432
PORT ?= 5000


.PHONY: bench wrk run test install install-dev translations lint migration-check db demo-data clean extract-messages browser-tools

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

translations: | $(BIN)/python
	$(BIN)/pybabel -q compile -d translations

extract-messages: install-dev
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

db: install
	$(FLASK) db upgrade
	$(FLASK) seed

demo-data: db
	$(FLASK) demo

run: demo-data
	@echo
	@echo "  The tracker runs at http://localhost:$(PORT)  (stop with Ctrl-C)"
	@echo
	PORT=$(PORT) $(BIN)/honcho start

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The models and the migrations must agree, on the embedded SQLite and on PostgreSQL.
migration-check: install-dev
	rm -f /tmp/tracker-migration-check.db
	DATABASE_URL=sqlite:////tmp/tracker-migration-check.db $(FLASK) db upgrade
	DATABASE_URL=sqlite:////tmp/tracker-migration-check.db $(FLASK) db check
	$(BIN)/python -m tests.pg_admin recreate tracker_migration_check
	DATABASE_URL=$(PG_URL)/tracker_migration_check $(FLASK) db upgrade
	DATABASE_URL=$(PG_URL)/tracker_migration_check $(FLASK) db check

# The browser walk and the accessibility/HTML checks: Debian's Chromium (driven by Playwright,
# never a downloaded browser), axe-core and vnu from npm (pinned in package-lock.json), Java for vnu.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

browser-tools: node_modules/.installed
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	@command -v java >/dev/null || (apt-get update -qq && apt-get install -y -qq default-jre-headless)
	@java -version 2>&1 | head -1

test: lint migration-check browser-tools
	$(BIN)/pytest -q -p no:cacheprovider

# The HTTP load generator for the load run (Debian package), installed only when missing.
wrk:
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)

# Figures, not pass/fail: national-scale worker timings, overview and main-page timings at 5k
# and 50k bottlenecks, and a 60 s load run with gunicorn and wrk, on scratch PostgreSQL databases.
bench: install-dev wrk
	$(BIN)/python -m bench.workers
	$(BIN)/python -m bench.suggestions
	$(BIN)/python -m bench.pages
	BENCH_KEEP=50000 $(BIN)/python -m bench.page_timings
	$(BIN)/python -m bench.load

clean:
	rm -rf $(VENV) instance *.egg-info node_modules screenshots
