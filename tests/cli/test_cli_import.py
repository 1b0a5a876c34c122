"""``nn-designer-cli import``: the project and weights written, and exit statuses."""

from __future__ import annotations

import textwrap

import pytest
import torch

from designer.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_PROBLEMS, main
from designer.compiler import compile_design, load_weights
from designer.io import load_project

MODEL = textwrap.dedent("""
    import torch
    from torch import nn


    class Small(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3, padding=1)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            x = torch.relu(self.conv(x))
            return self.fc(torch.flatten(self.pool(x), 1))
""")


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "small.py"
    path.write_text(MODEL)
    return path


def test_import_writes_the_project_and_the_weights_under_the_designs_names(
    model_file, tmp_path, capsys
):
    from designer.compiler.fx_import import load_file

    model = load_file(model_file).Small().eval()
    torch.save(model.state_dict(), tmp_path / "small.pt")
    out = tmp_path / "small.nndesign"
    argv = ["import", str(model_file), "-o", str(out), "--input-shape", "1x8x8"]
    assert main([*argv, "--weights", str(tmp_path / "small.pt")]) == EXIT_OK
    err = capsys.readouterr().err
    assert "imported Small: 5 layers, 55 parameters" in err
    assert f"wrote {tmp_path / 'small.safetensors'}" in err
    project = load_project(out)
    types = [node.type for node in project.graph]
    assert types == ["Input", "Conv2d", "ReLU", "AdaptiveAvgPool2d", "Flatten", "Linear", "Output"]
    imported = compile_design(project.graph).module.eval()
    load_weights(imported, tmp_path / "small.safetensors")
    x = torch.randn(2, 1, 8, 8)
    with torch.no_grad():
        assert torch.equal(imported(x), model(x))


def test_a_model_with_unmappable_parts_exits_1_with_one_line(tmp_path, capsys):
    path = tmp_path / "odd.py"
    path.write_text(MODEL.replace("torch.relu(", "torch.sin("))
    out = tmp_path / "odd.nndesign"
    assert main(["import", str(path), "-o", str(out), "--input-shape", "1x8x8"]) == EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "odd.py, line 14 (torch.sin)" in err
    assert not out.exists()


def test_bad_shapes_and_missing_files_exit_2(model_file, tmp_path, capsys):
    out = str(tmp_path / "x.nndesign")
    assert main(["import", str(model_file), "-o", out, "--input-shape", "1by8"]) == EXIT_BAD_INPUT
    assert main(["import", str(tmp_path / "none.py"), "-o", out]) == EXIT_BAD_INPUT
    assert main(["import", str(model_file), "-o", out]) == EXIT_BAD_INPUT
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3 and "--input-shape" in lines[2]


def test_the_help_says_importing_runs_the_file(capsys):
    assert main(["import", "--help"]) == EXIT_OK
    assert "runs the file's Python code" in " ".join(capsys.readouterr().out.split())


TWICE = MODEL.replace(
    "self.fc = nn.Linear(4, 3)", "self.fc = nn.Sequential(Unit(), Unit())"
).replace(
    "class Small",
    "class Unit(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.fc = nn.Linear(4, 4)\n\n    def forward(self, x):\n"
    "        return torch.relu(self.fc(x))\n\n\n"
    "class Small",
)


@pytest.mark.parametrize("flat", [False, True])
def test_a_class_used_twice_is_one_block_unless_flat(tmp_path, capsys, flat):
    source = tmp_path / "twice.py"
    source.write_text(TWICE)
    out = tmp_path / "twice.nndesign"
    argv = ["import", str(source), "-o", str(out), "--input-shape", "1x8x8", "--class", "Small"]
    assert main([*argv, *(["--flat"] if flat else [])]) == EXIT_OK
    err = capsys.readouterr().err
    graph = load_project(out).graph
    if flat:
        assert "imported Small: 8 layers, 80 parameters" in err and len(graph.blocks) == 0
    else:
        assert "imported Small: 4 layers, 2 instances of 1 block, 80 parameters" in err
        assert graph.blocks.names() == ["Unit"]
