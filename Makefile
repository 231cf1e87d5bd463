# The two commands in the README: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
PORT ?= 5000

.PHONY: messages run test install install-test assets translations debian-test-packages lint

$(VENV)/bin/activate:
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(VENV)/bin/activate
	$(PY) -m pip install --quiet -e .
	$(MAKE) --no-print-directory assets translations

install-test: $(VENV)/bin/activate
	$(PY) -m pip install --quiet -e ".[test,bench]"
	$(MAKE) --no-print-directory assets translations

assets:
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build

translations:
	$(VENV)/bin/pybabel -q compile -d translations

# Chromium drives the browser tests; the PostgreSQL server binaries back the second database.
debian-test-packages:
	@if ! command -v chromium >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql >/dev/null; \
	  else \
	    echo "Install the Debian packages chromium and postgresql (sudo apt-get install chromium postgresql)"; exit 1; \
	  fi; \
	fi

run: install
	INSECURE_HTTP=1 $(FLASK) demo
	INSECURE_HTTP=1 $(FLASK) run --port $(PORT)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: debian-test-packages install-test lint
	$(PY) -m pytest

# After changing user-facing text: refresh the catalogue template and every language's catalogue.
messages:
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --ignore-dirs ".* ._ node_modules tests benchmarks migrations instance static build" \
	  -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
