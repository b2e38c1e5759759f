# The front door. `make help` lists the verbs; `make backfill YEAR=2018` and `make test` set
# everything up themselves (a .venv from the locked dependencies in uv.lock).
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
STANDIN := .tools/standin
RUN := $(VENV)/bin/python -m flows.operator.cli

# Prefect runs without a server (ephemeral API) unless PREFECT_API_URL is set.
export PREFECT_HOME ?= $(CURDIR)/.data/prefect
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 90
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export UV_LINK_MODE ?= copy

YEAR ?=
EVENTS ?=
SESSIONS ?=
FORCE ?=
AS_OF ?=
SKIP_SCHEDULE ?=
SKIP_RESULTS ?=
ARGS ?=
POOL ?= f1
KEEP ?=
yes = $(filter 1 true yes,$(1))

.PHONY: help install standin backfill sync server deploy worker test bench prune browser docs docs-build dbt lint format db-url psql db-stop clean

help: ## Show the available commands
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: $(VENV)/.installed ## Create .venv from the locked dependencies (idempotent)

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

standin: $(STANDIN)/.installed ## Install the tests' stand-in for F1's hosts (mitmproxy, own lock)

# mitmproxy lives in an environment of its own (tests/standin/uv.lock): its pins must not
# reach the project's dependencies.
$(STANDIN)/.installed: tests/standin/pyproject.toml tests/standin/uv.lock | $(UV)
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(STANDIN) $(UV) sync --frozen --project tests/standin \
		--python $(PYTHON)
	@touch $@

backfill: install ## Load a season: make backfill YEAR=2018 [EVENTS=Monaco,Italian] [SESSIONS=Q,R] [FORCE=1]
	@$(RUN) backfill --year "$(YEAR)" \
		$(if $(EVENTS),--events "$(EVENTS)") \
		$(if $(SESSIONS),--sessions "$(SESSIONS)") \
		$(if $(call yes,$(FORCE)),--force)

sync: install ## Refresh schedule, poll results, statuses: make sync [YEAR=..] [AS_OF=..] [SKIP_SCHEDULE=1] [SKIP_RESULTS=1]
	@$(RUN) sync $(if $(YEAR),--year "$(YEAR)") $(if $(AS_OF),--as-of "$(AS_OF)") \
		$(if $(call yes,$(SKIP_SCHEDULE)),--skip-schedule) \
		$(if $(call yes,$(SKIP_RESULTS)),--skip-results)

server: install ## Start a local Prefect server (UI and API on http://127.0.0.1:4200)
	$(VENV)/bin/prefect server start --host 127.0.0.1 --port 4200

deploy: install ## Register the deployments of prefect.yaml, the alert (ALERT_WEBHOOK_URL); print the next runs
	$(VENV)/bin/prefect work-pool create "$(POOL)" --type process --overwrite >/dev/null
	$(VENV)/bin/prefect --no-prompt deploy --all
	@$(VENV)/bin/python -m flows.operator.deploy

worker: install ## Start a worker that runs the deployments' flow runs
	$(VENV)/bin/prefect worker start --pool "$(POOL)"

test: install standin browser ## Run the whole test suite (starts its own PostgreSQL and Prefect)
	$(VENV)/bin/python -m pytest

browser: ## Install Chromium for the docs browser test (Debian package; needs root)
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
		>/dev/null; } || echo "install Chromium (apt-get install chromium) for the docs browser test"

bench: install ## Time loading and dbt on a synthetic season, write bench/RESULTS.md: make bench [SCALE=30]
	$(VENV)/bin/python -m bench $(if $(SCALE),--scale "$(SCALE)") \
		--command "make bench$(if $(SCALE), SCALE=$(SCALE))"

prune: install ## Drop superseded telemetry loads, keeping the latest KEEP per session: make prune [KEEP=2]
	@$(RUN) prune $(if $(KEEP),--keep "$(KEEP)")

docs: install ## Build the dbt docs site and serve it on http://127.0.0.1:8080
	@$(RUN) docs --serve

docs-build: install ## Build the dbt docs site, also as one file: dbt_project/target/static_index.html
	@$(RUN) docs

dbt: install ## Any dbt command on the active database: make dbt ARGS="debug" (or "test", "build --select laps")
	@$(VENV)/bin/python -m flows.transform $(ARGS)

# sqlfluff's dbt templater reads a database's catalog: tests/lint_sql.py starts a throwaway one.
lint: install ## ruff (check + format check) on flows, tests, bench; sqlfluff lint on dbt_project
	$(VENV)/bin/ruff check flows tests bench
	$(VENV)/bin/ruff format --check flows tests bench
	$(VENV)/bin/python -m tests.lint_sql lint

format: install ## Format the code: ruff on flows, tests, bench; sqlfluff fix on dbt_project
	$(VENV)/bin/ruff format flows tests bench
	$(VENV)/bin/ruff check --fix flows tests bench
	$(VENV)/bin/python -m tests.lint_sql fix

db-url: install ## Print the active database URL, password hidden: make db-url [SHOW_PASSWORD=1]
	@$(RUN) db-url $(if $(call yes,$(SHOW_PASSWORD)),--show-password)

psql: install ## Open psql on the active database
	@$(RUN) psql

db-stop: install ## Stop the embedded PostgreSQL (its data stays in .data/postgres)
	@$(RUN) db-stop

clean: ## Remove .venv and .tools (keeps .data: the database and FastF1 cache)
	rm -rf $(VENV) .tools
