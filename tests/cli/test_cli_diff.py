"""``nn-designer diff OLD NEW``: one line per difference, exit status 0 when the designs are
equal, 1 when they differ, 2 when a file cannot be read; text and JSON both escape what
a label could smuggle into a terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from designer import app
from designer.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_PROBLEMS, main
from designer.io import example_paths, load_project, save_project
from designer.model.edits import MoveNodes, Rename, SetParam

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {path.stem: path for path in example_paths()}


def saved(tmp_path: Path, name: str, *edits, example: str = "iris_mlp") -> Path:
    project = load_project(EXAMPLES[example])
    for edit in edits:
        edit.apply(project.graph)
    path = tmp_path / f"{name}.nndesign"
    save_project(project, path)
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(["diff", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_equal_designs_exit_0(tmp_path, capsys):
    moved = saved(tmp_path, "moved", MoveNodes({"n2": ((220.0, 0.0), (220.0, 300.0))}))
    status, out, err = run(capsys, str(EXAMPLES["iris_mlp"]), str(moved))
    assert status == EXIT_OK and err == ""
    assert out == "no differences (1 layer moved, which is not a difference)\n"


def test_different_designs_exit_1_with_a_line_per_difference(capsys):
    old, new = EXAMPLES["iris_mlp"], EXAMPLES["binary_classifier"]
    status, out, err = run(capsys, str(old), str(new))
    assert status == EXIT_PROBLEMS and err == ""
    assert out.splitlines() == [
        "- removed Linear 'logits'",
        "+ added Sigmoid 'probability'",
        "~ renamed Input 'measurements' → 'features'",
        "~ Input 'features': features 4 → 30",
        "~ renamed Linear 'hidden1' → 'hidden'",
        "~ Linear 'hidden': units 16 → 10",
        "~ renamed Linear 'hidden2' → 'logit'",
        "~ Linear 'logit': units 16 → 1",
        "~ Linear 'logit': activation 'relu' → 'none'",
        "~ renamed Output 'species' → 'diagnosis'",
        "~ Output 'diagnosis': loss 'cross_entropy' → 'bce'",
        "- removed wire 'hidden2' → 'logits'",
        "- removed wire 'logits' → 'species'",
        "+ added wire 'logit' → 'probability'",
        "+ added wire 'probability' → 'diagnosis'",
        "~ data.source: 'iris' → 'breast_cancer'",
        "~ data.classes: 3 → 2",
        "~ training.batch_size: 16 → 32",
        "~ training.epochs: 50 → 30",
        "19 differences",
    ]


def test_no_settings_compares_layers_and_wires_only(tmp_path, capsys):
    project = load_project(EXAMPLES["iris_mlp"])
    project.training = project.training.replace(epochs=3)
    path = tmp_path / "epochs.nndesign"
    save_project(project, path)
    assert run(capsys, str(EXAMPLES["iris_mlp"]), str(path))[:2] == (
        EXIT_PROBLEMS,
        "~ training.epochs: 50 → 3\n1 difference\n",
    )
    status, out, _ = run(capsys, "--no-settings", str(EXAMPLES["iris_mlp"]), str(path))
    assert (status, out) == (EXIT_OK, "no differences\n")


def test_json_output(tmp_path, capsys):
    new = saved(tmp_path, "new", SetParam("n2", "units", 64))
    status, out, _ = run(capsys, "--json", str(EXAMPLES["iris_mlp"]), str(new))
    assert status == EXIT_PROBLEMS
    data = json.loads(out)
    assert data["equal"] is False and data["differences"] == 1
    (change,) = data["layers"]["changed"]
    assert change["new"] == {"id": "n2", "label": "hidden1", "type": "Linear"}
    assert change["params"] == [{"name": "units", "old": 16, "new": 64}]
    status, out, _ = run(capsys, "--json", str(new), str(new))
    assert status == EXIT_OK and json.loads(out)["equal"] is True


def test_hostile_labels_are_escaped_in_text_and_json(tmp_path, capsys):
    hostile = "x\x1b]0;owned\x07\x1b[2J\r\n\u202eevil\x00"
    new = saved(tmp_path, "hostile", Rename("n2", hostile), Rename("n3", "tab\there"))
    status, out, _ = run(capsys, str(EXAMPLES["iris_mlp"]), str(new))
    assert status == EXIT_PROBLEMS
    lines = out.splitlines()
    assert len(lines) == 3  # two renames and the summary: one line each
    assert not any(c in out for c in "\x1b\x07\r\x00\u202e\t")
    assert lines[0] == r"~ renamed Linear 'hidden1' → 'x\x1b]0;owned\x07\x1b[2J\r\n\u202eevil\x00'"
    status, out, _ = run(capsys, "--json", str(EXAMPLES["iris_mlp"]), str(new))
    assert out.isascii() and not any(c in out for c in "\x1b\x07\r\x00\t")
    assert json.loads(out)["layers"]["changed"][0]["new"]["label"] == hostile


@pytest.mark.parametrize("which", ["old", "new"])
def test_an_unreadable_file_exits_2_with_one_line(tmp_path, capsys, which):
    broken = tmp_path / "broken.nndesign"
    broken.write_text('{"format": "nn-designer-project", "nodes": [', encoding="utf-8")
    good = str(EXAMPLES["iris_mlp"])
    argv = (str(broken), good) if which == "old" else (good, str(broken))
    status, out, err = run(capsys, *argv)
    assert status == EXIT_BAD_INPUT and out == ""
    assert len(err.splitlines()) == 1 and "broken.nndesign" in err and "truncated" in err


def test_a_missing_file_and_a_missing_argument_exit_2(tmp_path, capsys):
    status, out, err = run(capsys, str(EXAMPLES["iris_mlp"]), str(tmp_path / "nowhere"))
    assert status == EXIT_BAD_INPUT and out == ""
    assert err.startswith("error: cannot read") and "nowhere" in err
    status, _, err = run(capsys, str(EXAMPLES["iris_mlp"]))
    assert status == EXIT_BAD_INPUT and "the following arguments are required: new" in err


@pytest.mark.skipif(os.name != "posix", reason="named pipes are POSIX")
@pytest.mark.timeout(30)
def test_a_named_pipe_is_refused_at_once(tmp_path, capsys):
    pipe = tmp_path / "pipe.nndesign"
    os.mkfifo(pipe)
    status, _, err = run(capsys, str(EXAMPLES["iris_mlp"]), str(pipe))
    assert status == EXIT_BAD_INPUT and "not a regular file" in err


def test_the_window_entry_point_runs_the_verb(capsys):
    path = str(EXAMPLES["digits_cnn"])
    assert app.main(["diff", path, path]) == EXIT_OK
    assert capsys.readouterr().out == "no differences\n"


def test_as_a_process_without_qt(tmp_path):
    new = saved(tmp_path, "new", SetParam("n2", "units", 8))
    code = (
        "import sys; from designer.cli import main; status = main(sys.argv[1:]); "
        "print('PySide6' in sys.modules, 'torch' in sys.modules); sys.exit(status)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "diff", str(EXAMPLES["iris_mlp"]), str(new)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == EXIT_PROBLEMS, result.stderr
    assert result.stdout.splitlines() == [
        "~ Linear 'hidden1': units 16 → 8",
        "1 difference",
        "False False",
    ]
