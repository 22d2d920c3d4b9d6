# Two commands for a fresh machine with Python >= 3.11 and make:
#   make lab   - install into .venv if needed, open the course in JupyterLab
#   make test  - install into .venv if needed, run every test (CI)
#   make check - the unit tier only, in minutes (everyday work)
#   make lab-ko - the same course in Korean (한국어판)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8888
# nbgrader and jupyter start helper programs (alembic, kernels) from PATH: the venv's come first.
RUN    := PATH="$(CURDIR)/$(BIN):$$PATH"
# Cuts the network for the command after it (see tools/offline.sh); in CI it must succeed.
OFFLINE := tools/offline.sh

.PHONY: install lab lab-ko korean release slides present check test test-notebooks test-notebooks-both test-notebooks-ko test-python bench clean help hub-proxy classroom feedback-mathjax install-site site

help:
	@echo "make lab      - open the course in JupyterLab: your student notebooks in release/,"
	@echo "                the sources with solutions in notebooks/ (installs into $(VENV) first if needed)"
	@echo "make lab-ko   - the Korean edition (한국어판): student notebooks in release-ko/, built from"
	@echo "                notebooks/ and the translations in i18n/ko/ (installs first if needed)"
	@echo "make check    - the unit tier: the package's functions, widgets and data, in about 2 minutes"
	@echo "                (installs first if needed); run it while you work"
	@echo "make test     - everything, as CI does (20 to 40 minutes on two cores): every notebook of both editions"
	@echo "                with the network cut, then the unit, claims and delivery tiers"
	@echo "make release  - (instructors) regenerate the student versions in release/ with nbgrader;"
	@echo "                OVERWRITES release/, including a learner's answers there"
	@echo "make slides   - one offline reveal.js deck per notebook in build/slides/ (Korean: build/slides/ko/)"
	@echo "                (EXECUTE=1 runs the notebooks first so the decks show their outputs)"
	@echo "make present  - live slides for a talk: JupyterLab where a notebook's 'Render with Voila' button"
	@echo "                shows it as a deck whose widgets work and whose cells run (see README, Slides)"
	@echo "make site     - the read-only course site in build/site/ (Korean: build/site/ko/): every notebook"
	@echo "                executed, exercises without solutions, the guides, glossary and search; offline"
	@echo "                (REPO=https://github.com/you/course HUB=https://hub.example.edu for the launch links)"
	@echo "make classroom - (instructors) the JupyterHub + nbgrader exchange tests only (FAST=1: without the hub)"
	@echo "make feedback-mathjax - (instructors) fetch, once with npm, the MathJax that feedback files carry"
	@echo "make bench    - run the speed benchmarks (not part of make test)"
	@echo "make clean    - remove generated files (keeps $(VENV) and release/)"

install: $(STAMP)

# Reinstall when the package's dependencies change.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install -e ".[test]"
	touch $(STAMP)

# The course site's builder (Jupyter Book 1), beside the course's packages: not a learner's install.
SITE_STAMP := $(VENV)/.installed-site
install-site: $(SITE_STAMP)
$(SITE_STAMP): $(STAMP)
	$(BIN)/python -m pip install -e ".[test,site]"
	touch $(SITE_STAMP)

# Learners work in the student versions (release/, git-ignored). Only missing ones are generated,
# so answers already written there are never overwritten; delete release/NN_name for a fresh copy.
lab: $(STAMP)
	$(RUN) $(BIN)/python tools/course_notebooks.py release --missing-only
	$(RUN) $(BIN)/jupyter lab --port $(PORT) $(if $(filter 0,$(shell id -u)),--allow-root) \
	    --ServerApp.root_dir="$(CURDIR)" release/00_welcome/00_welcome.ipynb

# The Korean edition: its source notebooks are built from notebooks/ and i18n/ko/ (never
# committed), its student versions go to release-ko/ with a gradebook of their own.
KO := build/ko/notebooks

lab-ko: $(STAMP)
	$(RUN) $(BIN)/python tools/course_notebooks.py release --lang ko --missing-only
	$(RUN) $(BIN)/jupyter lab --port $(PORT) $(if $(filter 0,$(shell id -u)),--allow-root) \
	    --ServerApp.root_dir="$(CURDIR)" release-ko/00_welcome/00_welcome.ipynb

# The Korean source notebooks, with the notebooks' budget harness beside them.
korean: $(STAMP)
	$(BIN)/python tools/translate.py ko
	cp notebooks/conftest.py $(KO)/conftest.py

release: $(STAMP)
	$(RUN) $(BIN)/python tools/course_notebooks.py release

slides: $(STAMP)
	$(RUN) $(BIN)/python tools/build_slides.py $(if $(EXECUTE),--execute)
	$(RUN) $(BIN)/python tools/build_slides.py --lang ko $(if $(EXECUTE),--execute)
	@echo "open build/slides/index.html (works offline; copy the whole build/slides/ folder to present elsewhere)"

