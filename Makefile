# Ketenzicht. Two commands matter: `make run` (the app with demo data on SQLite) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# make test runs the quick suite: every test but the browser walks (`e2e`) and those marked `slow` (Spark,
# volume, the API contract's generated cases); TESTS=all runs everything, as CI does (CI=true sets it).
# It runs on two worker processes (a test file stays on one; the longest files are handed out first,
# by their times in tests/durations.json, see tests/conftest.py; `make test PYTEST_ARGS=--record-durations`
# refreshes those times); PYTEST_WORKERS=0 runs in this process.
PYTEST_WORKERS ?= 2
# Compiled modules are kept (in var/pycache, not beside the sources), also where PYTHONDONTWRITEBYTECODE is
# set: without them each of the three processes compiles every module again, pytest's rewritten test modules
# and plugins included (about 14 s of CPU each, as much as collecting the tests).
PYTEST_ENV := PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/var/pycache
TESTS ?= $(if $(filter true,$(CI)),all,quick)
TEST_SELECTION := $(if $(filter all,$(TESTS)),,-m "not e2e and not slow")

.PHONY: run test lint format messages clean

$(VENV)/.installed-run: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed-run
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $@

## make run: install, migrate, load reference data and demo users, serve on http://127.0.0.1:8000
run: $(VENV)/.installed-run
	mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.local $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings.local $(BIN)/python manage.py load_reference_data
	DJANGO_SETTINGS_MODULE=config.settings.local $(BIN)/python manage.py load_demo
	DJANGO_SETTINGS_MODULE=config.settings.local $(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: the quick suite; make test TESTS=all: everything, browser and Spark included (DATABASE_URL picks
## PostgreSQL; browser tests skip without Chromium, Spark tests without Java, except in CI)
test: $(VENV)/.installed-dev
	mkdir -p var
	$(PYTEST_ENV) $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder $(TEST_SELECTION) $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make messages: compile the translations (no GNU gettext needed)
messages: $(VENV)/.installed-dev
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
