# Intake Gateway: `make run` (set-up + the gateway on SQLite) and `make test` (set-up + the suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test install system-deps lint test-sqlite test-postgres bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/gateway run

# What the tests need from Debian: a real IMAP server and a browser for Playwright.
system-deps:
	@command -v dovecot >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1 || { \
	  apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd chromium >/dev/null; }

lint: install
	$(BIN)/ruff check .

test-sqlite: install system-deps
	$(BIN)/pytest -q

test-postgres: install system-deps
	$(BIN)/python tests/with_postgres.py $(BIN)/pytest -q

test: lint test-sqlite test-postgres

# Each prints a table (see README "Performance"); PostgreSQL rows need 127.0.0.1:5432.
bench: install system-deps
	for b in ingest threading smtp dashboard scale classify; do \
	  $(BIN)/python bench/$${b}_bench.py || exit 1; done

clean:
	rm -rf $(VENV) instance .pytest_cache
