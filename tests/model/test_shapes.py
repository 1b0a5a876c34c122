"""Shape inference over whole graphs: messages that name the node, no cascades, totals,
the per-graph memo, and the purity of the model layers."""

from __future__ import annotations

import subprocess
import sys

import pytest

from designer.io import example_paths, load_project
from designer.model import Graph, ShapeCache, infer_shapes, shape_cache
from designer.model.shapes import ACTIVATION_BUDGET, TRAINING_FACTOR, format_bytes, format_count


def chain(graph: Graph, *layers: tuple) -> list[str]:
    """Add (type, params[, label]) layers, each fed by the previous one."""
    ids: list[str] = []
    for type_id, params, *label in layers:
        node = graph.add_node(type_id, params, *label)
        if ids:
            graph.connect(ids[-1], "out", node.id, "in")
        ids.append(node.id)
    return ids


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
def test_examples_infer_cleanly(path) -> None:
    analysis = infer_shapes(load_project(path).graph, ShapeCache())
    assert analysis.valid and analysis.problems == ()
    assert analysis.total_params > 0


def test_a_too_large_kernel_names_the_node_and_the_sizes() -> None:
    graph = Graph()
    ids = chain(
        graph,
        ("Input", {"kind": "image", "channels": 1, "height": 3, "width": 3}),
        ("Conv2d", {"kernel_size": 5}, "conv3"),
        ("GlobalAvgPool2d", {}),
        ("Linear", {"units": 2}),
        ("Output", {}),
    )
    analysis = infer_shapes(graph, ShapeCache())
    assert [p.message for p in analysis.problems] == [
        "Conv2d 'conv3': kernel 5 (span 5) is larger than its 3×3 input"
    ]
    assert analysis.problems[0].node_id == ids[1]
    # no cascade: downstream nodes have no output and no problems of their own
    for node_id in ids[2:]:
        info = analysis.info(node_id)
        assert info.output is None and info.problems == ()
    assert not analysis.valid


def test_unconnected_ports_and_unused_outputs() -> None:
    graph = Graph()
    ids = chain(graph, ("Input", {"features": 3}), ("Linear", {"units": 2}, "fc"))
    lonely = graph.add_node("Linear", label="lonely").id
    add = graph.add_node("Add", label="sum").id
    graph.connect(ids[1], "out", add, "in")
    out = graph.add_node("Output", {"loss": "mse"}).id
    graph.connect(add, "out", out, "in")
    analysis = infer_shapes(graph, ShapeCache())
    messages = {p.message: p.severity for p in analysis.problems}
    assert messages["Linear 'lonely': its input is not connected"] == "error"
    assert messages["Add 'sum': needs at least 2 inputs, has 1"] == "error"
    assert messages["Linear 'lonely': its output is not used"] == "warning"
    assert analysis.info(lonely).output is None
    assert analysis.info(out).output is None and analysis.info(out).problems == ()


def test_missing_input_and_output_and_dead_ends() -> None:
    empty = infer_shapes(Graph(), ShapeCache())
    assert [p.message for p in empty.problems] == [
        "The design has no Input layer",
        "The design has no Output layer",
    ]
    graph = Graph()
    chain(graph, ("Input", {"features": 2}, "a"), ("Linear", {"units": 2}, "b"))
    chain(graph, ("Input", {"features": 2}, "c"), ("Output", {"loss": "mse"}, "d"))
    analysis = infer_shapes(graph, ShapeCache())
    warnings = [p.message for p in analysis.problems if not p.is_error]
    assert "Input 'a': does not lead to any Output" in warnings
    assert "Linear 'b': its output is not used" in warnings
    assert analysis.valid  # warnings only


def test_integer_tokens_need_an_embedding() -> None:
    graph = Graph()
    chain(
        graph,
        ("Input", {"kind": "tokens", "length": 5}),
        ("Linear", {"units": 2}, "fc"),
        ("Output", {}),
    )
    (problem,) = infer_shapes(graph, ShapeCache()).problems
    assert problem.message.startswith("Linear 'fc': needs real-valued input")
    assert "Embedding" in problem.message


