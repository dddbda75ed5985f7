# The course's commands. Every target sets up what it needs itself: a local virtual environment
# .venv/ is created from pyproject.toml the first time, and refreshed when pyproject.toml changes.
#
#   make book    execute every chapter from a fresh kernel and build the HTML book
#   make test    unit tests + nbval over the stored notebooks + papermill chapter runs
#   make help    all targets

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.stamp

# One pytest/jupyter environment for every target: hash seed fixed so that nothing printed depends
# on set ordering; Hugging Face libraries never try the network (the model is a local package).
export PYTHONHASHSEED := 0
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# `make notebooks NB=notebooks/02_user_profiles.ipynb` re-executes only that one.
NB ?= $(NOTEBOOKS)

.PHONY: help venv book test notebooks lab lint bench own-data clean distclean

help: ## list the targets
	@echo "Usage: make TARGET"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  \1\t/' | expand -t 14

# The virtual environment: created when missing, (re)installed when pyproject.toml is newer than
# the stamp. pip install is idempotent, so a refresh only installs what changed.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP) ## create or refresh the virtual environment .venv/

book: $(STAMP) ## execute every chapter from a fresh kernel and build the HTML book
	@mkdir -p _build
	@# --all: re-read (and so re-execute) every page even if its file did not change, so the book
	@# always shows the outputs of this run; execute_notebooks: force in book/_config.yml.
	$(BIN)/jupyter-book build . --all --config book/_config.yml --toc book/_toc.yml \
		2>&1 | tee _build/book-build.log
	@n=$$(grep -cE ': (WARNING|ERROR|CRITICAL): ' _build/book-build.log || true); \
	 if [ "$$n" != "0" ]; then echo "Sphinx reported $$n warning(s):"; \
	   grep -E ': (WARNING|ERROR|CRITICAL): ' _build/book-build.log; fi
	@test -f _build/html/index.html
	@echo "Book built: _build/html/index.html"

test: $(STAMP) ## unit tests, nbval over the stored notebooks and papermill chapter runs
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg

notebooks: $(STAMP) ## re-execute the stored notebooks in place from a fresh kernel (for authors)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=180 --ExecutePreprocessor.kernel_name=python3 $(NB)

# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP) ## open the notebooks in JupyterLab
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(LAB_ARGS)

lint: $(STAMP) ## notebook hygiene checks (tests/test_hygiene.py)
	$(BIN)/python -m pytest tests/test_hygiene.py -q

bench: $(STAMP) ## seconds per chapter, executed from a fresh kernel
	$(BIN)/python benchmarks/notebook_times.py

own-data: $(STAMP) ## regenerate book/own_data.md from a real run of the profiling command
	$(BIN)/python tools/make_own_data.py

clean: ## remove the built book and caches (keeps .venv/)
	rm -rf _build .pytest_cache .hypothesis benchmarks/results
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) \
		-type d -prune -exec rm -rf {} +

distclean: clean ## clean, and remove the virtual environment too
	rm -rf $(VENV)
