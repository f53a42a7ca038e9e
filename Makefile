# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= simulacro-out
VOTERS ?= 200

.PHONY: demo test lint bench clean js mutants

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/vmre simulacro --voters $(VOTERS) --custodians 5 --threshold 3 --absent 2 --out $(OUT) --seed 2024

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

bench: $(STAMP)
	$(BIN)/python bench/ballots.py

clean:
	rm -rf $(VENV) $(OUT) mutants

# Mutation testing of the vote's defences (docs/testing.md): long, never part of `make test`.
# `make mutants MUTANTS='vmre.crypto*'` narrows the run; results stay in mutants/ and a rerun
# continues where the last one stopped.
MUTANTS ?=
mutants: $(STAMP)
	$(BIN)/pip install -q -e '.[dev,mutation]'
	nice -n 10 $(BIN)/mutmut run $(MUTANTS)
	$(BIN)/python bench/mutants_report.py

# Rebuild the browser's ballot bundle (src/vmre/web/static/vmre-ballot.js) from js/src.
js:
	cd js && npm ci --no-audit --no-fund && npm run build
