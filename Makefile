# Codegen Studio — `make run` starts the service, `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test test-fast lint install dev clean bench

run: install ## Set up and start everything on embedded defaults (http://127.0.0.1:5000)
	$(BIN)/codegen up

test: dev ## Set up test dependencies, lint, check the import contract, then run every test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: dev ## Lint, the import contract and the unit tests (under a minute)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -q tests/unit $(PYTEST_ARGS)

lint: dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
