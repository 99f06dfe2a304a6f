# Stop Cambriolages backend. `make run` serves it locally, `make test` proves it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: install run test check lint format bench rules-report package clean chromium

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3" setuptools wheel
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
	$(BIN)/python -m tools.run_local

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The browser tests drive Debian's Chromium (Playwright's own browser download cannot work here).
chromium:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

test: lint chromium
	$(BIN)/python -m pytest

check: test

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m tools.bench

# Precision and recall of each content rule on tests/fixtures/alert_corpus.jsonl, adversarial timings.
rules-report: install
	$(BIN)/python -m tools.bench rules

# `make package STAGE=prod`: build/<stage>/sam.yaml + deployment.zip (needs the package registry, no
# AWS account), then unpack and import it as Lambda would. `make test` lints the same template offline.
STAGE ?= dev
package: install
	$(BIN)/python -m tools.package --stage $(STAGE)
	$(BIN)/python -m tools.check_package build/$(STAGE)

clean:
	rm -rf $(VENV) .local build artifacts chalicelib/data .pytest_cache .mypy_cache .ruff_cache
