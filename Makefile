# The two commands that matter: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run pyc lint test test-fast bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[serve,test,bench,postgres]'
	@touch $(STAMP)

# compileall writes the package's .pyc files: where PYTHONDONTWRITEBYTECODE is set, Python never
# writes them, and every `oddsmon --check` would compile the sources again (3x its start). Run on
# each make, so a pull's changed modules are compiled too (the unchanged ones cost a stat).
pyc: $(STAMP)
	@$(BIN)/python -m compileall -q oddsmon

run: pyc
	$(BIN)/oddsmon $(ARGS)

# Types, lint and the import layers of pyproject.toml ([tool.mypy], [tool.ruff], [tool.importlinter]).
lint: pyc
	$(BIN)/mypy
	$(BIN)/ruff check oddsmon tests
	$(BIN)/lint-imports

# Types, lint and layers first (seconds), then the whole suite; -n auto: one worker per core
# (the tests share no port, file or clock between them).
test: lint
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# The inner loop: unit and TUI tests only (no loopback servers, subprocess sweeps or tmpfs), and
# nothing marked slow (the soak, kill -9 and key-leak sweeps).
test-fast: lint
	$(BIN)/python -m pytest -n auto -m "not slow" tests/unit tests/tui $(PYTEST_ARGS)

bench: pyc
	$(BIN)/python -m tests.perf

clean:
	rm -rf $(VENV) build *.egg-info
