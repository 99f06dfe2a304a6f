# Stop Cambriolages backend. `make run` serves it locally, `make test` proves it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

INFRA_VENV := .venv-infra
INFRA_STAMP := $(INFRA_VENV)/.installed-$(shell cat requirements-infra.txt | cksum | cut -d' ' -f1)

.PHONY: install infra-tools run test check lint format bench rules-report data package deploy-rehearsal clean chromium openapi

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3" setuptools wheel
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

# The SAM translator, checkov and the AWS CLI pin libraries older than the app's: own virtualenv.
$(INFRA_STAMP): requirements-infra.txt
	test -x $(INFRA_VENV)/bin/python || $(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/python -m pip install --quiet --upgrade "pip<26.3"
	$(INFRA_VENV)/bin/python -m pip install --quiet -r requirements-infra.txt
	rm -f $(INFRA_VENV)/.installed-*
	touch $@

infra-tools: $(INFRA_STAMP)

run: install
	$(BIN)/python -m tools.run_local

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The browser tests drive Debian's Chromium (Playwright's own browser download cannot work here).
chromium:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

test: lint chromium infra-tools
	$(BIN)/python -m pytest

check: test

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The published contract: prints what changed since docs/openapi.json, checks info.version got the
# bump it needs and docs/CHANGELOG-api.md an entry, then rewrites the snapshot.
openapi: install
	$(BIN)/python -m tools.openapi_diff --write

bench: install
	$(BIN)/python -m tools.bench

# Precision and recall of each content rule on tests/fixtures/alert_corpus.jsonl, adversarial timings.
rules-report: install
	$(BIN)/python -m tools.bench rules

# `make data`: check the search data of DATA_DIR (or DATA_SOURCE) and build it into DATA_OUT with its
# index and manifest. With official files (ZONES=, COMPETENCE=, ANNUAIRE=) it validates them and
# reports what they change, writing nothing until APPLY=1 (docs/data.md).
DATA_OUT ?= build/data
data: install
	$(BIN)/python -m tools.data --out $(DATA_OUT) $(if $(DATA_SOURCE),--source $(DATA_SOURCE)) \
		$(if $(ZONES),--zones $(ZONES)) $(if $(COMPETENCE),--competence $(COMPETENCE)) \
		$(if $(ANNUAIRE),--annuaire $(ANNUAIRE)) $(if $(REPORT),--report $(REPORT)) $(if $(APPLY),--apply)

# `make package STAGE=prod`: build/<stage>/sam.yaml + deployment.zip (needs the package registry, no
# AWS account), then unpack and import it as Lambda would. `make test` lints the same template offline.
STAGE ?= dev
package: install
	$(BIN)/python -m tools.package --stage $(STAGE)
	$(BIN)/python -m tools.check_package build/$(STAGE)

# Package, translate, upload and create the whole stack on an embedded AWS (moto), then import every
# handler from the zip with the stack's environment. `make test` runs it too (tests/test_deploy_rehearsal.py).
deploy-rehearsal: install infra-tools
	$(BIN)/python -m tools.deploy_rehearsal --stage $(STAGE)

clean:
	rm -rf $(VENV) $(INFRA_VENV) .local build artifacts chalicelib/data .pytest_cache .mypy_cache .ruff_cache
