# Two commands do everything on a fresh machine:
#   make lab    build the pinned environment if missing, then open JupyterLab on the lessons
#   make test   build the same environment if missing, then run the unit tests and every notebook
# Run `make help` for the rest.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8888
# Where generated state goes (extracted models, databases, fine-tuned models); `make clean` removes it.
export EMBEDDING_COURSE_CACHE ?= $(CURDIR)/generated
# The STS benchmark is not committed; point STSB_DIR at a copy (CI uses ../shared/data/stsbenchmark).
export STSB_DIR ?= $(wildcard $(abspath $(CURDIR)/../shared/data/stsbenchmark))
# The course runs offline by default: models come from PyPI packages, never from the hub.
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1
export HF_HUB_DISABLE_PROGRESS_BARS ?= 1
export TOKENIZERS_PARALLELISM ?= false
export PYTHONHASHSEED ?= 0

STAMP := $(VENV)/.installed
# A wheelhouse (see `make wheelhouse`) makes every install work with no network at all.
WHEELHOUSE ?= wheelhouse
ifneq ($(wildcard $(WHEELHOUSE)/SHA256SUMS),)
  FROM_WHEELHOUSE := --no-index --find-links $(abspath $(WHEELHOUSE))
endif
# For `make wheelhouse` off this machine: where a CPU-only torch wheel comes from
# (on Linux, PyPI's torch pulls CUDA; use TORCH_INDEX=https://download.pytorch.org/whl/cpu).
TORCH_INDEX ?=
# Jupyter refuses to run as root unless told; containers and workshop VMs often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
INSTALL := $(BIN)/python -m pip install -q --disable-pip-version-check --progress-bar off $(FROM_WHEELHOUSE)

.PHONY: help venv lab test test-unit test-notebooks test-robust test-workshop browser site test-site check bench export execute wheelhouse lock clean distclean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

venv: $(STAMP)  ## create the pinned virtual environment (torch 2.13.0 CPU first)

$(STAMP): requirements.txt requirements-nodeps.txt constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned environment into $(VENV) (first time: a few minutes, ~3 GB)..."
	@if [ -n "$(FROM_WHEELHOUSE)" ]; then \
		echo "Installing from the wheelhouse $(WHEELHOUSE)/ only: no network needed. Verifying its checksums..."; \
		(cd $(WHEELHOUSE) && sha256sum --check --quiet SHA256SUMS) || { echo "The wheelhouse is damaged: rebuild it with make wheelhouse"; exit 1; }; \
	fi
	$(INSTALL) torch==2.13.0
	$(INSTALL) -r requirements.txt -c constraints.txt
	$(INSTALL) --no-deps -r requirements-nodeps.txt
	$(INSTALL) --no-deps --no-build-isolation -e .
	$(BIN)/python -c "import torch; assert torch.__version__.startswith('2.13.0'), f'torch {torch.__version__} is not the pinned 2.13.0'"
	@touch $@

# JupyterLab's defaults for this environment: no "notified about official Jupyter news?" pop-up and no
# update check (both would contact a website), so the first screen is the lesson.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_OVERRIDES): tools/jupyterlab_overrides.json $(STAMP)
	@mkdir -p $(dir $@)
	cp $< $@

lab: $(STAMP) $(LAB_OVERRIDES)  ## open JupyterLab on the lessons (no browser; copy the printed URL with its token)
	$(BIN)/jupyter lab --no-browser --ip 127.0.0.1 --port $(PORT) --ServerApp.root_dir=$(CURDIR) $(ALLOW_ROOT) \
		--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb

# KERNELS=avx2 (or generic) runs `make test` as on another CPU: the math libraries forced onto that kernel
# path (tools/course_env.py's KERNEL_PATHS). CI does, because its CPU is the one the outputs were stored on.
KERNELS ?= native
FORCE_KERNELS = kernels="$$($(BIN)/python tools/course_env.py --shell --kernel-path $(KERNELS))" && eval "$$kernels" &&

test: $(STAMP)  ## unit tests + every notebook under nbval (strict), offline; KERNELS=avx2 or generic: as on another CPU
	$(BIN)/python tools/export_lessons.py --check
	$(FORCE_KERNELS) $(BIN)/python -m pytest tests notebooks solutions --ignore=tests/workshop --ignore=tests/site --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout 600 -p no:cacheprovider

