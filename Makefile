# Two commands for a fresh machine with Python >= 3.10 and make:
#   make lab   - install into .venv if needed, open the course in JupyterLab
#   make test  - install into .venv if needed, run every test
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8888

.PHONY: install lab test test-unit test-notebooks bench clean help

help:
	@echo "make lab    - open the course in JupyterLab (installs into $(VENV) first if needed)"
	@echo "make test   - run every test (installs first if needed)"
	@echo "make bench  - run the speed benchmarks (not part of make test)"
	@echo "make clean  - remove generated files (keeps $(VENV))"

install: $(STAMP)

# Reinstall when the package's dependencies change.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install -e ".[test]"
	touch $(STAMP)

lab: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter lab --port $(PORT) \
	    --ServerApp.root_dir="$(CURDIR)" notebooks/00_welcome/00_welcome.ipynb

# PATH: nbgrader and jupyter start helper programs (alembic, kernels) from the venv.
test: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest tests
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest --nbval-lax --nbval-current-env notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_training.py

clean:
	rm -rf build .pytest_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
