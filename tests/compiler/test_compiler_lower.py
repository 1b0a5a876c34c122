"""Lowering: checks with readable errors, dead-code removal, order and the IR lint."""

from __future__ import annotations

import dataclasses

import pytest
from test_compiler_graphs import chain, link, random_graph

from designer.catalog import Catalog, default_catalog
from designer.compiler import CompileError, lower
from designer.compiler.lower import MAX_PARAMETERS
from designer.model import Graph


def test_problems_are_listed_with_their_nodes():
    graph = Graph()
    graph.add_node("Input", {"features": 3})
    fc = graph.add_node("Linear", label="fc1")
    with pytest.raises(CompileError) as caught:
        lower(graph)
    text = str(caught.value)
    assert "Linear 'fc1': its input is not connected" in text
    assert "no Output" in text
    assert fc.id in caught.value.node_ids
    assert "Traceback" not in text


def test_shape_errors_name_the_node():
    graph = Graph()
    image = graph.add_node("Input", {"kind": "image", "height": 4, "width": 4})
    conv = graph.add_node("Conv2d", {"kernel_size": 9}, label="big conv")
    out = graph.add_node("Output")
    link(graph, image.id, conv.id, out.id)
    with pytest.raises(CompileError, match="Conv2d 'big conv': kernel 9"):
        lower(graph)


def test_absurd_models_are_refused_before_allocation():
    graph = Graph()
    source = graph.add_node("Input", {"features": 1_000_000})
    huge = graph.add_node("Linear", {"units": 1_000_000}, label="huge")
    small = graph.add_node("Linear", {"units": 2})
    out = graph.add_node("Output")
    link(graph, source.id, huge.id, small.id, out.id)
    with pytest.raises(CompileError) as caught:
        lower(graph)
    assert "Linear 'huge'" in str(caught.value)
    assert f"{MAX_PARAMETERS:,}" in str(caught.value)
    assert caught.value.node_ids == (huge.id,)


def test_nodes_off_every_path_to_an_output_are_dropped():
    graph = chain([8, 2])
    dangling = graph.add_node("Linear", {"units": 5}, label="dangling")
    graph.connect(graph.nodes_of_role("input")[0], "out", dangling.id, "in")
    ir = lower(graph)
    assert dangling.id not in {s.node_id for s in ir.steps}
    assert any(w.node_id == dangling.id for w in ir.warnings)


def test_inputs_outputs_and_merge_order_follow_the_graph():
    graph = Graph()
    a = graph.add_node("Input", {"features": 2}, label="a")
    b = graph.add_node("Input", {"features": 3}, label="b")
    cat = graph.add_node("Concatenate")
    graph.connect(b.id, "out", cat.id, "in")
    graph.connect(a.id, "out", cat.id, "in")
    first = graph.add_node("Output", {"loss": "mse"}, label="first")
    second = graph.add_node("Output", {"loss": "mse"})
    graph.connect(cat.id, "out", first.id, "in")
    graph.connect(a.id, "out", second.id, "in")
    ir = lower(graph)
    assert [i.name for i in ir.inputs] == ["a", "b"]
    assert ir.steps[0].expression == "torch.cat([b, a], dim=-1)"
    assert [(o.node_id, o.name) for o in ir.outputs] == [(first.id, "concat1"), (second.id, "a")]


def test_lowering_is_deterministic_and_ignores_positions():
    graph = random_graph(17)
    before = lower(graph)
    for index, node in enumerate(graph):
        graph.move_node(node.id, 100.0 * index, -50.0 * index)
    assert lower(graph) == before


def test_steps_are_in_topological_order():
    for seed in range(30):
        ir = lower(random_graph(seed))
        defined = {i.name for i in ir.inputs}
        for step in ir.steps:
            assert set(step.inputs) <= defined
            defined.add(step.output)


def _graph_with(spec_changes: dict) -> Graph:
    """A chain whose ReLU has a modified (hostile) binding."""
    relu = default_catalog().get("ReLU")
    bad = dataclasses.replace(relu, binding=dataclasses.replace(relu.binding, **spec_changes))
    catalog = Catalog([s if s.type_id != "ReLU" else bad for s in default_catalog()])
    graph = Graph(catalog)
    source = graph.add_node("Input", {"features": 3})
    relu_node = graph.add_node("ReLU")
    fc = graph.add_node("Linear", {"units": 2})
    out = graph.add_node("Output")
    link(graph, source.id, relu_node.id, fc.id, out.id)
    return graph


@pytest.mark.parametrize(
    "changes",
    [
        {"forward": lambda m, xs, p: "__import__('os').system('true')"},
        {"forward": lambda m, xs, p: f"{xs[0]}.__class__"},
        {"forward": lambda m, xs, p: "undefined_name"},
        {"forward": lambda m, xs, p: "self.other(x)"},
        {"forward": lambda m, xs, p: "[y for y in range(3)]"},
        {"forward": lambda m, xs, p: "(lambda: 1)()"},
        {"forward": lambda m, xs, p: f"torch.save({xs[0]}, 'x.pt')"},
        {"forward": lambda m, xs, p: "torch.hub.load('a', 'b')"},
        {"forward": lambda m, xs, p: "not valid python ("},
        {"module": "os.system"},
        {"kwargs": lambda p, s: {"bad key": 1}},
        {"kwargs": lambda p, s: {"value": object()}},
        {"kwargs": lambda p, s: {"value": float("nan")}},
    ],
)
def test_the_lint_refuses_unsafe_templates(changes):
    with pytest.raises(CompileError, match="internal error"):
        lower(_graph_with(changes))


def test_a_failing_template_is_reported_not_raised():
    graph = _graph_with({"forward": lambda m, xs, p: 1 / 0})
    with pytest.raises(CompileError, match="ReLU 'relu1': cannot generate code"):
        lower(graph)
