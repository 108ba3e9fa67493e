# The README's two commands: `make run` and `make test`. Both set up .venv themselves.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# npm ci writes node_modules/.package-lock.json; it is stale when package-lock.json is newer.
NODE_STAMP := node_modules/.package-lock.json

.PHONY: run test lint check-migrations install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## GOV.UK Frontend (served by the app) and axe-core (for the browser tests), as pinned in package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

## Migrate the database (SQLite file s106.db by default), seed it if empty, print demo accounts, serve on :8000 (or PORT).
run: install
	$(BIN)/s106 run $(if $(PORT),--port $(PORT))

## Parallel test processes (pytest-xdist); each has its own database. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto

## Lint, type-check, check models against migrations, run the suite (PostgreSQL too when TEST_DATABASE_URL is set).
test: lint check-migrations $(NODE_STAMP)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app seed

## Migrate a scratch SQLite database and let Alembic compare it with the models.
check-migrations: $(STAMP)
	@scratch=$$(mktemp -d) && \
	DATABASE_URL=sqlite:///$$scratch/check.db $(BIN)/alembic upgrade head && \
	DATABASE_URL=sqlite:///$$scratch/check.db $(BIN)/alembic check && \
	rm -rf $$scratch

## Benchmark on SQLite and PostgreSQL (not in CI): `make bench SCALE=1.0` is national scale; see docs/benchmarks.md.
SCALE ?= 0.1
BENCH_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/s106_bench
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/run.py --scale $(SCALE) --postgres-url $(BENCH_POSTGRES_URL) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
