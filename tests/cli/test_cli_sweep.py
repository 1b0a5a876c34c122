"""``nn-designer sweep``: one line per trial and the best at the end, exit statuses, one
study shared by two processes through one SQLite storage, and a clean Ctrl+C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

optuna = pytest.importorskip("optuna")

from sweep_designs import save_tiny  # noqa: E402

from designer.cli import EXIT_INTERRUPTED, main  # noqa: E402
from designer.io import load_project, save_project  # noqa: E402
from designer.model.sweep import SweepSettings  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 240


def sweep(*args: str) -> subprocess.Popen:
    """``nn-designer-cli sweep ARGS`` in a process of its own (its own process group, as
    a command typed in a terminal)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "designer.cli", "sweep", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        start_new_session=True,
    )


def trials_in(storage: str, study: str) -> list:
    return optuna.load_study(study_name=study, storage=storage).trials


def test_prints_a_line_per_trial_and_the_best(tmp_path, capsys) -> None:
    path = save_tiny(tmp_path)
    status = main(["sweep", str(path), "--trials", "2"])
    out = capsys.readouterr().out.splitlines()
    assert status == 0
    assert out[0].startswith(
        "Sweeping 2 parameters for the best accuracy (tpe): 2 trials in 1 process"
    )
    assert "study 'tiny' in sqlite:///" in out[0] and out[0].endswith("tiny.sweeps.sqlite")
    lines = sorted(out[1:3])
    for number, line in enumerate(lines):
        assert line.startswith(f"trial   {number}  complete  accuracy ")
        assert "learning_rate=" in line and "hidden.units=" in line
    assert out[3] == "Study 'tiny': 2 trials (2 complete, 0 pruned, 0 failed or running)"
    assert out[4].startswith("Best: trial ") and "accuracy" in out[4]
    assert (tmp_path / "tiny.sweeps.sqlite").is_file()


def test_grid_sampler_stops_when_the_grid_is_done(tmp_path, capsys) -> None:
    path = save_tiny(tmp_path)
    project = load_project(path)
    (lr, _units) = project.sweep.parameters
    project.sweep = project.sweep.replace(parameters=(lr.replace(low=0.01, high=0.02, log=False),))
    save_project(project, path)
    storage = f"sqlite:///{tmp_path / 'grid.sqlite'}"
    status = main(["sweep", str(path), "--trials", "9", "--sampler", "grid", "--storage", storage])
    assert status == 0
    values = sorted(t.params["training.learning_rate"] for t in trials_in(storage, "tiny"))
    assert values == [0.01, 0.0125, 0.015, 0.0175, 0.02]  # five points, each once


def test_a_project_without_a_space_is_status_1_and_one_line(tmp_path, capsys) -> None:
    path = save_tiny(tmp_path)
    project = load_project(path)
    project.sweep = SweepSettings()
    save_project(project, path)
    assert main(["sweep", str(path), "--trials", "1"]) == 1
    err = capsys.readouterr().err
    assert err == "error: cannot sweep: choose at least one parameter to sweep\n"
    assert not (tmp_path / "tiny.sweeps.sqlite").exists()


def test_without_optuna_it_says_what_to_install(tmp_path, capsys, monkeypatch) -> None:
    path = save_tiny(tmp_path)
    monkeypatch.setitem(sys.modules, "optuna", None)  # as if it were not installed
    assert main(["sweep", str(path)]) == 1
    assert capsys.readouterr().err == (
        'error: cannot sweep: Sweeps need Optuna: pip install "nn-designer[sweep]"\n'
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trials", "0"], "error: --trials must be at least 1, got 0\n"),
        (["--jobs", "-2"], "error: --jobs must be at least 1, got -2\n"),
    ],
)
def test_bad_options_are_status_2(tmp_path, capsys, args, message) -> None:
    assert main(["sweep", str(save_tiny(tmp_path)), *args]) == 2
    assert capsys.readouterr().err == message


def test_an_unreadable_project_is_status_2(tmp_path, capsys) -> None:
    path = tmp_path / "broken.nndesign"
    path.write_text("{", encoding="utf-8")
    assert main(["sweep", str(path)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {path}: ")


def test_two_processes_share_one_sqlite_study(tmp_path) -> None:
    path = save_tiny(tmp_path)
    storage = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    options = [str(path), "--trials", "2", "--storage", storage, "--study", "shared"]
    processes = [sweep(*options), sweep(*options)]
    outputs = [process.communicate(timeout=WAIT_S) for process in processes]
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        assert sum(line.startswith("trial ") for line in out.splitlines()) == 2
    trials = trials_in(storage, "shared")
    assert sorted(t.number for t in trials) == [0, 1, 2, 3]
    assert {t.state.name for t in trials} == {"COMPLETE"}


def test_ctrl_c_stops_the_workers_and_leaves_no_trial_running(tmp_path) -> None:
    path = save_tiny(tmp_path, epochs=20)
    storage = f"sqlite:///{tmp_path / 'stop.sqlite'}"
    process = sweep(str(path), "--trials", "10000", "--jobs", "2", "--storage", storage)
    assert process.stdout.readline().startswith("Sweeping"), process.stderr.read()
    assert process.stdout.readline().startswith("trial "), process.stderr.read()
    os.killpg(process.pid, signal.SIGINT)  # as Ctrl+C in a terminal: the whole group
    out, err = process.communicate(timeout=WAIT_S)
    assert process.returncode == EXIT_INTERRUPTED
    assert err == "interrupted\n"
    trials = trials_in(storage, "tiny")
    assert 1 <= len(trials) < 10000
    assert all(t.state.name in ("COMPLETE", "PRUNED", "FAIL") for t in trials)  # none running
    for trial in trials:
        if trial.state.name == "FAIL":
            assert trial.user_attrs["reason"] == "stopped before it finished"
            assert f"trial {trial.number:>3}  failed  " in out
    assert _children_of(process.pid) == []


def _children_of(pid: int) -> list[int]:
    result = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(line) for line in result.stdout.split()]
