# The two commands a new user needs: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
            command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { command -v $$p; break; }; done)
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed
TEST_STAMP = $(VENV)/.installed-test
# Installs take exact versions from the lock (a release can't break a fresh clone);
# `make clean test LOCK=` installs the newest releases pyproject's ranges allow instead.
LOCK ?= requirements.lock
PIN = $(if $(LOCK),-c $(LOCK))

.PHONY: demo test venv bench clean lock

$(STAMP): pyproject.toml $(LOCK)
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(PIN) -e .
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q $(PIN) -e ".[test]"
	@touch $(TEST_STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/chokepoint demo

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q -n 2

bench: $(TEST_STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

# Refresh the lock from pyproject's ranges (every extra, Python 3.11 and newer, any platform).
lock: $(STAMP)
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 -q -o requirements.lock

clean:
	rm -rf $(VENV) chokepoint.duckdb .pytest_cache
