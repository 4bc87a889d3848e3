# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv on first use.
PY ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint soak

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/qbsync demo

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check -q .
	$(VENV)/bin/pytest -n 2 -m "not bench" --benchmark-disable

# The long soak (not in `make test`, which runs a short one): every fault, kill -9 of the bridge, the Web
# Connector and a Dagster run, on DuckDB and on PostgreSQL with two bridges; exit 1 unless the checker finds it clean.
SOAK_RECORDS ?= 10000
SOAK_DATABASE ?= postgresql://postgres@127.0.0.1:5432/postgres
soak: $(STAMP)
	$(VENV)/bin/qbsync soak --records $(SOAK_RECORDS)
	$(VENV)/bin/qbsync soak --records $(SOAK_RECORDS) --database $(SOAK_DATABASE)

bench: $(STAMP)
	$(VENV)/bin/pytest -m bench -p no:xdist -s tests/bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check -q .
