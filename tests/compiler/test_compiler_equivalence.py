"""The in-app model and the exported class are the same network.

For a few hundred random designs and every shipped example: the generated module source,
executed on its own, accepts the in-app model's ``state_dict`` (strict), has the same
parameter count, gives bit-identical outputs in eval mode, and ``torch.manual_seed(s);
Net()`` initializes exactly like ``build_model(graph, seed=s)``.
"""

from __future__ import annotations

import linecache
import textwrap
from pathlib import Path

import pytest
import torch
from test_compiler_graphs import WIDE_SEEDS, random_graph, wide_graph

from designer.compiler import build_model, compile_design, generate_module_code, lower
from designer.compiler.export import example_inputs

ROOT = Path(__file__).resolve().parents[2]


def exec_source(source: str) -> dict:
    namespace: dict = {"__name__": "generated"}
    exec(compile(source, "<generated>", "exec"), namespace)
    return namespace


def as_tuple(result: torch.Tensor | tuple) -> tuple:
    return result if isinstance(result, tuple) else (result,)


def assert_equivalent(graph, seed: int = 0) -> None:
    ir = lower(graph)
    model = build_model(ir, seed=seed)
    generated = exec_source(generate_module_code(ir).source)["Net"]
    torch.manual_seed(seed)
    exported = generated()
    own, theirs = model.state_dict(), exported.state_dict()
    assert own.keys() == theirs.keys()
    assert all(torch.equal(own[k], theirs[k]) for k in own), "seeded init differs"
    exported.load_state_dict(own, strict=True)
    count = sum(p.numel() for p in model.parameters())
    assert count == sum(p.numel() for p in exported.parameters()) == ir.total_params
    model.eval(), exported.eval()
    inputs = example_inputs(ir, batch=3)
    with torch.no_grad():
        mine, yours = as_tuple(model(*inputs)), as_tuple(exported(*inputs))
    assert len(mine) == len(yours) == len(ir.outputs)
    for a, b, out in zip(mine, yours, ir.outputs, strict=True):
        assert torch.equal(a, b)
        assert tuple(a.shape[1:]) == out.shape.dims


@pytest.mark.parametrize("block", range(6))
def test_random_designs_are_equivalent(block):
    for seed in range(block * 50, block * 50 + 50):
        assert_equivalent(random_graph(seed), seed=seed % 7)


@pytest.mark.parametrize("block", range(WIDE_SEEDS // 50))
def test_designs_over_the_whole_catalogue_are_equivalent(block):
    """Every layer type, layers with several outputs and attention masks included."""
    for seed in range(block * 50, block * 50 + 50):
        assert_equivalent(wide_graph(seed), seed=seed % 5)


def example_files() -> list[Path]:
    try:
        from designer.io import example_paths
    except ImportError:
        paths = []
    else:
        paths = list(example_paths())
    paths += sorted((ROOT / "resources" / "examples").glob("*.nndesign"))
    return sorted(set(paths))


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
def test_examples_are_equivalent(path):
    from designer.io import load_project

    assert_equivalent(load_project(path).graph, seed=3)


def test_there_are_examples_or_a_reason():
    if not example_files():
        pytest.skip("no example projects are installed")
    assert len(example_files()) >= 1


def test_forward_is_the_generated_text():
    graph = random_graph(5)
    compiled = compile_design(graph)
    model = compiled.module
    source = generate_module_code(graph).source
    forward = source[source.index("    def forward(") :]
    assert textwrap.dedent(forward) == compiled.source
    assert linecache.getline(type(model).forward.__code__.co_filename, 1).startswith("def forward")


def test_compiled_nodes_map_attributes_to_nodes():
    graph = random_graph(11)
    compiled = compile_design(graph)
    model = compiled.module
    ir = lower(graph)
    assert compiled.nodes == {s.attribute: s.node_id for s in ir.steps if s.attribute}
    assert set(compiled.nodes) == {name for name, _ in model.named_children()}


def test_rebuilding_reuses_the_compiled_class():
    graph = random_graph(8)
    assert type(build_model(graph)) is type(build_model(graph, seed=1))
