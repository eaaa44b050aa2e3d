# `make run` and `make test` work on a fresh clone: they create .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Front-end libraries come from npm (pinned in package-lock.json) and are copied
# into the package, so the server itself never fetches anything.
VENDOR := src/tidings/web/static/vendor
ASSETS := $(VENDOR)/htmx.min.js $(VENDOR)/swagger-ui/swagger-ui-bundle.js

.PHONY: install run test lint bench docs screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	mkdir -p $(VENDOR)/swagger-ui
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
		node_modules/swagger-ui-dist/LICENSE $(VENDOR)/swagger-ui/

install: $(STAMP) $(ASSETS)

# One process (serve's default is one per core): the demo starts fastest, its log in order.
run: $(STAMP) $(ASSETS)
	$(BIN)/tidings serve --demo --workers 1

test: $(STAMP) $(ASSETS)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

docs: $(STAMP)
	$(BIN)/python scripts/generate_docs.py

screenshots: $(STAMP) $(ASSETS)
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) tidings-data .pytest_cache .ruff_cache .mypy_cache
