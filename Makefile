# One command each on a fresh machine: `make demo` runs the whole pipeline, `make test` the tests.
# Both run `setup` first. Everything generated goes under $(CREDITRISK_DATA_DIR) (default ./data).

SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv: the one on PATH, else the one `setup` installs with pip into the running Python.
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

# No tool phones home, whatever the user's environment says.
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export MLFLOW_DISABLE_TELEMETRY := true
export FEAST_USAGE := False
export DO_NOT_TRACK := 1

.PHONY: help setup browser demo test bench lint format clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: $(VENV)/.synced ## Install uv if missing, then the locked environment (uv sync --frozen)

$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		python3 -m pip install --quiet "uv>=0.9"
	$(UV) sync --frozen --all-extras --python 3.11
	@touch $@

# Debian's chromium, for the test that opens the analysis report headless. Installed only when
# missing; the lock timeout waits for another apt run instead of failing.
CHROMIUM := /usr/bin/chromium
browser: ## Install Debian's chromium (headless report test) when /usr/bin/chromium is missing
	@test -x $(CHROMIUM) || { echo "installing chromium (apt)"; \
		$(if $(filter 0,$(shell id -u)),,sudo) apt-get -o DPkg::Lock::Timeout=600 update -qq && \
		DEBIAN_FRONTEND=noninteractive $(if $(filter 0,$(shell id -u)),,sudo) \
		apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium >/dev/null; }

demo: setup ## Run the whole pipeline on a small generated data set
	$(BIN)/creditrisk demo

test: setup browser ## Run the test suite (real dbt, DuckDB, Feast, MLflow, FastAPI on small data)
	$(BIN)/pytest

bench: setup ## Run the benchmarks; writes $(CREDITRISK_DATA_DIR)/bench/results.{json,md} (BENCH="a b" to pick, SCALE=small)
	$(PY) -m benchmarks $(if $(BENCH),--only $(BENCH)) --scale $(or $(SCALE),full)

lint: setup ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean: ## Remove generated data, caches and the virtualenv
	rm -rf data target dbt_packages logs .pytest_cache .ruff_cache $(VENV)
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
