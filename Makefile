# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= simulacro-out
VOTERS ?= 200

.PHONY: demo test lint bench clean js

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
	rm -rf $(VENV) $(OUT)

# Rebuild the browser's ballot bundle (src/vmre/web/static/vmre-ballot.js) from js/src.
js:
	cd js && npm ci --no-audit --no-fund && npm run build