def test_totals_add_up() -> None:
    graph = Graph()
    ids = chain(
        graph,
        ("Input", {"features": 4}),
        ("Linear", {"units": 8}),
        ("ReLU", {}),
        ("Linear", {"units": 3, "bias": False}),
        ("Output", {}),
    )
    analysis = infer_shapes(graph, ShapeCache())
    assert analysis.total_params == (4 * 8 + 8) + 8 * 3
    assert analysis.total_macs == 4 * 8 + 8 * 3
    assert analysis.info(ids[3]).output.dims == (3,)
    assert analysis.info(ids[3]).inputs[0].dims == (8,)
    assert analysis.order == tuple(ids)


def test_memo_follows_every_kind_of_change() -> None:
    """The per-graph memo must never serve a stale result."""
    cache = ShapeCache()
    graph = Graph()
    ids = chain(
        graph,
        ("Input", {"features": 4}),
        ("Linear", {"units": 8}, "fc"),
        ("Linear", {"units": 3}),
        ("Output", {}),
    )
    assert infer_shapes(graph, cache).info(ids[2]).inputs[0].dims == (8,)
    graph.set_param(ids[1], "units", 5)
    assert infer_shapes(graph, cache).info(ids[2]).inputs[0].dims == (5,)
    graph.set_param(ids[0], "features", 1)
    assert infer_shapes(graph, cache).info(ids[1]).params == 1 * 5 + 5
    graph.set_param(ids[1], "units", 10**6)
    graph.set_param(ids[2], "units", 1)
    analysis = infer_shapes(graph, cache)
    assert [p.message for p in analysis.problems] == [
        "Output 'output1': cross-entropy needs one output per class (at least 2), but gets 1"
    ]
    graph.rename_node(ids[3], "y")
    assert infer_shapes(graph, cache).problems[0].message.startswith("Output 'y':")
    graph.disconnect(graph.in_edges(ids[2])[0])
    problems = [p.message for p in infer_shapes(graph, cache).problems]
    assert "Linear 'fc1': its input is not connected" in problems
    assert "Linear 'fc': its output is not used" in problems
    # another graph with the same node ids does not see this one's results
    other = Graph()
    chain(other, ("Input", {"features": 9}), ("Linear", {"units": 2}), ("Linear", {"units": 4}))
    assert infer_shapes(other, cache).info(ids[2]).inputs[0].dims == (2,)
    assert infer_shapes(graph, cache).info(ids[1]).inputs[0].dims == (1,)


def test_one_analysis_per_state_of_the_graph() -> None:
    """Every reader of a graph shares its cache: asked again about the same state, the
    analysis is the very same object; any change but a move makes a new one."""
    graph = Graph()
    ids = chain(graph, ("Input", {"features": 4}), ("Linear", {"units": 8}), ("Output", {}))
    first = infer_shapes(graph)
    assert infer_shapes(graph) is first
    graph.move_node(ids[1], 300.0, 40.0)
    assert infer_shapes(graph) is first
    graph.set_param(ids[1], "units", 6)
    edited = infer_shapes(graph)
    assert edited is not first and edited.info(ids[1]).output.dims == (6,)
    graph.rename_node(ids[1], "hidden")
    graph.disconnect(graph.in_edges(ids[1])[0])
    problems = [p.message for p in infer_shapes(graph).problems]
    assert "Linear 'hidden': its input is not connected" in problems
    assert infer_shapes(graph) is infer_shapes(graph)


def test_an_edit_reruns_each_distinct_rule_once(monkeypatch) -> None:
    """Many nodes alike share one rule result: an edit upstream of a hundred identical
    layers runs their shape rule once, and each node keeps its own problems."""
    graph = Graph()
    ids = chain(graph, ("Input", {"features": 4}), *[("ReLU", {})] * 100, ("Output", {}))
    infer_shapes(graph)
    runs: list[str] = []
    real = shape_cache._run_rules

    def counting(spec, params, inputs):
        runs.append(spec.type_id)
        return real(spec, params, inputs)

    monkeypatch.setattr(shape_cache, "_run_rules", counting)
    graph.set_param(ids[0], "features", 7)
    analysis = infer_shapes(graph)
    assert sorted(runs) == ["Input", "Output", "ReLU"]
    assert all(analysis.info(n).output.dims == (7,) for n in ids[1:-1])


