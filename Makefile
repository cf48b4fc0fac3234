# citykpi: every set-up step lives here, so a fresh clone needs nothing but python3 and make.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_DIR ?= demo-output

.PHONY: install demo test lint format docs bench clean mutation mutation-ci

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(PY) -m citykpi demo --out $(DEMO_DIR)

lint: install
	$(PY) -m ruff check src tests benchmarks scripts
	$(PY) -m ruff format --check src tests benchmarks scripts
	$(PY) -m mypy

test: lint
	$(PY) -m pytest -q -n 2 --dist loadfile

format: install
	$(PY) -m ruff format src tests benchmarks scripts
	$(PY) -m ruff check --fix src tests benchmarks scripts

docs: install
	$(PY) scripts/gen_docs.py
	$(PY) scripts/gen_kpi_docs.py

bench: install
	$(PY) benchmarks/run_all.py

# Mutation testing (scripts/mutation.py, docs/mutation.md): every module, or the CI set.
mutation: install
	nice -n 15 $(PY) scripts/mutation.py

mutation-ci: install
	nice -n 15 $(PY) scripts/mutation.py --ci

clean:
	rm -rf $(VENV) $(DEMO_DIR) .mypy_cache .pytest_cache .ruff_cache
