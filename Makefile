# ragstream: the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install demo test test-unit lint stack-up stack-down stack-status bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements-nodeps.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (ragstream needs Python 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps -r requirements-nodeps.txt
	touch $(STAMP)

install: $(STAMP) ## create .venv and install ragstream with pinned dependencies

stack-up: install ## start Kafka and OpenSearch on 127.0.0.1 (installs them on first use)
	bash compose/stack.sh up

stack-down: ## stop the services the stack started
	bash compose/stack.sh down

stack-status: ## show what runs where
	bash compose/stack.sh status

demo: install ## install, start the stack, ingest samples/corpus, query, edit and delete a file
	bash scripts/demo.sh

lint: install ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/mypy

test-unit: install ## unit tests only (no services)
	$(BIN)/pytest -m unit -q

test: install ## lint, then every test incl. integration against the real stack (started and stopped here)
	bash scripts/test.sh

bench: install ## benchmarks (write bench/results/)
	bash scripts/bench.sh

clean: ## remove the venv and local state (not the downloaded stack)
	rm -rf $(VENV) .ragstream
