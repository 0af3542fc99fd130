# The two commands: `make run` serves the portal with the demo data, `make test` runs the whole suite.
# `make bench` measures the portal at scale (bench/README.md); `make test` runs its harness on tiny data.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell md5sum pyproject.toml | cut -c1-12)

.PHONY: run test install vendor browser messages pdf makemessages check lint clean compose-check backup restore check-deployment lock bench bench-smoke

run: install vendor messages pdf
	$(PY) -m ops.devserver

test: install vendor messages pdf browser compose-check
	DJANGO_SETTINGS_MODULE=taskforce.settings.test $(PY) manage.py check_database
	DJANGO_SETTINGS_MODULE=taskforce.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports  # the layers (pyproject.toml, [tool.importlinter]): no package imports one above it
	$(VENV)/bin/pytest -n $${PYTEST_WORKERS:-2} --dist worksteal $(PYTEST_ARGS)
	@if [ -n "$$DATABASE_URL" ]; then $(MAKE) bench-smoke; \
	else echo "bench-smoke skipped: it needs DATABASE_URL, a PostgreSQL server it may create a database on."; fi

# The benchmark, at full scale, into bench/results/ (about 10 minutes on 2 cores; BENCH_ARGS=--help for options).
bench: install messages
	@./scripts/ensure-wrk.sh
	$(PY) -m bench.run --scale full $(BENCH_ARGS)

# The benchmark's harness end to end on tiny data (timings meaningless): it keeps working, and writes a table.
bench-smoke: install messages
	@./scripts/ensure-wrk.sh
	$(PY) -m bench.run --scale tiny --smoke --database tf_bench_smoke

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
	@./scripts/vendor-axe.sh
	@./scripts/vendor-vnu.sh

messages: install
	@./scripts/compile-messages.sh $(PY)

pdf:
	@./scripts/ensure-pdf-libraries.sh
	@./scripts/ensure-libreoffice.sh

# After changing interface text: refresh locale/fr/LC_MESSAGES/django.po, then translate what is new.
makemessages: install
	$(PY) manage.py makemessages -l fr --no-obsolete --ignore=.venv --ignore=var --ignore=static --ignore=tests

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

lint: install
	$(VENV)/bin/ruff check .

# docker-compose.yml, validated without a Docker engine: Debian's docker-compose (v1) and the Compose
# specification's JSON schema.
compose-check: install
	@command -v docker-compose >/dev/null || { echo "docker-compose is missing: apt-get install docker-compose"; exit 1; }
	docker-compose --env-file .env.example config -q
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

# A copy of the database and the uploaded files in var/backups/<time>/ (BACKUP_DIR); `make restore BACKUP=<that folder>`
# puts both back. Uses DATABASE_URL, or the embedded server of `make run`.
backup: install
	$(PY) manage.py backup

restore: install
	@test -n "$(BACKUP)" || { echo "Name the backup: make restore BACKUP=var/backups/<time>"; exit 1; }
	$(PY) manage.py restore "$(BACKUP)" --yes

# What is wrong with this deployment, in plain words (settings, database, migrations, broker, email, audit trail).
check-deployment: install
	$(PY) manage.py check_deployment

# After changing the dependencies in pyproject.toml: pin every run-time package for the Docker image.
lock: install
	$(PY) scripts/lock-requirements.py

clean:
	rm -rf $(VENV) static/vendor var/staticfiles
