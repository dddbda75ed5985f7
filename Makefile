# The course's commands. Every target sets up what it needs itself: a local virtual environment
# .venv/ is created from requirements.lock (exact versions) the first time, and refreshed when
# requirements.lock or pyproject.toml changes.
#
#   make book    build the HTML book from the notebooks' stored outputs (nbval proves they hold)
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
# uv installs without compiling bytecode (4 times faster); Python then writes each module's .pyc on
# its first import, unless PYTHONDONTWRITEBYTECODE is set, when every import would compile anew.
unexport PYTHONDONTWRITEBYTECODE

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# `make notebooks NB=notebooks/02_user_profiles.ipynb` re-executes only that one.
NB ?= $(NOTEBOOKS)

.PHONY: help venv lock book gettext test test-fast test-kernels notebooks lab lint format bench instructor student check-pages own-data clean distclean

help: ## list the targets
	@echo "Usage: make TARGET"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  \1\t/' | expand -t 14

# The virtual environment: created when missing, (re)installed when pyproject.toml or the lock
# file is newer than the stamp. Every package comes at the exact version of requirements.lock
# (transitive ones included), installed with uv (measured: 10x faster locking and 2-8x faster
# installs than pip-tools or pip, see README "The exact environment"); the project itself is then
# installed in editable mode without dependencies.
UV_VERSION := 0.13.9
# Folders of local wheels that pip is configured to read (this machine kind keeps its CPU build of
# torch there). uv does not read pip's configuration, so they are handed to it; where there are
# none, uv uses PyPI only.
FIND_LINKS ?= $(or $(PIP_FIND_LINKS),$(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null))
UV_FIND := $(foreach d,$(FIND_LINKS),--find-links $(d))
UV := $(BIN)/uv

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) pip install --python $(BIN)/python $(UV_FIND) -r requirements.lock
	$(UV) pip install --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

venv: $(STAMP) ## create or refresh the virtual environment .venv/

# Re-resolve requirements.lock from pyproject.toml. Pins already in the lock are kept where they
# still satisfy pyproject.toml; `make lock UPGRADE=1` moves everything to the newest allowed
# release. torch must resolve to the local CPU wheel (`+cpu`, written as the plain version so that
# the lock holds elsewhere): without a local wheel folder uv would lock the CUDA build and its
# nvidia-* packages, so that is refused.
lock: $(STAMP) ## re-resolve requirements.lock from pyproject.toml (UPGRADE=1: newest allowed versions)
	@test -n "$(strip $(FIND_LINKS))" || { echo "make lock: no local wheel folder (PIP_FIND_LINKS or pip's find-links):" \
	  "uv would lock torch's CUDA build. Run it where the CPU wheel of torch is on disk."; exit 1; }
	@# uv prefers the versions already in the output file: the lock's plain torch pin would make it
	@# take PyPI's (CUDA) build, so the resolution starts from a copy that names the local +cpu build.
	sed -E 's/^torch==([0-9.]+)$$/torch==\1+cpu/' requirements.lock > $(VENV)/requirements.lock.new
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 $(UV_FIND) --no-emit-find-links \
		--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade) -o $(VENV)/requirements.lock.new
	sed -i -E 's/^torch==([0-9.]+)\+cpu$$/torch==\1/' $(VENV)/requirements.lock.new
	@! grep -qE '^(nvidia-|triton==)' $(VENV)/requirements.lock.new || \
	  { echo "make lock: CUDA packages (nvidia-*, triton) in the new lock; requirements.lock is unchanged"; exit 1; }
	mv $(VENV)/requirements.lock.new requirements.lock
	@echo "requirements.lock: $$(grep -cE '^[A-Za-z0-9]' requirements.lock) packages"

# The book's editions: English (the default, _build/html/) and Chinese (_build/html/zh_CN/), from the
# same notebooks (tools/book_i18n.py: Sphinx's gettext catalogs in book/locales/). `make book` builds
# both; `make book LANG=zh_CN` (or LANG=en) only one. LANG from the environment (a locale such as
# C.UTF-8) is not a choice of edition: only a LANG given on the command line is.
EDITIONS := $(if $(filter command line,$(origin LANG)),$(LANG),en zh_CN)

book: $(STAMP) ## build the HTML book, English and Chinese (LANG=zh_CN: the Chinese edition only)
	@for e in $(EDITIONS); do case "$$e" in en|zh_CN) ;; *) echo "make book: LANG=$$e is not an edition (en, zh_CN)"; exit 1;; esac; done
ifneq ($(filter en,$(EDITIONS)),)
	@mkdir -p _build
	@# The pages show the stored outputs (book/_config.yml: execute_notebooks off); --all re-reads
	@# every page.
	$(BIN)/jupyter-book build . --all --config book/_config.yml --toc book/_toc.yml \
		2>&1 | tee _build/book-build.log
	@# A Sphinx warning fails the build (a broken reference or figure is a broken page).
	@n=$$(grep -cE ': (WARNING|ERROR|CRITICAL): ' _build/book-build.log || true); \
	 if [ "$$n" != "0" ]; then echo "Sphinx reported $$n warning(s):"; \
	   grep -E ': (WARNING|ERROR|CRITICAL): ' _build/book-build.log; exit 1; fi
	@test -f _build/html/index.html
	@echo "English edition: _build/html/index.html"