def test_equal_results_found_apart_are_one_object() -> None:
    """Readers compare results by identity (the canvas repaints a row only when a node's
    result is another object), so an edit that leaves a shape as it was hands out the
    very same shapes, for a layer with several outputs too."""
    graph = Graph()
    ids = chain(graph, ("Input", {"features": 8}), ("Linear", {"units": 6}), ("Chunk", {}))
    cache = ShapeCache()
    before = infer_shapes(graph, cache)
    graph.set_param(ids[1], "bias", False)
    graph.set_param(ids[2], "axis", 0)  # the same axis as -1, for one dimension
    after = infer_shapes(graph, cache)
    assert after.info(ids[1]).params != before.info(ids[1]).params
    for node_id in ids[1:]:
        assert after.info(node_id).outputs is before.info(node_id).outputs
    assert len(after.info(ids[2]).outputs) == 2


def test_a_faulty_rule_becomes_a_problem_not_a_crash() -> None:
    graph = Graph()
    ids = chain(graph, ("Input", {"features": 4}), ("Reshape", {"shape": [3, -1]}, "r"))
    analysis = infer_shapes(graph, ShapeCache())
    assert analysis.info(ids[1]).problems[0].message == ("Reshape 'r': cannot reshape 4 into 3×-1")


def test_pure_layers_import_neither_torch_nor_qt() -> None:
    code = (
        "import sys\n"
        "import designer.catalog, designer.model, designer.io\n"
        "import designer.io.examples\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'PySide6', 'shiboken6', 'pyqtgraph'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------ activation memory
def test_activation_memory_is_every_output_of_one_sample() -> None:
    graph = Graph()
    chain(
        graph,
        ("Input", {"kind": "tokens", "length": 10, "vocab_size": 50}),
        ("Embedding", {"embedding_dim": 4}),
        ("Flatten", {}),
        ("Linear", {"units": 3}),
        ("Output", {}),
    )
    analysis = infer_shapes(graph, ShapeCache())
    # int64 token ids (8 bytes), then float32: 10x4, 40, 3 and the Output's 3
    assert analysis.activation_bytes == 10 * 8 + (40 + 40 + 3 + 3) * 4
    assert analysis.training_bytes == TRAINING_FACTOR * analysis.activation_bytes
    assert not any("activation memory" in p.message for p in analysis.problems)


def test_a_design_needing_too_much_activation_memory_is_warned_on_its_largest_layer() -> None:
    graph = Graph()
    ids = chain(
        graph,
        ("Input", {"kind": "image", "channels": 3, "height": 1024, "width": 1024}),
        ("Conv2d", {"out_channels": 64, "padding": 1}, "wide"),
        ("GlobalAvgPool2d", {}),
        ("Linear", {"units": 2}),
        ("Output", {}),
    )
    analysis = infer_shapes(graph, ShapeCache())
    assert analysis.training_bytes > ACTIVATION_BUDGET
    warnings = [p for p in analysis.problems if "activation memory" in p.message]
    assert len(warnings) == 1 and not warnings[0].is_error and analysis.valid
    assert warnings[0].node_id == ids[1]
    assert warnings[0].message.startswith("Conv2d 'wide': training needs about 536 MB")
    assert "this layer's output alone is 256 MB" in warnings[0].message
    assert warnings[0] in analysis.info(ids[1]).problems  # the canvas marks the layer


def test_format_bytes() -> None:
    assert format_bytes(12) == "12 bytes"
    assert format_bytes(1536) == "1.5 KB"
    assert format_bytes(256 * 1024 * 1024) == "256 MB"
    assert format_bytes(3 * 1024**4) == "3 TB"


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (999, "999"),
        (1000, "1k"),
        (1234, "1.2k"),
        (1_234_567, "1.2M"),
        (12_345_678, "12.3M"),
        (123_456_789, "123M"),
        (7_000_000_000, "7B"),
        (2_500_000_000_000, "2.5T"),
        (-1500, "-1.5k"),
    ],
)
def test_format_count_is_the_one_compact_count(count: int, text: str) -> None:
    assert format_count(count) == text


def test_the_one_cache_is_the_graphs_own_and_goes_with_it() -> None:
    import gc
    import weakref

    from designer.model import shape_cache, shapes

    graph = Graph()
    chain(graph, ("Input", {"features": 3}), ("Linear", {"units": 2}))
    analysis = infer_shapes(graph)
    assert graph.shape_cache.current(graph) is analysis
    assert Graph().shape_cache is not graph.shape_cache
    for module in (shape_cache, shapes):  # no table of graphs beside the graph's own
        tables = [v for v in vars(module).values() if isinstance(v, weakref.WeakKeyDictionary)]
        assert tables == []
    cache = weakref.ref(graph.shape_cache)
    del graph, analysis
    gc.collect()
    assert cache() is None
