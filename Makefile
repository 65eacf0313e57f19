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
# (the test extra) drives /usr/bin/chromium: `playwright install` is never needed. Installing them needs root
# and apt; without either, this says what to install by hand and the browser tests are skipped (not failed).
browsers:
	@if command -v chromium >/dev/null 2>&1 && fc-list ':lang=zh' 2>/dev/null | grep -q .; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; } || \
	  echo "note: apt-get could not install chromium and fonts-wqy-microhei: the browser tests will be skipped."; \
	else \
	  echo "note: the browser tests need Chromium at /usr/bin/chromium and a CJK font; install them by hand"; \
	  echo "      (Debian/Ubuntu as root: apt-get install chromium fonts-wqy-microhei). Until then they are skipped."; \
	fi

test: lint typecheck unit

docs: setup
	$(BIN)/python -m rights_engine.catalogue docs/catalogue

bench: setup
	$(BIN)/python benchmarks/bench_evaluate.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build *.egg-info
