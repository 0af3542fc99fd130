# The two commands: `make run` serves the portal with the demo data, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell md5sum pyproject.toml | cut -c1-12)

.PHONY: run test install vendor browser check lint clean

run: install vendor
	$(PY) -m taskforce.devserver

test: install vendor browser
	DJANGO_SETTINGS_MODULE=taskforce.settings.test $(PY) manage.py check_database
	DJANGO_SETTINGS_MODULE=taskforce.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

vendor:
	@./scripts/vendor-gcds.sh

browser:
	@./scripts/ensure-chromium.sh

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) static/vendor var/staticfiles