test-unit: $(STAMP)  ## the fast tier for contributors (about a minute): unit tests that load no model, no slow or robust ones
	$(BIN)/python -m pytest tests --ignore=tests/workshop --ignore=tests/site -m "not slow and not robust" -p no:cacheprovider

test-notebooks: $(STAMP)  ## only the notebooks, under nbval (KERNELS= as for make test)
	$(FORCE_KERNELS) $(BIN)/python -m pytest notebooks solutions --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout 600 -p no:cacheprovider

# The stored outputs were made on one CPU; a learner's picks other kernels in MKL, PyTorch, OpenBLAS and numba.
# test-robust's two runs force two other kernel paths (see tools/run_notebooks_robust.sh); `make test` runs the native one
# (or KERNELS=...). ROBUST_RUNS, ROBUST_CACHE and ROBUST_REUSE pass through the environment (CI uses them).
# NOTEBOOKS= limits it to some lessons, e.g. make test-robust NOTEBOOKS="notebooks/00_start_here.ipynb"
ROBUST_KERNELS ?= avx2 generic
test-robust: $(STAMP)  ## every notebook twice in a row, fresh HOME, no network; on AVX2, then on generic CPU kernels
	PYTHON=$(BIN)/python ROBUST_KERNELS="$(ROBUST_KERNELS)" tools/run_notebooks_robust.sh $(NOTEBOOKS)

test-workshop: wheelhouse $(STAMP) browser  ## workshop day: offline install from the wheelhouse; make lab in a real browser
	$(BIN)/python -m pytest tests/workshop -p no:cacheprovider -rA

browser:  ## install Debian's chromium for the browser test (needs root and apt)
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

site: $(STAMP)  ## render the executed lessons and docs/ to a static HTML site in site/ (offline; runs no notebook)
	$(BIN)/python tools/build_site.py --out site

test-site: site browser  ## build the site, then open every page in headless chromium: titles, figures, no errors, links
	$(BIN)/python -m pytest tests/site -p no:cacheprovider -rA

check: $(STAMP)  ## environment check: versions, models (with checksums) and data sets found
	$(BIN)/python -m embedding_course.check

bench: $(STAMP)  ## benchmarks (~30 min on 2 cores): lessons, throughput, cross- vs bi-encoder, Milvus -> docs/benchmarks.md
	$(BIN)/python tools/bench $(BENCH_ARGS)

export: $(STAMP)  ## write embedding_course/lessons/ from the lessons' #@save cells (after editing one)
	$(BIN)/python tools/export_lessons.py

execute: $(STAMP)  ## re-run lessons and solutions from a fresh kernel and store their outputs, on a quiet machine only (authors; NOTEBOOKS= limits it)
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)

wheelhouse:  ## download every wheel the course needs into wheelhouse/ (for offline and workshop installs)
	mkdir -p $(WHEELHOUSE)
	$(PYTHON) -m pip download -q --progress-bar off -d $(WHEELHOUSE) $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) torch==2.13.0
	$(PYTHON) -m pip download -q --progress-bar off -d $(WHEELHOUSE) -r requirements.txt -c constraints.txt setuptools wheel pip
	$(PYTHON) -m pip download -q --progress-bar off -d $(WHEELHOUSE) --no-deps -r requirements-nodeps.txt
	cp docs/wheelhouse-README.md $(WHEELHOUSE)/README.md
	cd $(WHEELHOUSE) && ls | grep -E '\.(whl|tar\.gz|zip)$$' | xargs sha256sum > SHA256SUMS
	@echo "Wheelhouse ready: $$(ls $(WHEELHOUSE)/*.whl | wc -l) wheels, $$(du -sh $(WHEELHOUSE) | cut -f1). Copy the folder next to the course and run make lab."

lock: $(STAMP)  ## rewrite constraints.txt from the current environment (after changing requirements.txt)
	{ sed -n '1,3p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | sed 's/^torch==2.13.0+cpu$$/torch==2.13.0/'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:  ## remove generated state (databases, extracted and fine-tuned models, caches); keeps your notebooks
	rm -rf generated site .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean  ## also remove the virtual environment
	rm -rf $(VENV)
