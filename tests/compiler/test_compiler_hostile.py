"""Hostile labels, names and paths cannot inject code into anything the compiler writes.

Every generated file must parse, run without side effects (a marker file is never
created), and contain the user's text only inside string literals.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tokenize

import pytest
import torch
from test_compiler_codegen import assert_ruff_clean
from test_compiler_equivalence import exec_source

from designer.compiler import compile_design, generate_module_code
from designer.model import DataSettings, Graph, Project, TrainingSettings
from designer.training.script import generate_script

PAYLOAD = "__import__('os').system('touch PWNED')"
HOSTILE = [
    PAYLOAD,
    "x'); __import__('os').system('touch PWNED'); ('",
    'x"); __import__("os").system("touch PWNED"); ("',
    "a\n    import os; os.system('touch PWNED')\n",
    "'''\nimport os\n'''",
    '"""\nimport os\n"""',
    "# comment\nimport os",
    "\\",
    "\x00",
    "\x1b[31mred",
    "\u202eevil",
    "日本語",
    "Ωμέγα",
    "class",
    "def",
    "self",
    "torch",
    "F",
    "x",
    "forward",
    "training",
    "__class__",
    "_modules",
    "state_dict",
    "load",
    "utils",
    "match",
    "None",
    "1st",
    "p" * 10_000,
]


def hostile_graph() -> Graph:
    """A small valid network whose every label is hostile."""
    graph = Graph()
    labels = iter(HOSTILE * 2)
    last = graph.add_node("Input", {"features": 2}, label=next(labels)).id
    branch_start = last
    for _ in range(len(HOSTILE) - 3):
        node = graph.add_node("Linear", {"units": 2, "activation": "tanh"}, label=next(labels))
        graph.connect(last, "out", node.id, "in")
        last = node.id
    add = graph.add_node("Add", label=next(labels))
    graph.connect(last, "out", add.id, "in")
    graph.connect(branch_start, "out", add.id, "in")
    out = graph.add_node("Output", label=next(labels))
    graph.connect(add.id, "out", out.id, "in")
    return graph


def code_without_strings(source: str) -> str:
    """The source with every string literal removed (what could execute)."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return " ".join(t.string for t in tokens if t.type != tokenize.STRING)


def assert_text_only_in_strings(source: str, texts: list[str]) -> None:
    ast.parse(source)
    outside = code_without_strings(source)
    for text in texts:
        if re.search(r"\W", text, re.ASCII) and len(text.strip()) > 2:  # not a bare name
            assert text not in outside
    assert "PWNED" not in outside
    comments = [line for line in source.splitlines() if line.lstrip().startswith("#")]
    assert comments == []


def test_module_code_is_safe(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = generate_module_code(hostile_graph()).source
    assert_text_only_in_strings(source, HOSTILE)
    namespace = exec_source(source)
    net = namespace["Net"]()
    net(torch.zeros(3, 2))
    assert not (tmp_path / "PWNED").exists()
    assert max(len(line) for line in source.splitlines()) <= 100


def test_in_app_model_keeps_working_with_hostile_labels(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    compiled = compile_design(hostile_graph())
    model = compiled.module
    assert callable(model.forward) and model.training is True
    assert model(torch.zeros(4, 2)).shape == (4, 2)
    assert all(name.isidentifier() and len(name) <= 40 for name in compiled.nodes)
    assert not (tmp_path / "PWNED").exists()


def hostile_project(**data: object) -> Project:
    settings = DataSettings(source="moons", samples=60, **data)
    training = TrainingSettings(epochs=1, batch_size=16)
    name = f"My {PAYLOAD} '''\"\"\" \\ \n {HOSTILE[2]}"
    return Project(hostile_graph(), settings, training, {"name": name})


def test_script_is_safe_to_import_and_run(tmp_path):
    source = generate_script(hostile_project()).source
    assert_text_only_in_strings(source, [*HOSTILE, PAYLOAD])
    (tmp_path / "model.py").write_text(source)
    assert_ruff_clean(tmp_path)
    run = [sys.executable, "-c", "import model"]
    result = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    run = [sys.executable, "model.py", "--epochs", "1", "--device", "cpu"]
    result = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "epoch 1/1" in result.stdout
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize(
    "path",
    [f"data/{PAYLOAD}.csv", "a'\"b\n.csv", "\u202ecsv.exe", "C:\\new\\table.csv"],
)
def test_file_paths_and_columns_stay_in_strings(path):
    project = hostile_project(path=path, target_column=PAYLOAD)
    project.data = DataSettings(source="csv", path=path, target_column=PAYLOAD)
    source = generate_script(project).source
    assert_text_only_in_strings(source, [path, PAYLOAD])
    literals = [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert path in literals and PAYLOAD in literals
    assert source.isascii()
