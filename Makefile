# QMS Portal — `make run` serves the portal with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Development defaults; any of them can be overridden from the environment.
export DEBUG ?= true
export DJANGO_SETTINGS_MODULE ?= qms_portal.settings

.PHONY: run test setup deps assets messages messages-update migrate lint format worker clean help bench

help:
	@echo "make run    - set up and serve the portal at http://$(HOST):$(PORT) with demo data and a Celery worker"
	@echo "make test   - set up and run the whole test suite"
	@echo "make lint   - ruff check and format check"

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

deps: $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Third-party front-end files are copied from node_modules, never committed.
static/vendor/.copied: node_modules/.package-lock.json
	rm -rf static/vendor
	mkdir -p static/vendor/bootstrap static/vendor/bootstrap-icons/fonts static/vendor/htmx static/vendor/chartjs static/vendor/tinos
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map \
	   node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map \
	   static/vendor/bootstrap/
	cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css static/vendor/bootstrap-icons/
	cp node_modules/bootstrap-icons/font/fonts/* static/vendor/bootstrap-icons/fonts/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map static/vendor/chartjs/
	cp node_modules/@fontsource/tinos/files/tinos-{vietnamese,latin,latin-ext}-{400,700}-{normal,italic}.woff* static/vendor/tinos/
	touch $@

assets: static/vendor/.copied

messages: deps
	$(PY) manage.py compilemessages --locale vi --ignore=.venv --ignore=node_modules >/dev/null

setup: deps assets messages
	mkdir -p var/celery/queue var/celery/processed var/celery/control var/media

migrate: setup
	$(PY) manage.py migrate --noinput -v 0

run: migrate
	@$(PY) manage.py seed_demo --if-empty
	@echo "QMS Portal: http://$(HOST):$(PORT)/  (logins: admin, bcd, lanhdao, thuky, canbo — password demo1234)"
	@echo "Ctrl-C stops the web server and the Celery worker."
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) -m celery -A qms_portal worker --beat --concurrency=1 --loglevel=INFO & \
	  $(PY) manage.py runserver $(HOST):$(PORT)

worker: setup
	$(PY) -m celery -A qms_portal worker --beat --concurrency=1 --loglevel=INFO

test: setup
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# Benchmarks against PostgreSQL and Redis on 127.0.0.1 (see bench/README.md); writes bench/RESULTS.md.
bench: setup
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/qms_bench} $(PY) bench/run.py $(BENCH_ARGS)

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: deps
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf var static/vendor node_modules

# Refresh locale/vi after marking new strings; then translate the empty msgstr entries.
messages-update: deps
	$(PY) manage.py makemessages -l vi --no-location --no-obsolete --ignore=.venv --ignore=node_modules \
	  --ignore=var --ignore=static --ignore=tests --ignore=bench
