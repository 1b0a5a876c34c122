"""Paths that name no regular file (a named pipe, a device, a folder) end every verb at once
with exit status 2 and one line on stderr, instead of hanging or filling memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from designer.cli import EXIT_BAD_INPUT, main

ROOT = Path(__file__).resolve().parents[2]
posix_only = pytest.mark.skipif(os.name != "posix", reason="named pipes and /dev are POSIX")


@pytest.fixture(params=["pipe", "folder", "device"])
def not_a_file(request, tmp_path) -> tuple[str, str]:
    """(path, what the message calls it) for each kind of non-regular path."""
    if request.param == "folder":
        (tmp_path / "folder.nndesign").mkdir()
        return str(tmp_path / "folder.nndesign"), "folder"
    if os.name != "posix":
        pytest.skip("named pipes and /dev are POSIX")
    if request.param == "pipe":
        os.mkfifo(tmp_path / "pipe.nndesign")
        return str(tmp_path / "pipe.nndesign"), "named pipe"
    return "/dev/zero", "device"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("verb", [["check"], ["export", "-o", "-"], ["train", "--epochs", "1"]])
def test_every_verb_refuses_what_is_not_a_regular_file(not_a_file, verb, capsys):
    path, kind = not_a_file
    assert main([*verb, path]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert path in lines[0] and kind in lines[0] and "not a regular file" in lines[0]
    assert "Traceback" not in captured.err


@posix_only
def test_check_of_a_pipe_returns_promptly_as_a_process(tmp_path):
    pipe = tmp_path / "p.nndesign"
    os.mkfifo(pipe)
    result = subprocess.run(
        [sys.executable, "-m", "designer.cli", "check", str(pipe)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == EXIT_BAD_INPUT
    assert result.stderr.strip().splitlines() == [
        f"error: cannot read {str(pipe)!r}: this is a named pipe (FIFO), not a regular file"
    ]


@posix_only
@pytest.mark.timeout(60)
@pytest.mark.parametrize(("source", "data"), [("csv", "pipe"), ("npz", "pipe"), ("csv", "zero")])
def test_train_refuses_a_data_path_that_is_not_a_regular_file(tmp_path, capsys, source, data):
    from designer.io import load_project, save_project
    from designer.model.settings import DataSettings

    data_path = "/dev/zero" if data == "zero" else str(tmp_path / f"data.{source}")
    if data == "pipe":
        os.mkfifo(data_path)
    project = load_project(ROOT / "resources" / "examples" / "iris_mlp.nndesign")
    project.data = DataSettings(source=source, path=data_path)
    path = tmp_path / "p.nndesign"
    save_project(project, path)
    assert main(["train", str(path), "--epochs", "1"]) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and repr(data_path) in lines[0], captured.err
    assert "not a regular file" in lines[0] and "Traceback" not in captured.err
