# Story Portal: `make run` serves the platform, `make test` runs every check.
# Both set up everything they need on a fresh machine (venv, dependencies, servers, migrations).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LAUNCH := $(PY) -m storyportal.launcher

.PHONY: run test bench lint format manage shell clean-var help
.DEFAULT_GOAL := help

help:
	@echo "make run     - set up and serve http://127.0.0.1:$${PORT:-8000} with workers (Ctrl-C stops all)"
	@echo "make test    - set up and run the whole suite, linters and the migrations check"
	@echo "make manage ARGS='health'  - run a manage.py command with the servers up"
	@echo "make bench   - gateway benchmark under gunicorn (BENCH_ARGS='--compare' tries sync and gthread)"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.dev-installed: requirements/dev.txt requirements/base.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $@

$(VENV)/.test-installed: requirements/test.txt $(VENV)/.dev-installed
	$(PY) -m pip install --quiet -r requirements/test.txt
	touch $@

run: $(VENV)/.dev-installed
	$(LAUNCH) run

# ruff check, ruff format --check, makemigrations --check, mypy, then pytest (scripts/test-suite.sh).
test: $(VENV)/.test-installed
	$(LAUNCH) exec -- bash scripts/test-suite.sh $(PYTEST_ARGS)

$(VENV)/.prod-installed: requirements/prod.txt $(VENV)/.dev-installed
	$(PY) -m pip install --quiet -r requirements/prod.txt
	touch $@

# gunicorn (2 workers) against real PostgreSQL and Redis; writes bench/results/ (bench/README.md).
bench: $(VENV)/.prod-installed
	$(LAUNCH) exec -- $(PY) -m bench.gateway $(BENCH_ARGS)

manage: $(VENV)/.dev-installed
	$(LAUNCH) exec -- $(PY) manage.py $(ARGS)

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(VENV)/.test-installed
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

clean-var:
	rm -rf var
