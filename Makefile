# The two commands a new user needs: `make run` and `make test`.
# Everything else here is what they call.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails and texts point at the address the site is served on (oxtom/core/links.py):
# the demo seeding, web, worker and scheduler all read it. A wildcard bind is reached as 127.0.0.1.
SITE_URL ?= http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
export SITE_URL
# Two cores here; CI machines are the same size.
PYTEST_WORKERS ?= 2

.PHONY: run test setup deps static migrate demo check lint lint-imports bench clean

run: setup demo ## set up and start web, worker and scheduler on the embedded default
	@HOST=$(HOST) PORT=$(PORT) scripts/run-embedded.sh

test: deps static ## set up and run the whole suite (tests make their own databases)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

setup: deps static migrate

deps: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Our stylesheet compiles GOV.UK Frontend's Sass (npm's postinstall builds it too).
static/vendor/oxtom.css: static/scss/oxtom.scss node_modules/.installed
	npm run --silent build:css

static: deps static/vendor/oxtom.css
	@$(PY) manage.py collectstatic --noinput -v0

migrate: deps
	@mkdir -p var
	@$(PY) manage.py migrate --noinput -v0

demo: migrate
	@$(PY) manage.py seed_demo

check: deps
	$(PY) manage.py check

# The layout rule as import-linter contracts ([tool.importlinter] in pyproject.toml).
lint-imports: deps
	$(VENV)/bin/lint-imports

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf var staticfiles
