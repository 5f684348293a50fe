# One task file: install, demo, test (lint + types + pytest), bench.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: install install-dev demo test lint typecheck pytest browser bench clean

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

pytest: $(DEV_STAMP) browser
	$(BIN)/pytest -q -ra

# The stories page's browser test drives Debian's headless Chromium. Installed with apt where
# this runs as root (as CI does) and it is missing; otherwise nothing happens here and the
# test skips, saying why.
browser:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& ! { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }; then \
		echo "installing chromium and chromium-driver (apt) for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
