# Two commands set everything up on a fresh machine:
#   make demo   -> .venv, the package, then the main job on the built-in default
#   make test   -> .venv, the package with its test extras, Debian data packages, pytest
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test bench lint system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[$*]'
	touch $@

# Fashion-MNIST (IDX files under /usr/share/datasets/fashion-mnist), Graphviz's `dot`,
# Chromium for the playground's browser tests (Playwright drives /usr/bin/chromium), and
# pdflatex with amsmath (texlive-latex-base) for the test that compiles `explain`'s LaTeX.
system-deps:
	@if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || ! command -v dot >/dev/null \
	  || [ ! -x /usr/bin/chromium ] || ! command -v pdflatex >/dev/null; then \
	  $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q dataset-fashion-mnist graphviz chromium \
	  texlive-latex-base; fi

demo: $(VENV)/.installed-data
	$(BIN)/backprop demo

test: system-deps $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2

# The same-process comparisons run on one core (taskset, util-linux); fashion.py uses them all, and
# playground.py runs its server and Chromium in their own processes, and sweep.py spreads its runs
# over every core, unpinned.
PIN := $(shell command -v taskset >/dev/null && echo taskset -c 0)

bench: system-deps $(VENV)/.installed-bench
	$(PIN) $(BIN)/python bench/engine.py
	$(PIN) $(BIN)/python bench/step.py
	$(PIN) $(BIN)/python bench/train.py
	$(PIN) $(BIN)/python bench/memory.py
	$(PIN) $(BIN)/python bench/memory.py --layered
	$(BIN)/python bench/hostile_files.py
	$(BIN)/python bench/fashion.py
	$(BIN)/python bench/playground.py
	$(BIN)/python bench/sweep.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench examples

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
