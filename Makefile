# One task file: install, demo, test (lint + types + pytest), bench.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: install install-dev demo test lint typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(RUNTIME_STAMP) $@

install: $(RUNTIME_STAMP)

install-dev: $(DEV_STAMP)

## demo: the pipeline over seeds/ on the embedded default (or REDIS_URL / DATABASE_URL)
demo: $(RUNTIME_STAMP)
	$(BIN)/newswire demo

## bench: every stage's speed and cost in one run (minutes); writes BENCHMARKS.md
bench: $(DEV_STAMP)
	$(BIN)/python -m bench.suite

## test: lint, type-check and run every test against real servers
test: lint typecheck pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP)
	$(BIN)/pytest -q -ra

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
