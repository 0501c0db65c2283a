# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint install install-dev schema docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(STAMP)

install: $(STAMP)
install-dev: $(DEV_STAMP)

run: $(STAMP)
	$(BIN)/niaga serve --demo

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(DEV_STAMP) lint
	$(BIN)/pytest -q -n auto

schema: $(STAMP)
	$(BIN)/niaga export-schema docs/schema.graphql
	$(BIN)/niaga export-events docs/events.md
	$(BIN)/niaga export-openapi docs/openapi.json
	$(BIN)/niaga export-webhook-events docs/webhook-events.md
	$(BIN)/niaga export-permissions docs/permissions.md

bench: $(STAMP)
	$(BIN)/python -m bench.projection_catchup
	$(BIN)/python -m bench.single_command
	$(BIN)/python -m bench.billing_run
	$(BIN)/python -m bench.provisioning
	$(BIN)/python -m bench.repairs
	$(BIN)/python -m bench.webhooks
	$(BIN)/python -m bench.vouchers

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
