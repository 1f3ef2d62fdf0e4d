# Two commands for a newcomer: `make run` (demo on SQLite) and `make test` (everything).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_USER ?= demo
DEMO_PASSWORD ?= caser-lantern-harbour

TRANSLATIONS := assistant/web/translations
MO := $(patsubst %.po,%.mo,$(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po))

.PHONY: test-fast install translations babel-extract axe system-deps run test lint check-knowledge bench train clean

install: $(STAMP) translations

# gettext catalogs: the .po files are the source (in git); the .mo files are compiled here.
translations: $(MO)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(STAMP)
	@$(BIN)/pybabel -q compile -l $* -i $< -o $@

# After changing user-facing text: refresh the catalogs, then translate the new entries
# (tests/test_i18n.py fails while one is missing). A new language: pybabel init -l ca -i ... -d ...
babel-extract: $(STAMP)
	@$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --project=dpo-assistant -o $(TRANSLATIONS)/messages.pot .
	@$(BIN)/pybabel -q update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete

# axe-core from the npm registry, for the accessibility checks in tests/test_browser.py.
AXE := node_modules/axe-core/axe.min.js
axe: $(AXE)

$(AXE): package.json
	@command -v npm >/dev/null || { echo "==> installing npm"; bash scripts/install-system-deps.sh; }
	@npm install --no-audit --no-fund --silent
	@touch $@

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { echo "==> installing python3-venv"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> installing Python packages into $(VENV)"
	@$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	@$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $@

system-deps:
	@bash scripts/install-system-deps.sh

run: install
	@mkdir -p instance
	@$(BIN)/python -m assistant db upgrade
	@$(BIN)/python -m mail_ingest import demo/mailbox
	@$(BIN)/python -m mail_ingest import demo/learning
	@$(BIN)/python -m assistant gold demo
	@$(BIN)/python -m assistant users add $(DEMO_USER) --role admin --password $(DEMO_PASSWORD) --exist-ok
	@echo ""
	@echo "  DPO Assistant demo:  http://$(HOST):$(PORT)/    login: $(DEMO_USER) / $(DEMO_PASSWORD)"
	@echo "  Chat widget demo:    http://$(HOST):$(PORT)/widget/demo"
	@echo ""
	@$(BIN)/gunicorn -c python:assistant.web.serving --bind $(HOST):$(PORT) "assistant.web:create_app()"

lint: install
	@$(BIN)/ruff check .
	@$(BIN)/lint-imports

check-knowledge: install
	@$(BIN)/python -m knowledge check

test: install system-deps axe lint check-knowledge
	@$(BIN)/pytest

# The fast tier: no root, no servers, under a minute (tests marked slow need PostgreSQL, Dovecot, Chromium or
# gunicorn, or run the CLI in a subprocess, train a model or fuzz the API; `make test` runs everything).
test-fast: install lint check-knowledge
	@$(BIN)/pytest -m "not slow" -q

bench: install system-deps
	@for script in bench/*.py; do echo "==> $$script"; $(BIN)/python $$script || exit 1; done

train: install
	@$(BIN)/python -m assistant train

clean:
	rm -rf $(VENV) instance test-output .pytest_cache .ruff_cache node_modules $(MO)
