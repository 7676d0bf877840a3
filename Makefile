# `make run` and `make test` set everything up on a fresh machine (Python 3.12 via pyenv,
# selected by .python-version) and then do their job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-slow test-offline scorecard calibrate bench figures screenshots notebooks app lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)  ## the flagship scenario: the January 2024 Iran–Pakistan crisis
	$(BIN)/crisis-sim run scenarios/iran_pakistan_2024.toml

test: $(STAMP)  ## the test suite (a few minutes; a file's tests run together, two files at a time, then the classroom page's browser tests alone, so that their latency is the page's, not a neighbour's load)
	$(BIN)/python -m pytest -q -m "not slow and not browser" -n 2 --dist loadfile
	$(BIN)/python -m pytest -q -m "browser and not slow" -p no:cacheprovider

test-slow: $(STAMP)  ## load tests and long fuzzing
	$(BIN)/python -m pytest -q -m slow

test-offline: $(STAMP)  ## the classroom page's browser tests with the network cut (root: a network namespace with only loopback)
	unshare --net sh -c 'ip link set lo up && $(BIN)/python -m pytest -q -m browser -p no:cacheprovider'

scorecard: $(STAMP)  ## the model on the record: MID moments, ICB scores, history cases (a few minutes)
	$(BIN)/crisis-sim scorecard --workers 2 --out results/scorecard --force

calibrate: $(STAMP)  ## fit the parameters to the MID record: rebuilds data/posterior/, then the 1946-89 out-of-sample fit
	$(BIN)/crisis-sim calibrate experiments/calibration.toml --out data/posterior --workers 2 --force
	$(BIN)/crisis-sim calibrate experiments/calibration_1946_1989.toml --out results/calibration/mid_1946_1989 --workers 2 --force

bench: $(STAMP)  ## performance: the ensemble against mesa.batch_run (about 5 minutes)
	$(BIN)/python benchmarks/bench.py

figures: $(STAMP)  ## the figures in README.md and docs/ (docs/figures/*.png)
	$(BIN)/python docs/figures.py

screenshots: $(STAMP)  ## the classroom page's pictures in README.md (docs/figures/app_*.png)
	$(BIN)/python docs/app_screenshots.py

notebooks: $(STAMP)  ## the teaching notebooks in JupyterLab
	$(BIN)/python -m pip install --quiet -e '.[notebook]'
	$(BIN)/jupyter lab notebooks/

app: $(STAMP)  ## the classroom page at http://localhost:8765/ (offline; Ctrl-C stops it)
	$(BIN)/python -m pip install --quiet -e '.[app]'
	$(BIN)/crisis-sim app --open

lint: $(STAMP)
	$(BIN)/ruff check sim tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
