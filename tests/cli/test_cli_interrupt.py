"""Ctrl+C anywhere in a verb ends it with one line, "interrupted", and exit status 130,
leaving no temporary or half-written file behind."""

from __future__ import annotations

import importlib
import importlib.abc
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from designer.cli import EXIT_INTERRUPTED, interrupts_outside_imports, main
from designer.io import load_project, save_project
from designer.training.run_store import RunStore

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "iris_mlp.nndesign"
RECORDED = {"iris.nndesign", "iris.runs.sqlite"}  # the run store, and no journal left


def interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.fixture
def project_file(tmp_path) -> Path:
    project = load_project(EXAMPLE)
    project.training = project.training.replace(epochs=3)
    path = tmp_path / "iris.nndesign"
    save_project(project, path)
    return path


def assert_interrupted(status: int, capsys, folder: Path, expected: set[str]) -> str:
    """Check the status, the one line and the folder's files; returns what was printed."""
    captured = capsys.readouterr()
    assert status == EXIT_INTERRUPTED
    assert captured.err == "interrupted\n"
    assert {p.name for p in folder.iterdir()} == expected  # no temporary files
    return captured.out


class _Interrupting(importlib.abc.MetaPathFinder):
    """Raises KeyboardInterrupt when one module is imported, as Ctrl+C during a slow
    import (torch) does."""

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, fullname, path, target=None):
        if fullname == self.name:
            raise KeyboardInterrupt
        return None


def test_interrupted_while_importing(project_file, capsys, monkeypatch):
    monkeypatch.delitem(sys.modules, "designer.cli.train_run", raising=False)
    finder = _Interrupting("designer.cli.train_run")
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    status = main(["train", str(project_file)])
    assert_interrupted(status, capsys, project_file.parent, {"iris.nndesign"})


@pytest.mark.parametrize("verb", ["check", "train", "export"])
def test_interrupted_while_loading_the_project(project_file, capsys, monkeypatch, verb):
    monkeypatch.setattr("designer.io.load.project_from_json", interrupt)
    extra = ["-o", str(project_file.parent / "m.py")] if verb == "export" else []
    status = main([verb, str(project_file), *extra])
    assert_interrupted(status, capsys, project_file.parent, {"iris.nndesign"})


def test_interrupted_while_loading_data(project_file, capsys, monkeypatch):
    monkeypatch.setattr("designer.training.session.load_dataset", interrupt)
    status = main(["train", str(project_file)])
    assert_interrupted(status, capsys, project_file.parent, {"iris.nndesign"})


def test_interrupted_while_training(project_file, capsys, monkeypatch):
    from designer.cli import train_run as headless
    from designer.training.loop import EpochProgress

    real_train = headless.train

    def train_until_the_first_epoch(*args, **kwargs):
        for record in real_train(*args, **kwargs):
            yield record
            if isinstance(record, EpochProgress):
                raise KeyboardInterrupt

    monkeypatch.setattr(headless, "train", train_until_the_first_epoch)
    weights = project_file.parent / "w.safetensors"
    status = main(["train", str(project_file), "--save-weights", str(weights)])
    out = assert_interrupted(status, capsys, project_file.parent, RECORDED)
    assert "epoch 1/3" in out and "epoch 2/3" not in out
    assert_recorded_as_interrupted(project_file.parent / "iris.runs.sqlite", epochs=1)


def assert_recorded_as_interrupted(store_file: Path, epochs: int | None = None) -> None:
    """The run store holds the cut-short run, marked so, with the epochs it finished."""
    with RunStore.open(store_file) as store:
        [(run_id, status)] = store.query("SELECT id, status FROM runs")
        [(count,)] = store.query("SELECT count(*) FROM epochs WHERE run_id = ?", (run_id,))
    assert status == "interrupted"
    if epochs is not None:
        assert count == epochs


def test_interrupted_while_saving_the_weights(project_file, capsys, monkeypatch):
    monkeypatch.setattr(os, "replace", interrupt)
    weights = project_file.parent / "w.safetensors"
    status = main(["train", str(project_file), "--save-weights", str(weights)])
    assert_interrupted(status, capsys, project_file.parent, RECORDED)  # the run had ended


def test_interrupted_while_exporting(project_file, capsys, monkeypatch):
    monkeypatch.setattr(os, "replace", interrupt)
    status = main(["export", str(project_file), "-o", str(project_file.parent / "m.py")])
    assert_interrupted(status, capsys, project_file.parent, {"iris.nndesign"})


def test_interrupted_while_checking(project_file, capsys, monkeypatch):
    monkeypatch.setattr("designer.model.infer_shapes", interrupt)
    status = main(["check", str(project_file)])
    assert_interrupted(status, capsys, project_file.parent, {"iris.nndesign"})


def test_the_window_entry_point_is_interrupted_in_one_line(capsys, monkeypatch):
    from designer import app

    monkeypatch.setattr(app, "run", interrupt)
    assert app.main([]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "interrupted\n"


@pytest.mark.timeout(60)
@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_ctrl_c_during_an_import_waits_for_the_import(tmp_path, monkeypatch):
    """An interrupt inside an extension's import can abort the process; it is held until
    the import is over, then raised."""
    (tmp_path / "slow_module.py").write_text(
        "import os, signal\n"
        "os.kill(os.getpid(), signal.SIGINT)  # Ctrl+C in the middle of the import\n"
        "total = sum(range(100_000))\n"
        "finished = True\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_module", raising=False)
    imported = []
    with pytest.raises(KeyboardInterrupt), interrupts_outside_imports():
        imported.append(importlib.import_module("slow_module"))
        for _ in range(10**9):  # busy, so the held interrupt is handled here
            pass
    assert imported and imported[0].finished
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_ctrl_c_outside_imports_is_raised_at_once():
    after = []
    with pytest.raises(KeyboardInterrupt), interrupts_outside_imports():
        os.kill(os.getpid(), signal.SIGINT)
        after.append("the next statement ran")
    assert after == []


@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_ctrl_c_during_a_real_run(tmp_path):
    project = load_project(EXAMPLE)
    project.training = project.training.replace(epochs=100_000)
    path = tmp_path / "iris.nndesign"
    save_project(project, path)
    weights = tmp_path / "w.safetensors"
    process = subprocess.Popen(
        [sys.executable, "-m", "designer.cli", "train", str(path), "--save-weights", str(weights)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()  # waits until the run has started
        assert first.startswith("Training"), first + process.stderr.read()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == EXIT_INTERRUPTED, err
    assert err.splitlines()[-1:] == ["interrupted"] and "Traceback" not in err
    assert {p.name for p in tmp_path.iterdir()} == RECORDED, err
    assert_recorded_as_interrupted(tmp_path / "iris.runs.sqlite")
