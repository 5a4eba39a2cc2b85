# Empathy Coach: every set-up step lives here so `make run` / `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
MODEL := models/coach.tar.gz
RASA_DATA := $(wildcard data/*.yml) domain.yml config.yml

export RASA_TELEMETRY_ENABLED := false
export COACH_DATABASE_URL ?= sqlite:///$(CURDIR)/coach.db
export COACH_RASA_PORT ?= 5005
export COACH_ACTIONS_PORT ?= 5055
# What endpoints.yml reads (coach serve / coach cluster set their own; these serve `rasa test`).
export COACH_ACTIONS_URL ?= http://127.0.0.1:$(COACH_ACTIONS_PORT)/webhook
export COACH_LOCK_STORE ?= in_memory
export COACH_REDIS_HOST ?= 127.0.0.1
export COACH_REDIS_PORT ?= 6379
export COACH_REDIS_DB ?= 1
export COACH_LOCK_PREFIX ?= coach

.PHONY: help setup browser cluster-deps train run run-cluster shell test test-fast lint format validate \
	bench-scorer bench-nlu bench-review bench-turns load faults clean

help:
	@echo "make run        set up, train if needed, start the bot (REST on 127.0.0.1:$(COACH_RASA_PORT))"
	@echo "make shell      set up, train if needed, play in the terminal (rasa shell)"
	@echo "make test       set up, then the whole test suite"
	@echo "make run-cluster  PostgreSQL + Redis + 2 Rasa + 2 action servers + 2 web apps behind nginx"
	@echo "make bench-scorer / bench-nlu / bench-review / bench-turns   figures written to results/"
	@echo "make load       100 trainees for 5 minutes against the cluster, then every turn checked"
	@echo "make faults     the full fault runs (make test runs short versions)"

# The venv is rebuilt from scratch when the lock changes, so it never drifts from it.
# --no-deps/--ignore-requires-python: Rasa 3.6 declares Python <3.11; the lock is complete.
$(STAMP): requirements.lock pyproject.toml
	@if [ -f $(STAMP) ] && [ requirements.lock -nt $(STAMP) ]; then rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-deps --ignore-requires-python -r requirements.lock 2>&1 | grep -v 'is ignored: it is neither' || true
	@$(BIN)/python -c "import rasa, rasa_sdk, spacy, sqlalchemy, alembic, pytest" || { echo "venv install failed"; exit 1; }
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e . 2>&1 | grep -v 'is ignored: it is neither' || true
	@$(BIN)/python -c "import coach" || { echo "project install failed"; exit 1; }
	@touch $(STAMP)

setup: $(STAMP)

# Browser tests drive Debian's Chromium (Playwright's own browser download cannot work
# here). Installed when missing and we are root; otherwise those tests skip with the reason.
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian chromium + chromium-driver for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium chromium-driver >/dev/null \
		|| echo "could not install chromium: browser tests will be skipped"; \
	else \
		echo "chromium missing (apt-get install chromium chromium-driver as root): browser tests will be skipped"; \
	fi

# Cluster mode's load balancer is Debian's nginx, installed when missing and we are root
# (RUNLEVEL=1: the package must not start a system nginx on port 80).
cluster-deps:
	@if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian nginx-light for cluster mode"; \
		(apt-get update -qq && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq nginx-light >/dev/null) \
		|| echo "could not install nginx: cluster tests will be skipped"; \
	else \
		echo "nginx missing (apt-get install nginx-light as root): cluster tests will be skipped"; \
	fi

# Rasa also fingerprints its inputs; make only decides whether to ask it at all.
$(MODEL): $(STAMP) $(RASA_DATA)
	@mkdir -p models
	$(BIN)/rasa train --fixed-model-name coach --out models --quiet
	@touch $(MODEL)

train: $(MODEL)

run: $(MODEL)
	$(BIN)/coach serve

run-cluster: $(MODEL) cluster-deps
	$(BIN)/coach cluster

shell: $(MODEL)
	$(BIN)/coach serve --shell

validate: $(STAMP)
	$(BIN)/rasa data validate --fail-on-warnings
	$(BIN)/coach scenarios validate

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(MODEL) browser cluster-deps
	$(BIN)/ruff check .
	$(BIN)/rasa data validate --fail-on-warnings
	$(BIN)/coach scenarios validate
	$(BIN)/rasa test core --stories tests/test_stories.yml --model $(MODEL) \
		--fail-on-prediction-errors --out results/test-stories
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not e2e"

bench-scorer: $(STAMP)
	@mkdir -p results
	$(BIN)/python benchmarks/bench_scorer.py --out results/bench-scorer.json
	@for f in tests/data/replies_holdout*.jsonl; do \
		n=$$(basename $$f .jsonl | sed 's/^replies_//'); \
		$(BIN)/python benchmarks/bench_scorer.py --file $$f --skip-speed \
			--out results/bench-scorer-$$n.json || exit 1; \
	done
	@if [ -n "$(FILE)" ]; then \
		$(BIN)/python benchmarks/bench_scorer.py --file "$(FILE)" --skip-speed \
			--out results/bench-scorer-file.json; fi

# Builds a 10,000-session database with coach demo-data (about 1.5 min), then times pages.
bench-review: $(STAMP)
	@mkdir -p results
	$(BIN)/python benchmarks/bench_review.py --out results/bench-review.json

bench-nlu: $(STAMP)
	@mkdir -p results
	$(BIN)/python benchmarks/bench_nlu.py --out results/bench-nlu.json

# N simulated trainees (1, 10, 50) against the embedded and the cluster set-up, next to a
# bare Rasa turn (same NLU, a template response instead of the custom action).
bench-turns: $(MODEL) cluster-deps
	@mkdir -p results
	$(BIN)/python benchmarks/bench_turns.py --out results/bench-turns.json

# The load tool (locust) lives in its own venv: its pins (gevent, Flask 3, ...) are not
# Rasa's, and it never runs inside the bot's processes.
LOAD_VENV := .venv-load
$(LOAD_VENV)/.installed: requirements-load.lock
	rm -rf $(LOAD_VENV)
	$(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/python -m pip install --quiet --no-deps -r requirements-load.lock
	@$(LOAD_VENV)/bin/locust --version >/dev/null || { echo "locust install failed"; exit 1; }
	@touch $@

load: $(MODEL) cluster-deps $(LOAD_VENV)/.installed
	@mkdir -p results
	$(BIN)/python benchmarks/load/run_load.py --locust $(LOAD_VENV)/bin/locust \
		--users 100 --minutes 5 --out results/load.json

faults: $(MODEL) cluster-deps
	COACH_FAULTS_FULL=1 $(BIN)/python -m pytest -q tests/test_faults.py

clean:
	rm -rf models results .pytest_cache
