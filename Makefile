# Two commands for a newcomer: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench schema cluster vendor clean

# The sample third-party plugin (examples/) is installed too: tests load it from its entry point.
$(STAMP): pyproject.toml examples/backline-workitem/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]' -e examples/backline-workitem
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/backline migrate
	$(BIN)/backline demo load
	$(BIN)/backline serve

# Every behaviour test runs on SQLite and on PostgreSQL (an embedded server the test
# dependencies bring), on two workers.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

# Two instances (ports 8000 and 8001) on one embedded PostgreSQL, with the demo (examples/local_cluster.py).
cluster: $(STAMP)
	$(BIN)/python examples/local_cluster.py

bench: $(STAMP)
	$(BIN)/python -m bench

# Rewrites docs/schema.graphql from the code (a test fails while it is stale).
schema: $(STAMP)
	$(BIN)/backline export-schema > docs/schema.graphql

# Rebuilds the pages' third-party files (schema/pages/vendor/, committed) from the npm registry,
# at the versions pinned in schema/pages/vendor.py. Needs npm; `make run` and `make test` do not.
vendor:
	$(PYTHON) schema/pages/vendor.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
