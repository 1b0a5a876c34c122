# NN Designer: `make run` launches the app, `make test` runs the whole suite.
# Both create the virtual environment on first use.
#
# TORCH_SPEC chooses the torch requirement. Users get their platform's usual torch;
# CI and small CPU-only machines pass TORCH_SPEC=torch==2.13.0 (a CPU build).

PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format check-imports benchmarks package screenshot clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[test,onnx,tensorboard,sweep]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/nn-designer $(ARGS)

test: $(STAMP) lint check-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check designer tests benchmarks packaging resources
	$(BIN)/ruff format --check designer tests benchmarks packaging resources

format: $(STAMP)
	$(BIN)/ruff format designer tests benchmarks packaging resources
	$(BIN)/ruff check --fix designer tests benchmarks packaging resources

check-imports: $(STAMP)
	$(BIN)/lint-imports

benchmarks: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

package: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[package]"
	$(BIN)/pyinstaller --noconfirm --distpath dist --workpath build packaging/nn-designer.spec

screenshot: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m designer.ui.screenshot docs/screenshot.png
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m designer.ui.screenshot --train docs/training.png
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m designer.ui.screenshot --compare docs/diff.png
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m designer.ui.screenshot --lint docs/linter.png
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m designer.ui.screenshot --block-open docs/blocks.png
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m designer.ui.screenshot --import docs/import.png
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m designer.ui.screenshot --overlay docs/overlay.png
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m designer.ui.screenshot --runs docs/runs.png
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m designer.ui.screenshot --sweep docs/sweep.png

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .hypothesis
