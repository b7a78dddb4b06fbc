# `make run` brings the whole portal up; `make test` runs the whole suite. Both set up first.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
TOOLS   := .tools
export PATH := $(CURDIR)/$(TOOLS)/node_modules/.bin:$(CURDIR)/$(BIN):$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1

.PHONY: run test setup services migrate seed lint bench clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

$(TOOLS)/node_modules/.bin/bun:
	npm install --prefix $(TOOLS) --no-audit --no-fund bun

setup: $(BIN)/.installed $(TOOLS)/node_modules/.bin/bun services

services:
	scripts/services.sh

migrate: setup
	$(BIN)/python -m v4a_portal db upgrade

seed: migrate
	$(BIN)/python -m v4a_portal seed-demo

run: seed
	scripts/run.sh

test: setup
	scripts/browser.sh
	$(BIN)/ruff check .
	$(BIN)/mypy
	V4A_REQUIRE_SERVICES=1 scripts/test.sh $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# Each benchmark prints its figures against a baseline measured in the same run.
bench: setup
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/upload.py
	$(BIN)/python bench/draft_render.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/progress_latency.py
	$(BIN)/python bench/page_load.py
	$(BIN)/python bench/sse_fanout.py
	$(BIN)/python bench/webhooks.py
	$(BIN)/python bench/console.py
	$(BIN)/python bench/analytics.py
	$(BIN)/python bench/faults.py

clean:
	rm -rf $(VENV) $(TOOLS) .web .web-prod .states*
