# kimina-prover-rl developer commands. Everything runs inside .venv, created on demand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# A second, verbose attempt: survives a transient registry error and shows a real one.
PIP_RETRY := $(BIN)/python -m pip install --disable-pip-version-check
# The CPU torch build of the test environment, installed before the extras (which pin no
# torch). GPU nodes do not use this Makefile: `pip install "kimina-prover-rl[gpu]"`.
TORCH := torch==2.13.0
EXTRAS := dev,server,ray,data,verl,trl,plot
# The read-only sample data (MiniF2F test set, training sample, recorded Lean output).
SHARED_DATA ?= ../shared/data

.PHONY: help install test lint format unit demo score-demo bench clean test-lean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) $(TORCH) || $(PIP_RETRY) $(TORCH)
	$(PIP) -e '.[$(EXTRAS)]' || $(PIP_RETRY) -e '.[$(EXTRAS)]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the package with every extra

lint: $(STAMP)  ## ruff (lint + format check) and strict mypy
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples
	$(BIN)/mypy

format: $(STAMP)  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tests benchmarks examples
	$(BIN)/ruff format src tests benchmarks examples

unit: $(STAMP)  ## the test suite alone
	$(BIN)/python -m pytest -q

test: lint unit  ## lint, type-check and run the test suite (what CI runs)

# A Lean 4 project with Mathlib built; LEAN_REPL is the REPL run there with `lake env`.
LEAN_PROJECT ?=
LEAN_REPL ?= repl

test-lean: $(STAMP)  ## real-Lean tests and the verifier self-check: LEAN_PROJECT=~/lean/proj
	@test -n "$(LEAN_PROJECT)" || { echo "set LEAN_PROJECT to a Lean project with Mathlib built: make test-lean LEAN_PROJECT=~/lean/mathlib-project"; exit 2; }
	KIMINA_LEAN_PROJECT="$(LEAN_PROJECT)" KIMINA_LEAN_REPL="lake env $(LEAN_REPL)" $(BIN)/python -m pytest -m lean tests/lean/test_real_lean.py -q
	$(BIN)/kimina-rl doctor --project-dir "$(LEAN_PROJECT)" --repl-cmd "lake env $(LEAN_REPL)"

demo: $(STAMP)  ## train a tiny prover offline on CPU for a few minutes, with plots (see README)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash examples/demo.sh

score-demo: $(STAMP)  ## score fixed answers on the shared sample data, no training
	PATH="$(CURDIR)/$(BIN):$$PATH" SHARED_DATA="$(SHARED_DATA)" bash examples/score_demo.sh

bench: $(STAMP)  ## run every benchmark (record results in docs/benchmarks.md)
	set -e; for script in benchmarks/bench_*.py; do echo "## $$script"; $(BIN)/python $$script; done

clean:  ## remove the virtual environment and caches
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
