# lane-edge: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip "setuptools>=77" wheel
	$(PY) -m pip install -q -e '.[test,lint]'
	touch $(STAMP)

demo: $(STAMP)  ## broker + simulated lane + daemon; booth page URL printed; Ctrl-C stops cleanly
	$(VENV)/bin/lane-sim demo --scenario rush-hour --speed 2 --workdir var/demo

test: $(STAMP)  ## the whole suite
	$(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) tools/typed_tree.py
	cd build/typed && ../../$(VENV)/bin/mypy --config-file ../../pyproject.toml

bench: $(STAMP)  ## writes bench/results.json and prints a table
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
