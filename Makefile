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

.PHONY: help setup setup-embedded browser demo test bench lint format clean redis redis-stop notebook java test-spark

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: $(VENV)/.synced ## Install uv if missing, then the locked environment with every extra (uv sync --frozen)

# --compile-bytecode: the machines here set PYTHONDONTWRITEBYTECODE=1, so without compiled files
# every dbt, Feast or API subprocess would recompile its imports (about 20 s each under load).
$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		python3 -m pip install --quiet "uv>=0.9"
	$(UV) sync --frozen --all-extras --compile-bytecode --python 3.11
	@touch $@

# The embedded path for `make demo`: the base install plus PyTorch (the network family), without
# the heavy optional extras (Spark, JupyterLab) or the dev tools. --inexact keeps whatever a
# full `setup` already installed, so running the demo after the tests removes nothing.
setup-embedded: $(VENV)/.synced-embedded ## The light environment `make demo` needs (no Spark, no JupyterLab)
$(VENV)/.synced-embedded: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		python3 -m pip install --quiet "uv>=0.9"
	$(UV) sync --frozen --extra deep --no-dev --inexact --compile-bytecode --python 3.11
	@touch $@

# Debian's chromium, for the test that opens the analysis report headless. Installed only when
# missing; the lock timeout waits for another apt run instead of failing.
CHROMIUM := /usr/bin/chromium
browser: ## Install Debian's chromium (headless report test) when /usr/bin/chromium is missing
	@test -x $(CHROMIUM) || { echo "installing chromium (apt)"; \
		$(if $(filter 0,$(shell id -u)),,sudo) apt-get -o DPkg::Lock::Timeout=600 update -qq && \
		DEBIAN_FRONTEND=noninteractive $(if $(filter 0,$(shell id -u)),,sudo) \
		apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium >/dev/null; }

demo: setup-embedded ## Run the whole pipeline on a small generated data set (embedded DuckDB/SQLite path)
	$(BIN)/creditrisk demo

test: setup browser redis java ## Run the test suite (real dbt, DuckDB, Feast, MLflow, FastAPI on small data)
	$(BIN)/pytest

bench: setup redis java ## Run the benchmarks; writes $(CREDITRISK_DATA_DIR)/bench/results.{json,md} (BENCH="a b" to pick, SCALE=small)
	$(PY) -m benchmarks $(if $(BENCH),--only $(BENCH)) --scale $(or $(SCALE),full)

# Redis for the Feast online-store tests and benchmarks: Debian's redis-server, installed with apt
# when missing, one daemon on a fixed loopback port; its pid file, log and dump live in REDIS_DIR.
REDIS_PORT ?= 6399
REDIS_DIR ?= /tmp/creditrisk-redis-$(REDIS_PORT)
export CREDITRISK_TEST_REDIS_URL ?= 127.0.0.1:$(REDIS_PORT)

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# Java 17 for local Apache Spark (the `spark` extra's pyspark; docs/scale-out.md): Debian's
# headless JRE (21 where a release no longer has 17; Spark 4 runs on both), installed with apt
# only when no `java` is on PATH.
java: ## Install openjdk-17-jre-headless (apt) when java is missing, for the Spark tests and bench
	@command -v java >/dev/null 2>&1 || { echo "installing openjdk-17-jre-headless (apt)"; \
		$(SUDO) apt-get -o DPkg::Lock::Timeout=600 update -qq && \
		{ $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
			--no-install-recommends openjdk-17-jre-headless || \
		  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
			--no-install-recommends openjdk-21-jre-headless; } >/dev/null; }

test-spark: setup java redis ## The full Spark set: DuckDB-vs-Spark marts and training sets on both model lineages
	CREDITRISK_SPARK_FULL=1 $(BIN)/pytest -m spark tests/spark

redis: ## Install redis-server (apt) if missing and start it on 127.0.0.1:6399 (REDIS_PORT) for tests
	@command -v redis-server >/dev/null 2>&1 || { \
		echo "installing redis-server (apt)"; \
		$(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq redis-server >/dev/null; }
	@mkdir -p $(REDIS_DIR)
	@if redis-cli -h 127.0.0.1 -p $(REDIS_PORT) ping >/dev/null 2>&1; then \
		echo "redis already running on 127.0.0.1:$(REDIS_PORT)"; \
	else \
		redis-server --port $(REDIS_PORT) --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
			--dir $(REDIS_DIR) --pidfile $(REDIS_DIR)/redis.pid --logfile $(REDIS_DIR)/redis.log && \
		for i in $$(seq 50); do redis-cli -h 127.0.0.1 -p $(REDIS_PORT) ping >/dev/null 2>&1 && break; sleep 0.1; done; \
		redis-cli -h 127.0.0.1 -p $(REDIS_PORT) ping >/dev/null && echo "redis started on 127.0.0.1:$(REDIS_PORT)"; \
	fi

redis-stop: ## Stop the test Redis started by `make redis`
	@if [ -f $(REDIS_DIR)/redis.pid ]; then kill $$(cat $(REDIS_DIR)/redis.pid) && rm -f $(REDIS_DIR)/redis.pid; fi

# JupyterLab on notebooks/ against the demo's data dir (or CREDITRISK_DATA_DIR when set); run
# `make demo` first. No news feed, update check or extension search on PyPI (offline, no phoning
# home); --allow-root only when run as root (CI-like machines). NOTEBOOK_ARGS passes more
# options, e.g. NOTEBOOK_ARGS="--no-browser --port 18888".
notebook: setup ## Open JupyterLab on notebooks/ (after make demo; NOTEBOOK_ARGS="--no-browser ...")
	CREDITRISK_DATA_DIR="$${CREDITRISK_DATA_DIR:-$(CURDIR)/data}" $(BIN)/jupyter lab --notebook-dir=notebooks \
		--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
		--LabApp.extension_manager=readonly $(if $(filter 0,$(shell id -u)),--allow-root) $(NOTEBOOK_ARGS)

lint: setup ## ruff check and format check; the layer rule (import-linter contracts in .importlinter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean: ## Remove generated data, caches and the virtualenv
	rm -rf data target dbt_packages logs .pytest_cache .ruff_cache $(VENV)
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
