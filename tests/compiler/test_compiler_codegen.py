"""Generated model source: ruff-clean, deterministic, readable, mapped to its nodes."""

from __future__ import annotations

import ast
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_compiler_graphs import WIDE_SEEDS, chain, link, random_graph, wide_graph

from designer.compiler import generate_module_code, lower
from designer.compiler.printer import format_statement
from designer.model import Graph

RULES = "E,F,W,I,B,UP,N,SIM,RUF"
# N812 flags ``import torch.nn.functional as F``, the idiom every PyTorch reader expects.
IGNORED = "N812"


def ruff_executable() -> str:
    local = Path(sys.executable).with_name("ruff")
    found = str(local) if local.exists() else shutil.which("ruff")
    if not found:
        pytest.skip("ruff is not installed")
    return found


def assert_ruff_clean(folder: Path) -> None:
    """``ruff check`` with the project's rule set, with ruff's own default rules (what a
    user's editor runs on a file it knows nothing about) and with the return rules
    (RET), and ``ruff format --check``, find nothing."""
    ruff = ruff_executable()
    common = ["--isolated", "--line-length", "100"]
    for rules in (["--select", RULES, "--ignore", IGNORED], [], ["--select", "RET501,RET502"]):
        check = [ruff, "check", *common, *rules, str(folder)]
        result = subprocess.run(check, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
    form = [ruff, "format", *common, "--check", "--diff", str(folder)]
    result = subprocess.run(form, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[:6000] + result.stderr


def long_name_graph() -> Graph:
    """Long labels and wide merges, so that many statements must be wrapped."""
    graph = Graph()
    source = graph.add_node("Input", {"features": 4}, label="i" * 60)
    branches = []
    for index in range(7):
        label = f"{'branch' * 8}{index}"
        fc = graph.add_node("Linear", {"units": 4, "activation": "leaky_relu"}, label=label)
        graph.connect(source.id, "out", fc.id, "in")
        branches.append(fc.id)
    for merge in ("Add", "Multiply", "Concatenate"):
        node = graph.add_node(merge, label=merge.lower() * 12)
        for branch in branches:
            graph.connect(branch, "out", node.id, "in")
        out = graph.add_node("Output", {"loss": "mse"}, label=f"out {merge}")
        graph.connect(node.id, "out", out.id, "in")
    sequence = graph.add_node("Input", {"kind": "sequence", "features": 8}, label="s" * 50)
    lstm = graph.add_node("LSTM", {"bidirectional": True}, label="l" * 45)
    attention = graph.add_node("SelfAttention", label="a" * 45)
    reshape = graph.add_node("Reshape", {"shape": [2, 2, 2, 2, 2, 2, 1]}, label="r" * 45)
    out = graph.add_node("Output", {"loss": "mse"})
    link(graph, sequence.id, attention.id, lstm.id, reshape.id, out.id)
    return graph


def long_parts_graph() -> Graph:
    """Layers with several outputs whose names make the unpacking too long for a line."""
    graph = Graph()
    source = graph.add_node("Input", {"features": 8}, label="x" * 60)
    previous = source.id
    for chunks, label_length in ((2, 38), (2, 45), (8, 30), (4, 12)):
        chunk = graph.add_node("Chunk", {"chunks": chunks}, label="c" * label_length)
        graph.connect(previous, "out", chunk.id, "in")
        joined = graph.add_node("Concatenate")
        for index in range(1, chunks + 1):
            graph.connect(chunk.id, f"part{index}", joined.id, "in")
        previous = joined.id
    split = graph.add_node("Split", {"sizes": [1, 1, 1, 1, 1, 1, 1, -1]}, label="s" * 40)
    graph.connect(previous, "out", split.id, "in")
    out = graph.add_node("Output", {"loss": "mse"})
    graph.connect(split.id, "part8", out.id, "in")
    return graph


def test_several_outputs_unpack_and_unused_ones_are_underscores():
    graph = Graph()
    x = graph.add_node("Input", {"features": 6}, label="features")
    halves = graph.add_node("Chunk", {"chunks": 3}, label="thirds")
    out = graph.add_node("Output", {"loss": "mse"})
    graph.connect(x.id, "out", halves.id, "in")
    graph.connect(halves.id, "part2", out.id, "in")
    source = generate_module_code(graph).source
    assert "_, thirds_part2, _ = torch.chunk(features, 3, dim=-1)" in source
    assert "return thirds_part2" in source


def test_generated_modules_are_ruff_clean(tmp_path):
    graphs = [random_graph(seed) for seed in range(80)]
    graphs += [wide_graph(seed) for seed in range(WIDE_SEEDS)]
    graphs += [chain([8, 4, 2]), long_name_graph(), long_parts_graph()]
    for index, graph in enumerate(graphs):
        (tmp_path / f"model_{index}.py").write_text(generate_module_code(graph).source)
    assert_ruff_clean(tmp_path)


def test_source_is_readable():
    graph = chain([16, 3], features=30)
    source = generate_module_code(graph).source
    assert source.startswith("import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):")
    assert "        self.fc1 = nn.Linear(in_features=30, out_features=16)\n" in source
    assert "        fc1 = self.fc1(input1)\n" in source
    assert "    def forward(self, input1: torch.Tensor) -> torch.Tensor:\n" in source
    assert "bias" not in source  # equal to torch's default, so left out
    assert "#" not in source


def test_functional_import_only_when_used():
    plain = generate_module_code(chain([3])).source
    assert "functional" not in plain
    graph = chain([3])
    graph.set_param(next(n.id for n in graph if n.type == "Linear"), "activation", "gelu")
    assert "import torch.nn.functional as F\n" in generate_module_code(graph).source


def test_non_default_keywords_are_kept():
    graph = chain([3])
    graph.set_param(next(n.id for n in graph if n.type == "Linear"), "bias", False)
    assert "nn.Linear(in_features=4, out_features=3, bias=False)" in (
        generate_module_code(graph).source
    )


def test_same_design_gives_the_same_bytes():
    graph = random_graph(23)
    first = generate_module_code(graph).source
    for index, node in enumerate(graph):
        graph.move_node(node.id, 37.0 * index, 11.0)
    assert generate_module_code(graph).source == first
    assert generate_module_code(random_graph(23)).source == first


def test_bytes_do_not_depend_on_hash_seeds():
    program = (
        "import sys; sys.path[:0] = ['tests/compiler'];"
        "from test_compiler_graphs import random_graph;"
        "from designer.compiler import generate_module_code;"
        "from designer.training.script import generate_script;"
        "from designer.model import Project;"
        "print(generate_module_code(random_graph(31)).source);"
        "print(generate_script(Project(random_graph(2))).source)"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, env=env,
            cwd=Path(__file__).resolve().parents[2], check=True, timeout=120,
        )  # fmt: skip
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_lines_map_to_their_nodes():
    graph = long_name_graph()
    code = generate_module_code(graph)
    lines = code.source.splitlines()
    ir = lower(graph)
    for step in ir.steps:
        mapped = [lines[n - 1] for n, node in code.line_to_node.items() if node == step.node_id]
        assert any(line.strip().startswith(f"{step.output} =") for line in mapped)
        if step.attribute:
            assert any(f"self.{step.attribute} = " in line for line in mapped)
    returns = [n for n, line in enumerate(lines, 1) if line.strip().startswith("return")]
    assert code.line_to_node[returns[0]] in {o.node_id for o in ir.outputs}
    assert all(1 <= n <= len(lines) for n in code.line_to_node)


def test_module_code_parses_and_wraps_long_statements():
    source = generate_module_code(long_name_graph()).source
    ast.parse(source)
    assert max(len(line) for line in source.splitlines()) <= 100


def random_statement(rng: random.Random) -> str:
    """An assignment in the style of the catalogue's templates, with names of any length."""

    def name() -> str:
        return "v" + rng.choice("abcdefgh") * (rng.choice([1, 3, 8, 15, 25, 33, 39, 39]) - 1)

    v, m = [name() for _ in range(4)], "self." + name()
    forms = [
        f"{m}({v[0]})",
        f"F.leaky_relu({m}({v[0]}))",
        f"torch.cat(tuple({m}({v[0]})[1][0][-2:]), dim=1)",
        f"{m}({v[0]}, {v[0]}, {v[0]}, need_weights=False)[0]",
        f"torch.flatten({m}({v[0]}), 1)",
        f"{v[0]}.reshape({v[0]}.size(0), 1, -1, 4, 5)",
        " + ".join(v[: rng.randint(2, 4)]),
        " * ".join(v[: rng.randint(2, 4)]),
        f"torch.cat([{', '.join(v[: rng.randint(2, 4)])}], dim=-1)",
        f"{m}({v[0]})[1][-1]",
        f"nn.Conv2d(in_channels={rng.randint(1, 999)}, out_channels=16, kernel_size=3, "
        f"stride=2, padding=1, bias=False, padding_mode='zeros', eps={rng.random()!r})",
    ]
    return f"{name()} = {rng.choice(forms)}"


def test_the_printer_lays_out_statements_like_ruff(tmp_path):
    rng = random.Random(7)
    lines = ["def forward(self):"]
    for _ in range(400):
        lines += format_statement(random_statement(rng), 1)
    lines += format_statement(f"return {', '.join(['v' * 30] * 3)}", 1)
    (tmp_path / "statements.py").write_text("\n".join(lines) + "\n")
    ruff = ruff_executable()
    command = [ruff, "format", "--isolated", "--line-length", "100", "--check", "--diff"]
    result = subprocess.run([*command, str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[:4000]
