# Every target builds .venv itself when it is missing or older than pyproject.toml or the pins
# in constraints.txt (`make lock` writes them from the installed versions).
# `make demo` and `make serve` install only what the server needs; `make test`, `make lint` and
# `make bench` add the development, benchmark and cluster tools (a separate, larger install).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
PIP := $(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -c constraints.txt
# `make demo PORT=8001` when port 8000 is taken
PORT ?=

.PHONY: demo test test-fast coverage fmt lock bench lint serve clean

$(BIN)/python:
	@echo ">> creating the virtual environment $(VENV)"
	$(PY) -m venv $(VENV)

$(RUNTIME): pyproject.toml constraints.txt | $(BIN)/python
	@echo ">> installing cybermutual and what it needs to run (1-2 minutes the first time)"
	$(PIP) -e .
	touch $@

$(DEV): pyproject.toml constraints.txt | $(BIN)/python
	@echo ">> installing cybermutual with its test, benchmark and cluster tools (a few minutes the first time)"
	$(PIP) -e '.[dev,bench,cluster]'
	touch $@ $(RUNTIME)

demo: $(RUNTIME)
	$(BIN)/cybermutual demo $(if $(PORT),--port $(PORT))

serve: $(RUNTIME)
	$(BIN)/cybermutual serve $(if $(PORT),--port $(PORT))

test: $(DEV)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -n 3 --durations=15  # 3 workers on 2 cores: a third of the suite waits on servers, browsers, PostgreSQL

# The whole suite again with statement and branch coverage (about 40% slower on Python 3.11).
coverage: $(DEV)
	$(BIN)/pytest -n 2 -q --cov --cov-report=
	@echo ">> coverage of src/cybermutual (lowest first; the whole table: .venv/bin/coverage report)"
	@$(BIN)/coverage report --sort=cover --skip-covered | awk 'NR <= 12 {print} /^TOTAL/ {total = $$0} END {print "..."; print total}'

# The edit loop: everything but the stress tests, on SQLite only (make test runs both databases).
test-fast: $(DEV)
	HYPOTHESIS_PROFILE=fast $(BIN)/pytest -n 2 -q -m "not slow and not postgres"

fmt: $(DEV)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

# Pin every installed package (after changing dependencies in pyproject.toml and installing).
lock: $(DEV)
	$(BIN)/python -m pip freeze --exclude-editable --disable-pip-version-check > constraints.txt

lint: $(DEV)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(DEV)
	$(BIN)/cybermutual bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
