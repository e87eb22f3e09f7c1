# The two commands that matter: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run pyc lint test test-fast bench clean

# A line before each step: pip is quiet, and the first install takes a minute or more.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "make: $(PYTHON) is older than 3.11; run: make PYTHON=python3.11 $(MAKECMDGOALS)"; exit 1; }
	@test -x $(BIN)/python || echo "make: creating $(VENV) with $(PYTHON)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "make: updating pip in $(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "make: installing oddsmon and its dependencies into $(VENV) (a minute or two the first time)"
	$(BIN)/python -m pip install --quiet -e '.[serve,test,bench,postgres]'
	@touch $(STAMP)
	@echo "make: $(VENV) is ready"

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
	$(BIN)/ruff check oddsmon tests scripts
	$(BIN)/lint-imports

# Types, lint and layers first (seconds), then the whole suite on three workers (the tests share
# no port, file or clock between them). Many tests wait on subprocesses and loopback servers, so a
# third worker keeps both cores busy: on 2 cores the suite took 535 s with -n 3, 662 s with -n 2.
# worksteal: a worker left with nothing takes tests queued on a busy one, instead of idling
# while another works through its half-minute tests (same suite, quiet: 659 s -> 575 s).
test: lint
	$(BIN)/python -m pytest -n 3 --dist worksteal $(PYTEST_ARGS)

# The inner loop: unit and TUI tests only (no loopback servers, subprocess sweeps or tmpfs), and
# nothing marked slow (the soak, kill -9 and key-leak sweeps, the TUI's long session).
test-fast: lint
	$(BIN)/python -m pytest -n auto -m "not slow" tests/unit tests/tui $(PYTEST_ARGS)

bench: pyc
	$(BIN)/python -m tests.perf

clean:
	rm -rf $(VENV) build *.egg-info