# Live slides (tools/live_slides.py): JupyterLab with Voila's reveal template `course_live`, so that a
# notebook's "Render with Voila" button shows it as a deck with a running kernel and live widgets.
# reveal.js and jQuery are fetched with npm once (build/npm, as for `make slides`) and served locally.
present: $(STAMP)
	$(RUN) $(BIN)/python tools/live_slides.py --port $(PORT) $(if $(filter 0,$(shell id -u)),--allow-root) \
	    --ServerApp.root_dir="$(CURDIR)" notebooks/00_welcome/00_welcome.ipynb

# The read-only course site (tools/build_site.py): executed notebooks are cached in build/site-cache,
# so a second build without changes takes seconds. REPO, BRANCH and HUB fill in the launch links
# (placeholders until the repository has a public address; README.md, "The course site").
site: $(SITE_STAMP)
	$(RUN) $(THREADS) $(BIN)/python tools/build_site.py $(if $(REPO),--repo $(REPO)) $(if $(BRANCH),--branch $(BRANCH)) $(if $(HUB),--hub $(HUB))
	@echo "open build/site/index.html, or serve it: python -m http.server -d build/site"

# Notebooks first: they are also the offline proof and the memory report (build/notebook_budgets.json).
# `make -k test` (as in .ci/run) runs the second step even when the first fails.
# Python and make are enough: tests that need a program this machine lacks (npm for the offline
# slide libraries, Chromium for the browser tests, `unshare`/`ip` to cut the network) skip with a
# loud "*** SKIPPED: ... ***" line outside CI (without namespaces the notebooks run with the network
# after a loud WARNING) and fail in CI (CI=true; .ci/run installs them).
# Both cores: the two editions' notebooks side by side, then the tests in two processes (pytest-xdist;
# JOBS=1 for one). Each tier alone: `.venv/bin/python -m pytest tests -m claims` (unit, claims, delivery).
JOBS ?= 2
# One thread per process when JOBS processes share the cores: torch's OpenMP threads spin while they
# wait for each other, so two processes of two threads each on two cores slow each other down
# (notebooks 03 and 06 of both editions side by side: 48 s with two threads each, 27 s with one on
# this machine; in CI, stop 27, notebook 03 took 307 s and 06 146 s, over their 90 s budgets).
ifeq ($(JOBS),1)
THREADS :=
else
THREADS := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
endif
test: test-notebooks-both test-python

# The unit tier (tests/conftest.py TIERS): what to run while you work.
check: $(STAMP)
	$(RUN) $(THREADS) $(BIN)/python -m pytest tests -m unit -n $(JOBS) --dist loadgroup -q --durations=10

test-notebooks-both: $(STAMP)
	$(THREADS) $(MAKE) -j $(JOBS) --output-sync=target test-notebooks test-notebooks-ko

# Every notebook, executed once, with the network cut: nbval's run IS the offline run.
test-notebooks: $(STAMP)
	$(RUN) $(OFFLINE) $(BIN)/python -m pytest --nbval-lax --nbval-current-env notebooks

# The Korean edition's notebooks, the same way.
test-notebooks-ko: korean
	$(RUN) $(OFFLINE) $(BIN)/python -m pytest --nbval-lax --nbval-current-env $(KO)

# Unit and claim tests, then the delivery tests (grading, slides, the course site, browser,
# environments): Jupyter Book for the site is installed first (SITE_STAMP). The slide
# tests fetch reveal.js, require.js, jQuery and MathJax with npm themselves, once, into build/npm;
# the classroom test fetches JupyterHub's proxy the same way, into build/npm-hub.
test-python: $(SITE_STAMP)
	$(RUN) $(THREADS) $(BIN)/python -m pytest tests -n $(JOBS) --dist loadgroup --durations=25

# JupyterHub's proxy (configurable-http-proxy) for the classroom test, fetched once with npm into
# build/npm-hub like the slide libraries (the test fetches it itself when it is not there yet). Without npm: a loud SKIPPED line (the hub test then skips
# loudly too); in CI (CI=true) that is an error.
hub-proxy: $(STAMP)
	$(RUN) $(BIN)/python tests/classroom/hub_proxy.py

# The MathJax that each feedback file carries (nbgrader_config.py inlines it), fetched once with npm
# into build/npm-feedback; without it feedback shows formulas as TeX (the log says so).
feedback-mathjax: $(STAMP)
	$(BIN)/python tools/feedback_mathjax.py

# Only the classroom tests (tests/test_classroom.py, tests/test_hub_users.py): the JupyterHub flows
# (the second with unix users: as root), then the same flow without the hub with feedback and
# broken submissions. FAST=1: without the hubs.
classroom: $(STAMP) hub-proxy
	$(RUN) $(BIN)/python -m pytest tests/test_classroom.py $(if $(FAST),-k "not jupyterhub",tests/test_hub_users.py)

# Training-loop speed, the explorer widgets' CPU time per control change (target 0.15 s, also in
# build/bench_widgets.json), then every notebook on one core with one thread (Binder's CPU):
# wall time and peak memory with a cold and a warm data cache, also in build/bench_notebooks.json.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_training.py
	$(BIN)/python benchmarks/bench_widgets.py
	$(RUN) $(BIN)/python benchmarks/bench_notebooks.py

clean:
	rm -rf build .pytest_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
