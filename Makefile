# ragstream: the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install demo test test-unit lint stack-up stack-down stack-status bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

# pip itself, pinned and hash-checked like everything else
PIP_VERSION := 26.3
PIP_SHA256 := f3b60b20ffaadd4415ed7957212a38ac63fa4c5fa375bd0f4a797777940fad13

# `$(PYTHON) -m venv` needs ensurepip, which Debian/Ubuntu package separately (python3.11-venv,
# or python3-venv where 3.11 is the system Python). When it is missing and $(PYTHON) comes
# from apt, install it (as root, or through sudo); a pyenv or source-built Python is left alone.
$(BIN)/python:
	@set -eu; \
	apt_ready() { \
	  command -v apt-get >/dev/null || { echo "error: $$why, and apt-get is unavailable: install it yourself" >&2; exit 1; }; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=; elif command -v sudo >/dev/null; then sudo=sudo; \
	  else echo "error: $$why; run 'make install' as root or with sudo available, or install it yourself" >&2; exit 1; fi; \
	  echo "$$why: installing it with apt-get"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get -qq update >/dev/null || { echo "error: apt-get update failed" >&2; exit 1; }; \
	}; \
	apt_install() { \
	  echo "apt-get install $$*"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends "$$@" >/dev/null \
	    || { echo "error: apt-get install $$* failed ($$why)" >&2; exit 1; }; \
	}; \
	if ! command -v $(PYTHON) >/dev/null; then \
	  why="$(PYTHON) not found (ragstream needs Python 3.11)"; \
	  case "$(PYTHON)" in python3.*) ;; *) echo "error: $$why" >&2; exit 1 ;; esac; \
	  apt_ready; apt_install $(PYTHON) $(PYTHON)-venv; \
	  command -v $(PYTHON) >/dev/null || { echo "error: still no $(PYTHON) after apt-get install" >&2; exit 1; }; \
	fi; \
	if ! out="$$($(PYTHON) -m venv $(VENV) 2>&1)"; then \
	  rm -rf $(VENV); \
	  exe="$$(readlink -f "$$($(PYTHON) -c 'import sys; print(sys.executable)')")"; \
	  why="$(PYTHON) -m venv failed (no ensurepip/venv)"; \
	  if ! command -v dpkg >/dev/null || ! dpkg -S "$$exe" >/dev/null 2>&1; then \
	    printf '%s\n' "$$out" >&2; \
	    echo "error: $$why; $$exe is not from apt, so rebuild it with ensurepip or set PYTHON=<a python3.11 that has venv>" >&2; exit 1; \
	  fi; \
	  apt_ready; \
	  pkg="$$(basename "$$exe")-venv"; apt-cache show "$$pkg" >/dev/null 2>&1 || pkg=python3-venv; \
	  apt_install "$$pkg"; \
	  $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "error: $(PYTHON) -m venv still fails after installing $$pkg" >&2; exit 1; }; \
	fi

# Every download is checked against a sha256 from requirements.lock (generated from pyproject.toml,
# see the README) or requirements-nodeps.txt; ragstream itself is built from the venv's locked setuptools.
$(STAMP): pyproject.toml requirements.lock requirements-nodeps.txt | $(BIN)/python
	$(BIN)/python -m pip install -q --require-hashes -r <(echo "pip==$(PIP_VERSION) --hash=sha256:$(PIP_SHA256)")
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	$(BIN)/pip install -q --no-deps --ignore-requires-python --require-hashes -r requirements-nodeps.txt
	touch $(STAMP)

install: $(STAMP) ## create .venv and install ragstream from requirements.lock (hash-checked)

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

bench: install ## benchmarks: bench/results/ incl. latest.json + latest.png (RAGSTREAM_BENCH_SKIP_RETRIEVAL=1 reuses retrieval.json)
	bash scripts/bench.sh

clean: ## remove the venv and local state (not the downloaded stack)
	rm -rf $(VENV) .ragstream
