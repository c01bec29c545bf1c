# Two commands get you going: `make demo` and `make test`. Both run `make install` first.
# bash with pipefail: a failing pip fails the install even when its output is filtered.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint clean

install: $(STAMP)

# Re-install only when the dependencies change: `make install` is cheap to repeat.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "make: Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "make: installing the Python packages into $(VENV) (a minute or two the first time)"
	$(BIN)/python -m pip install -e '.[test]' | sed -u '/^Requirement already satisfied/d'
	bash .ci/install-debian-packages.sh
	touch $(STAMP)

demo: install
	$(BIN)/workshop demo

# The whole suite against the reference solutions: app, contracts, graded labs, the workshop
# tooling (services, selfcheck, load run, grader), the notebook and a real browser.
test: install
	$(BIN)/python -m pytest --impl reference

lint: install
	$(BIN)/ruff check photoapp workshop tests loadtests solutions
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .workshop reports .pytest_cache
