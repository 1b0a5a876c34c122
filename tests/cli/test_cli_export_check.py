"""``nn-designer-cli check`` and ``export``: output, files written and exit statuses."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from designer.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_PROBLEMS, main
from designer.model import Graph, Project, TrainingSettings

io = pytest.importorskip("designer.io")
ROOT = Path(__file__).resolve().parents[2]


def mlp_project(label: str = "hidden") -> Project:
    graph = Graph()
    source = graph.add_node("Input", {"features": 2})
    fc = graph.add_node("Linear", {"units": 8, "activation": "relu"}, label=label)
    head = graph.add_node("Linear", {"units": 2})
    out = graph.add_node("Output")
    for a, b in [(source, fc), (fc, head), (head, out)]:
        graph.connect(a.id, "out", b.id, "in")
    return Project(graph, training=TrainingSettings(epochs=1), metadata={"name": "cli"})


@pytest.fixture
def project_file(tmp_path) -> Path:
    path = tmp_path / "mlp.nndesign"
    io.save_project(mlp_project(), path)
    return path


def test_check_lists_layers_and_totals(project_file, capsys):
    assert main(["check", str(project_file)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "hidden" in out and "Linear" in out and "N×8" in out
    assert "total: 42 parameters" in out
    # 2 + 8 + 2 + 2 float32 outputs per sample, twice while training
    assert "multiply-adds, 112 bytes of activations per sample in training (4 layers)" in out
    assert "error" not in out


def test_check_reports_problems_with_status_1(tmp_path, capsys):
    project = mlp_project("dangling\x1b[2J")
    graph = project.graph
    graph.add_node("Linear", label="loose")
    path = tmp_path / "bad.nndesign"
    io.save_project(project, path)
    assert main(["check", str(path)]) == EXIT_PROBLEMS
    out = capsys.readouterr().out
    assert "error: Linear 'loose': its input is not connected" in out
    assert "\x1b" not in out  # control characters are escaped for the terminal
    assert "dangling\\x1b[2J" in out


def test_a_design_with_errors_prints_no_partial_totals(tmp_path, capsys):
    project = mlp_project()
    graph = project.graph
    loose = graph.add_node("Linear", {"units": 1000}, label="loose")
    graph.connect(loose.id, "out", graph.add_node("ReLU").id, "in")
    path = tmp_path / "bad.nndesign"
    io.save_project(project, path)
    assert main(["check", str(path)]) == EXIT_PROBLEMS
    lines = capsys.readouterr().out.splitlines()
    total = next(line for line in lines if line.startswith("total:"))
    assert total == "total: 6 layers; parameters and memory unknown until the errors are fixed"
    assert next(line for line in lines if line.startswith("loose")).split()[-2:] == ["?", "?"]


def test_check_warns_of_a_design_too_large_for_memory(tmp_path, capsys):
    graph = Graph()
    image = {"kind": "image", "channels": 3, "height": 2048, "width": 2048}
    source = graph.add_node("Input", image)
    conv = graph.add_node("Conv2d", {"out_channels": 32, "padding": 1}, label="wide")
    pool = graph.add_node("GlobalAvgPool2d")
    out = graph.add_node("Output")
    for a, b in [(source, conv), (conv, pool), (pool, out)]:
        graph.connect(a.id, "out", b.id, "in")
    path = tmp_path / "big.nndesign"
    io.save_project(Project(graph), path)
    assert main(["check", "--no-data", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "1.1 GB of activations per sample in training" in out
    assert "warning NN306: Conv2d 'wide': training needs about 1.1 GB of activation memory" in out
    assert main(["check", "--no-data", "--strict", str(path)]) == EXIT_PROBLEMS


def test_warnings_fail_only_with_strict(tmp_path, capsys):
    project = mlp_project()
    graph = project.graph
    spare = graph.add_node("ReLU")
    graph.connect(graph.nodes_of_role("input")[0], "out", spare.id, "in")
    path = tmp_path / "warn.nndesign"
    io.save_project(project, path)
    assert main(["check", str(path)]) == EXIT_OK
    assert "warning:" in capsys.readouterr().out
    assert main(["check", "--strict", str(path)]) == EXIT_PROBLEMS


@pytest.mark.parametrize("content", [b"{not json", b"\x00\xff", b'{"format": "other"}'])
def test_bad_files_exit_2_with_one_line(tmp_path, capsys, content):
    path = tmp_path / "broken.nndesign"
    path.write_bytes(content)
    for verb in (["check"], ["export", "-o", str(tmp_path / "m.py")]):
        assert main([*verb, str(path)]) == EXIT_BAD_INPUT
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: cannot read")
        assert "Traceback" not in captured.err
    assert not (tmp_path / "m.py").exists()


def test_missing_file_and_usage_errors(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.nndesign")]) == EXIT_BAD_INPUT
    assert main([]) == EXIT_BAD_INPUT
    assert main(["export", "x.nndesign"]) == EXIT_BAD_INPUT  # -o is required
    capsys.readouterr()


def test_export_writes_script_weights_and_onnx(project_file, tmp_path, capsys):
    script, weights, model = tmp_path / "model.py", tmp_path / "w.safetensors", tmp_path / "m.onnx"
    arguments = [str(project_file), "-o", str(script), "--weights", str(weights)]
    if _has_onnx():
        arguments += ["--onnx", str(model)]
    assert main(["export", *arguments]) == EXIT_OK
    ast.parse(script.read_text())
    assert "class Net(nn.Module):" in script.read_text()
    assert weights.stat().st_size > 0
    assert model.exists() == _has_onnx()
    assert script.stat().st_mode & 0o777 == 0o644 or os.name != "posix"


def test_export_to_stdout(project_file, capsys):
    assert main(["export", str(project_file), "-o", "-"]) == EXIT_OK
    assert "def main(" in capsys.readouterr().out


def test_export_of_an_invalid_design_exits_1(tmp_path, capsys):
    project = mlp_project()
    project.graph.add_node("Output", {"loss": "mse"})
    path = tmp_path / "two.nndesign"
    io.save_project(project, path)
    assert main(["export", str(path), "-o", str(tmp_path / "m.py")]) == EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Output" in err
    assert not (tmp_path / "m.py").exists()


def test_check_needs_neither_qt_nor_torch(project_file):
    program = (
        "import sys; from designer.cli import main; code = main(['check', sys.argv[1]]);"
        "heavy = [m for m in ('PySide6', 'torch') if m in sys.modules];"
        "assert not heavy, heavy; sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", program, str(project_file)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def _has_onnx() -> bool:
    try:
        import onnx  # noqa: F401
    except ImportError:
        return False
    return True
