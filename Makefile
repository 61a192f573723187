# Every target builds .venv itself when it is missing or older than pyproject.toml.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast fmt bench lint serve clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench,cluster]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cybermutual demo

serve: $(STAMP)
	$(BIN)/cybermutual serve

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --durations=15

# The edit loop: everything but the stress tests, on SQLite only (make test runs both databases).
test-fast: $(STAMP)
	HYPOTHESIS_PROFILE=fast $(BIN)/pytest -n 2 -q -m "not slow and not postgres"

fmt: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/cybermutual bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
