# Two commands do all set-up: `make run` (demo gateway on a simulated modem) and `make test`
# (ruff, mypy, the Debian package, pytest). Both create the virtual environment in .venv and install
# into it. `make deb` builds dist/gsmgateway_<version>_<arch>.deb (the production install);
# `make deb-check` installs, removes and purges it in a fresh Debian 12 chroot (slow, needs root).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck pytest browser test-tools bench clean deb deb-tools deb-check fuzz

VERSION  := $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' pyproject.toml)
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo unknown)
DEB      := dist/gsmgateway_$(VERSION)_$(DEB_ARCH).deb
# What goes into the package: rebuilt when one of these changes (tests, bench, docs do not count).
DEB_INPUTS := $(wildcard $(shell git ls-files --cached --others --exclude-standard -- \
	pyproject.toml README.md config debian gsmgateway simulator systemd packaging/build-deb.sh 2>/dev/null))

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

test: lint typecheck deb pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) browser test-tools
	$(BIN)/pytest

# The console's browser tests drive Debian's chromium through chromium-driver (no browser download).
# Installed here when root on Debian; elsewhere the tests fail and say which packages they need.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null \
	    || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	         && apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver; } \
	    || echo "note: the browser tests need chromium and chromium-driver (apt-get install chromium chromium-driver)"

# Debian packages the tests use: strace (the fsync trace of tests/system/test_fsync_trace.py) and
# postgresql (initdb/pg_ctl: the store tests start a throwaway server, tests/store/postgres_server.py).
test-tools:
	@command -v strace >/dev/null 2>&1 \
	    || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	         && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace; } \
	    || { echo "the tests need strace: sudo apt-get install strace"; exit 1; }
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -n "$$TEST_POSTGRES_DSN" ] \
	    || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	         && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } \
	    || { echo "the store tests need PostgreSQL: sudo apt-get install postgresql (or set TEST_POSTGRES_DSN)"; exit 1; }

deb: $(DEB)

$(DEB): $(DEB_INPUTS) | deb-tools
	packaging/build-deb.sh

deb-tools:
	@packaging/build-tools.sh

deb-check: $(DEB)
	packaging/check-install.sh $(DEB)

# Schemathesis with many more cases per operation than `make test` runs (tests/api/test_schemathesis.py).
fuzz: $(STAMP)
	GSMGATEWAY_FUZZ_EXAMPLES=$${GSMGATEWAY_FUZZ_EXAMPLES:-1000} $(BIN)/pytest tests/api/test_schemathesis.py -q

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build dist
