# Lanterne: `make run` to start everything, `make test` to run the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: run test check install install-dev migrate seed bench clean

# One stamp per requirements file, rebuilt when that file changes, so a second run reuses the venv.
# `make run` installs what the application needs; `make test`, `make bench` and `make check` add the
# test and check tools (requirements-dev.txt, which includes requirements.txt).
$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Static checks: lint, types, architecture contracts (settings in pyproject.toml).
check: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed

run: seed
	$(FLASK) serve

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks (bench/): quick sizes in a few minutes; `make bench FULL=1` for the full sizes.
# Each runs on the embedded default and on BENCH_DATABASE_URL + BENCH_REDIS_URL.
BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
bench: install-dev
	BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" BENCH_REDIS_URL="$(BENCH_REDIS_URL)" \
	  $(BIN)/python bench/run_all.py $(if $(FULL),--full,)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
