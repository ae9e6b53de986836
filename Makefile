# Two commands do all set-up: `make run` (demo gateway on a simulated modem) and `make test`
# (ruff, mypy, pytest). Both create the virtual environment in .venv and install into it.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck pytest fuzz bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	    || { echo "gsmgateway needs Python >= 3.11 (found $$($(PYTHON) --version))"; exit 1; }
	@# Debian splits venv/ensurepip into python3-venv; install it when we can.
	@$(PYTHON) -m venv --help >/dev/null 2>&1 && $(PYTHON) -c 'import ensurepip' 2>/dev/null \
	    || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	         && apt-get update -qq && apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m gsmgateway demo

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

# Schemathesis with many more cases per operation than `make test` runs (tests/api/test_schemathesis.py).
fuzz: $(STAMP)
	GSMGATEWAY_FUZZ_EXAMPLES=$${GSMGATEWAY_FUZZ_EXAMPLES:-1000} $(BIN)/pytest tests/api/test_schemathesis.py -q

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
