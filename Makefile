# Quick start: `make demo` (set up, then evaluate an example profile) and `make test` (set up, then the tests).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test lint typecheck unit interpreters browsers bench docs clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: setup
	$(BIN)/rights-engine evaluate examples/profiles/hunan-rider-station.json --lang zh
	$(BIN)/rights-engine evaluate examples/profiles/wenshan-driver-crowdsourced.json --lang en

lint: setup
	$(BIN)/ruff check rights_engine tests benchmarks scripts

typecheck: setup
	$(BIN)/mypy

unit: setup browsers
	$(BIN)/python -m pytest

# Debian's Chromium (and a CJK font for the screenshots) for the browser tests; idempotent. Playwright
# (the test extra) drives /usr/bin/chromium: `playwright install` is never needed.
browsers:
	command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	fc-list ':lang=zh' 2>/dev/null | grep -q . || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei)

test: lint typecheck unit

docs: setup
	$(BIN)/python -m rights_engine.catalogue docs/catalogue

bench: setup
	$(BIN)/python benchmarks/bench_evaluate.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build *.egg-info
