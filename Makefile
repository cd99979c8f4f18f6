# The two commands a new user needs: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench install clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "sqmsbot needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing pinned dependencies into $(VENV) (first run only)…"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@$(BIN)/sqmsbot db upgrade --quiet
	@$(BIN)/sqmsbot run

# Tests run in one worker per core (pytest-xdist): each worker has its own SQLite files and its own
# PostgreSQL schema. TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= auto
test: $(STAMP)
	@$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check sqmsbot commands jobs migrations tests bench
	$(BIN)/ruff format --check sqmsbot commands jobs migrations tests bench
	$(BIN)/mypy sqmsbot commands jobs
	$(BIN)/hadolint Dockerfile
	$(BIN)/lint-imports --no-cache

bench: $(STAMP)
	@found=0; for b in bench/[a-z]*.py; do [ -e "$$b" ] || continue; found=1; \
	  $(BIN)/python -m bench.$$(basename $$b .py) --quick || exit 1; done; \
	  [ $$found = 1 ] || echo "no benchmarks yet"

clean:
	rm -rf $(VENV) var/*.db var/*.db-*
