# Quick start:  make run   (install + start on SQLite with demo data)
#               make test  (install test dependencies + lint + every test, SQLite then PostgreSQL)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: run install test test-deps system-deps lint test-sqlite test-postgres bench clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

run: install
	$(BIN)/dongne serve --host $(HOST) --port $(PORT)

# Browser tests drive Debian's Chromium (never a downloaded browser) and need
# Korean fonts for readable screenshots.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then \
	  echo "installing chromium and fonts-noto-cjk (Debian packages)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

test-deps: $(VENV)/.test-installed system-deps

lint: test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict dongne

test-sqlite: test-deps
	$(BIN)/pytest $(PYTEST_ARGS)

test-postgres: test-deps
	DONGNE_TEST_DATABASE_URL=$(TEST_PG_URL) DONGNE_TEST_ONLY_DB=1 $(BIN)/pytest $(PYTEST_ARGS)

test: lint test-sqlite test-postgres

bench: install
	$(BIN)/python bench/geo.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache

# Refresh the English catalog after adding or changing Korean strings.
messages: test-deps
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ -k gettext -k ngettext:1,2 --no-location --sort-output \
	  --omit-header -o dongne/locale/messages.pot .
	@if [ -f dongne/locale/en/LC_MESSAGES/messages.po ]; then \
	  $(BIN)/pybabel update -i dongne/locale/messages.pot -d dongne/locale -l en --no-fuzzy-matching; \
	else \
	  $(BIN)/pybabel init -i dongne/locale/messages.pot -d dongne/locale -l en; fi
