"""`nn-designer train` trains headless; the GUI entry point dispatches verbs without Qt."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from designer.app import main as app_main
from designer.cli import main as cli_main

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "iris_mlp.nndesign"


def test_train_prints_progress_and_saves_weights(tmp_path, capsys):
    weights = tmp_path / "w.safetensors"
    project = tmp_path / EXAMPLE.name  # a copy: a run is recorded beside its project
    shutil.copy(EXAMPLE, project)
    status = cli_main(["train", str(project), "--epochs", "2", "--save-weights", str(weights)])
    out = capsys.readouterr().out
    assert status == 0
    assert "epoch 1/2" in out and "epoch 2/2" in out
    assert "accuracy" in out
    assert weights.stat().st_size > 0


def test_train_bad_option_is_one_line(tmp_path, capsys):
    status = cli_main(["train", str(EXAMPLE), "--epochs", "0"])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1 and "epochs" in err


def test_train_missing_file_exit_2(tmp_path, capsys):
    assert cli_main(["train", str(tmp_path / "nope.nndesign")]) == 2
    assert "nope.nndesign" in capsys.readouterr().err


def test_gui_entry_point_runs_verbs_headless(capsys):
    assert app_main(["check", str(EXAMPLE)]) == 0
    assert "total:" in capsys.readouterr().out


def test_verbs_do_not_import_qt():
    code = (
        "import sys; from designer.app import main; "
        f"main(['check', {str(EXAMPLE)!r}]); "
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
