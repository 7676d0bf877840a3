# `make run` and `make test` set everything up on a fresh machine (Python 3.12 via pyenv,
# selected by .python-version) and then do their job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-slow scorecard bench figures notebooks lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)  ## the flagship scenario: the January 2024 Iran–Pakistan crisis
	$(BIN)/crisis-sim run scenarios/iran_pakistan_2024.toml

test: $(STAMP)  ## the test suite (a few minutes)
	$(BIN)/python -m pytest -q -m "not slow"

test-slow: $(STAMP)  ## load tests and long fuzzing
	$(BIN)/python -m pytest -q -m slow

scorecard: $(STAMP)  ## the model on the record: MID moments, ICB scores, history cases (a few minutes)
	$(BIN)/crisis-sim scorecard --workers 2 --out results/scorecard

bench: $(STAMP)  ## performance: the ensemble against mesa.batch_run (about 5 minutes)
	$(BIN)/python benchmarks/bench.py

figures: $(STAMP)  ## the figures in README.md and docs/ (docs/figures/*.png)
	$(BIN)/python docs/figures.py

notebooks: $(STAMP)  ## the teaching notebooks in JupyterLab
	$(BIN)/python -m pip install --quiet -e '.[notebook]'
	$(BIN)/jupyter lab notebooks/

lint: $(STAMP)
	$(BIN)/ruff check sim tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
