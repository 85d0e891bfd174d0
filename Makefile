# Quick start:  make run   (install + start on SQLite with demo data)
#               make test  (install test dependencies + lint + every test, SQLite then PostgreSQL)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: run install lock test test-deps system-deps lint test-sqlite test-postgres bench clean messages

# pip installs one pinned, hash-checked tool (uv); uv installs every other
# package from uv.lock, exactly as locked (`--locked` also fails if pyproject.toml
# changed without `make lock`). See README, "Upgrading dependencies".
UV := UV_PROJECT_ENVIRONMENT=$(VENV) UV_PYTHON_DOWNLOADS=never $(BIN)/uv

# The venv gets no pip of its own (ensurepip costs more than everything uv
# installs); the system's pip (>= 22.3, for --python) puts uv into it.
$(BIN)/uv: requirements/bootstrap.txt
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(BIN)/python install -q --require-hashes -r requirements/bootstrap.txt
	@touch $@

$(VENV)/.installed: pyproject.toml uv.lock | $(BIN)/uv
	$(UV) sync -q --locked --inexact
	@touch $@

$(VENV)/.test-installed: pyproject.toml uv.lock | $(BIN)/uv
	$(UV) sync -q --locked --inexact --extra test
	@touch $@ $(VENV)/.installed

# Refresh every pin to the newest release the ranges in pyproject.toml allow,
# uv itself included; then run `make test` and commit pyproject.toml, uv.lock
# and requirements/bootstrap.txt together.
lock: | $(BIN)/uv
	$(UV) lock --upgrade
	@echo "# The one tool installed by pip: uv, which installs everything else from uv.lock." > requirements/bootstrap.txt
	@echo "# Refreshed by \`make lock\`." >> requirements/bootstrap.txt
	echo uv | $(BIN)/uv pip compile -q --generate-hashes --no-header - >> requirements/bootstrap.txt

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
	$(BIN)/lint-imports

test-sqlite: test-deps
	$(BIN)/pytest $(PYTEST_ARGS)

test-postgres: test-deps
	DONGNE_TEST_DATABASE_URL=$(TEST_PG_URL) DONGNE_TEST_ONLY_DB=1 $(BIN)/pytest $(PYTEST_ARGS)

# Lint first (a lint failure needs no test run). The two test passes wait on
# servers, sockets, PostgreSQL and the browser more than they compute (one pass
# keeps about one of two cores busy), so they run side by side; each pass's
# output is printed whole when it ends.
test: lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

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