endif
ifneq ($(filter zh_CN,$(EDITIONS)),)
	@# Chapters with a `lang` parameter run again in Chinese (papermill); the others keep their stored
	@# outputs, which the catalogs translate. Every Sphinx warning fails this build too.
	LANG=C.UTF-8 $(BIN)/python tools/book_i18n.py build --lang zh_CN
endif
	@# Every internal link and anchor of the built pages resolves (tools/check_links.py), the links
	@# between the two editions included.
	$(BIN)/python tools/check_links.py _build/html

check-pages: $(STAMP) ## read every built page in headless Chromium: solutions collapsed, no raw Markdown or LaTeX, captioned figures with alt text, no sideways scroll (needs chromium)
	$(BIN)/python tools/check_pages.py --width 1280
	$(BIN)/python tools/check_pages.py --width 390

# nbval compares every stored notebook output with a fresh execution; conftest.py compares the
# recorded results with a stated tolerance and groups each notebook's cells on one worker.
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# Parallel workers (pytest-xdist, chapter execution): one per core.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
XDIST := -n $(JOBS) --dist loadfile

# Docstring examples of the package run too (--doctest-modules over profiling/, as scikit-learn does).
DOCTEST := profiling --doctest-modules

# The Spark engine's tests (tests/test_engines_spark.py, marker `spark`) run in `make test`, never
# skipped: PySpark comes with the lock (the `spark` extra), Java 17 from the machine (.ci/run
# installs it where missing).
JAVA_CHECK = command -v java >/dev/null 2>&1 || { echo "make test: the Spark engine's tests need Java 17" \
	"(Debian/Ubuntu: apt-get install openjdk-17-jre-headless)"; exit 1; }

test: $(STAMP) ## unit tests, docstring examples, nbval over the stored notebooks, papermill chapter runs (all cores)
	@$(JAVA_CHECK)
	$(BIN)/python -m pytest tests $(DOCTEST) notebooks $(NBVAL) $(XDIST) --durations=15

test-fast: $(STAMP) ## unit tests only (no notebook execution): the inner loop while editing profiling/
	$(BIN)/python -m pytest tests $(DOCTEST) -m "not notebook and not slow" $(XDIST) --durations=10

# The stored outputs must hold on any CPU. OPENBLAS_CORETYPE makes numpy's and scipy's OpenBLAS
# run another CPU's kernels (Sandybridge: AVX without FMA; Prescott: SSE3 only), and the thread
# count changes how BLAS splits its sums: together they stand in for other machines.
KERNELS ?= Sandybridge:1 Prescott:2
test-kernels: $(STAMP) ## nbval over the stored notebooks under other BLAS kernels and thread counts
	@for kt in $(KERNELS); do k=$${kt%%:*}; t=$${kt##*:}; \
	  echo "== nbval with OPENBLAS_CORETYPE=$$k and $$t BLAS/OpenMP thread(s)"; \
	  OPENBLAS_CORETYPE=$$k OPENBLAS_NUM_THREADS=$$t OMP_NUM_THREADS=$$t MKL_NUM_THREADS=$$t \
	    $(BIN)/python -m pytest notebooks $(NBVAL) $(XDIST) -q -p no:cacheprovider || exit 1; \
	done

notebooks: $(STAMP) ## re-execute the stored notebooks in place from a fresh kernel (for authors)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=180 --ExecutePreprocessor.kernel_name=python3 $(NB)

# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP) ## open the notebooks in JupyterLab
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(LAB_ARGS)

lint: $(STAMP) ## notebook hygiene checks (tests/test_hygiene.py), code cells within 88 columns included
	$(BIN)/python -m pytest tests/test_hygiene.py -q

# ruff formats the code cells (pyproject.toml [tool.ruff]); long comments and strings, which ruff
# leaves alone, are wrapped first. Sources only: the stored outputs stay as they are.
format: $(STAMP) ## format the notebooks' code cells to 88 columns (NB=... for some of them)
	$(BIN)/python tools/format_notebooks.py $(NB)

bench: $(STAMP) ## seconds per chapter, executed from a fresh kernel (also written to benchmarks/results/)
	$(BIN)/python benchmarks/notebook_times.py --output benchmarks/results/notebook_times.csv

gettext: $(STAMP) ## refresh the Chinese edition's catalogs (book/locales/) and the package's (profiling/locales/) from the sources
	$(BIN)/python tools/book_i18n.py extract
	$(BIN)/python tools/package_messages.py extract
	@$(BIN)/python tools/book_i18n.py coverage | tail -1

instructor: $(STAMP) ## rewrite book/instructor.md from the chapters and benchmarks/results/notebook_times.csv
	$(BIN)/python tools/make_instructor.py

student: $(STAMP) ## the student edition: the notebooks without solutions, and a zip, in _build/student/
	$(BIN)/python tools/student_edition.py _build/student

own-data: $(STAMP) ## regenerate book/own_data.md from a real run of the profiling command
	$(BIN)/python tools/make_own_data.py

clean: ## remove the built book and caches (keeps .venv/)
	rm -rf _build .pytest_cache .hypothesis benchmarks/results
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) \
		-type d -prune -exec rm -rf {} +

distclean: clean ## clean, and remove the virtual environment too
	rm -rf $(VENV)
