"""Weights (safetensors) and ONNX exports: atomic, loadable, and numerically faithful."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from test_compiler_equivalence import exec_source
from test_compiler_graphs import WIDE_SEEDS, chain, link, random_graph, wide_graph

from designer.catalog import Catalog, default_catalog
from designer.compiler import (
    ExportError,
    WeightsError,
    build_model,
    compile_design,
    export_onnx,
    generate_module_code,
    load_weights,
    lower,
    save_weights,
)
from designer.compiler import export as export_module
from designer.compiler.export import example_inputs
from designer.model import Graph


def test_weights_load_into_the_exported_class(tmp_path):
    graph = random_graph(4)
    compiled = compile_design(graph, seed=9)
    model = compiled.module.eval()
    path = tmp_path / "weights.safetensors"
    save_weights(model, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.safetensors"]
    net = exec_source(generate_module_code(graph).source)["Net"]().eval()
    load_weights(net, path)
    inputs = example_inputs(compiled.ir)
    with torch.no_grad():
        assert torch.equal(model(*inputs), net(*inputs))


def test_mismatched_weights_are_refused(tmp_path):
    path = tmp_path / "w.safetensors"
    save_weights(build_model(chain([8, 2])), path)
    with pytest.raises(WeightsError, match="does not match the model"):
        load_weights(build_model(chain([9, 2])), path)
    (tmp_path / "junk.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(WeightsError, match="not a valid safetensors weights file"):
        load_weights(build_model(chain([8, 2])), tmp_path / "junk.safetensors")


def test_unwritable_targets_are_export_errors(tmp_path):
    compiled = compile_design(chain([3]))
    model, ir = compiled.module, compiled.ir
    (tmp_path / "a file").write_text("not a folder")
    with pytest.raises(WeightsError, match="cannot write"):
        save_weights(model, tmp_path / "a file" / "w.safetensors")
    with pytest.raises(ExportError, match="cannot write"):
        export_onnx(model, example_inputs(ir), tmp_path / "missing" / "m.onnx", ir=ir)


def cnn() -> Graph:
    graph = Graph()
    image = graph.add_node("Input", {"kind": "image", "channels": 1, "height": 8, "width": 8})
    conv = graph.add_node("Conv2d", {"out_channels": 4, "padding": 1, "activation": "relu"})
    norm = graph.add_node("BatchNorm2d")
    pool = graph.add_node("MaxPool2d")
    gap = graph.add_node("GlobalAvgPool2d")
    fc = graph.add_node("Linear", {"units": 3})
    out = graph.add_node("Output")
    link(graph, image.id, conv.id, norm.id, pool.id, gap.id, fc.id, out.id)
    return graph


def recurrent() -> Graph:
    graph = Graph()
    tokens = graph.add_node("Input", {"kind": "tokens", "length": 6, "vocab_size": 20})
    embed = graph.add_node("Embedding", {"num_embeddings": 20, "embedding_dim": 8})
    attention = graph.add_node("SelfAttention", {"num_heads": 2})
    lstm = graph.add_node("LSTM", {"hidden_size": 5, "bidirectional": True})
    fc = graph.add_node("Linear", {"units": 2})
    out = graph.add_node("Output")
    link(graph, tokens.id, embed.id, attention.id, lstm.id, fc.id, out.id)
    return graph


@pytest.mark.parametrize(
    "make", [lambda: chain([16, 8, 3]), cnn, recurrent, lambda: random_graph(6)]
)
def test_onnx_matches_torch(tmp_path, make):
    assert_onnx_matches(make(), tmp_path / "model.onnx")


def assert_onnx_matches(graph: Graph, path) -> None:
    """The ONNX file gives the model's outputs in onnxruntime, for another batch size."""
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    compiled = compile_design(graph, seed=2)
    model, ir = compiled.module, compiled.ir
    export_onnx(model, example_inputs(ir, batch=2), path, ir=ir)
    assert model.training  # the export put it back in training mode
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    inputs = example_inputs(ir, batch=5)  # another batch size: the batch axis is dynamic
    if inputs[0].dtype == torch.long:
        inputs = (torch.randint(0, 20, inputs[0].shape),)
    feed = {item.name: x.numpy() for item, x in zip(ir.inputs, inputs, strict=True)}
    results = session.run(None, feed)
    with torch.no_grad():
        expected = model.eval()(*inputs)
    expected = expected if isinstance(expected, tuple) else (expected,)
    for got, want in zip(results, expected, strict=True):
        assert torch.allclose(torch.from_numpy(got), want, atol=1e-5, rtol=1e-5)


def covering_seeds() -> list[int]:
    """Few wide designs that between them compute every layer type (those ONNX can take:
    adaptive pooling to sizes that are no whole windows is refused, as tested below)."""
    covered: set[str] = set()
    seeds = []
    for seed in range(WIDE_SEEDS):
        steps = lower(wide_graph(seed)).steps
        types = {step.type_id for step in steps}
        if types - covered and all(step.onnx for step in steps):
            covered |= types
            seeds.append(seed)
    return seeds


@pytest.mark.slow
@pytest.mark.parametrize("seed", covering_seeds())
def test_every_layer_type_exports_to_onnx_and_matches(tmp_path, seed):
    assert_onnx_matches(wide_graph(seed), tmp_path / "model.onnx")


def test_the_onnx_designs_cover_the_catalogue():
    covered = {step.type_id for s in covering_seeds() for step in lower(wide_graph(s)).steps}
    layers = {spec.type_id for spec in default_catalog() if spec.role == "layer"}
    assert covered == layers


def test_adaptive_pooling_to_sizes_onnx_cannot_take_is_refused_with_the_reason(tmp_path):
    graph = Graph()
    source = graph.add_node("Input", {"kind": "image", "channels": 2, "height": 5, "width": 6})
    pool = graph.add_node("AdaptiveAvgPool2d", {"height": 2, "width": 3}, label="pool")
    flat = graph.add_node("Flatten")
    out = graph.add_node("Output", {"loss": "mse"})
    link(graph, source.id, pool.id, flat.id, out.id)
    compiled = compile_design(graph)
    model, ir = compiled.module, compiled.ir
    with pytest.raises(ExportError) as caught:
        export_onnx(model, example_inputs(ir), tmp_path / "m.onnx", ir=ir)
    assert str(caught.value) == (
        "Adaptive average pooling 2d 'pool' cannot be exported to ONNX: ONNX pools only by "
        "whole windows, and its 5×6 input does not divide into 2×3 equal windows"
    )
    assert caught.value.node_id == pool.id
    assert not list(tmp_path.iterdir())
    graph.set_param(pool.id, "height", 1)  # windows of 5×2
    assert_onnx_matches(graph, tmp_path / "windows.onnx")
    graph.set_param(pool.id, "width", 1)  # 1×1: global pooling
    assert_onnx_matches(graph, tmp_path / "global.onnx")


def test_layers_marked_unexportable_are_named(tmp_path):
    tanh = default_catalog().get("Tanh")
    spec = dataclasses.replace(tanh, binding=dataclasses.replace(tanh.binding, onnx=False))
    graph = Graph(Catalog([s if s.type_id != "Tanh" else spec for s in default_catalog()]))
    source = graph.add_node("Input", {"features": 2})
    layer = graph.add_node("Tanh", label="squash")
    out = graph.add_node("Output", {"loss": "mse"})
    link(graph, source.id, layer.id, out.id)
    compiled = compile_design(graph)
    model, ir = compiled.module, compiled.ir
    with pytest.raises(ExportError, match="Tanh 'squash' cannot be exported to ONNX") as caught:
        export_onnx(model, example_inputs(ir), tmp_path / "m.onnx", ir=ir)
    assert caught.value.node_id == layer.id
    assert not list(tmp_path.iterdir())


def test_exporter_failures_name_the_layer(tmp_path, monkeypatch):
    real_export = torch.onnx.export

    def picky_export(model, args, f, **options):
        if any(isinstance(m, torch.nn.LayerNorm) for m in model.modules()):
            raise RuntimeError("Exporting the operator 'aten::layer_norm' is not supported\nmore")
        return real_export(model, args, f, **options)

    monkeypatch.setattr(export_module.torch.onnx, "export", picky_export)
    graph = chain([4, 2])
    norm = graph.add_node("LayerNorm", label="norm")
    fc = [n.id for n in graph if n.type == "Linear"][-1]
    out = graph.nodes_of_role("output")[0]
    graph.disconnect(graph.in_edges(out)[0])
    link(graph, fc, norm.id, out)
    compiled = compile_design(graph)
    model, ir = compiled.module, compiled.ir
    with pytest.raises(ExportError) as caught:
        export_onnx(model, example_inputs(ir), tmp_path / "m.onnx", ir=ir)
    assert str(caught.value) == (
        "LayerNorm 'norm' cannot be exported to ONNX: "
        "Exporting the operator 'aten::layer_norm' is not supported"
    )
    assert caught.value.node_id == norm.id
    assert not list(tmp_path.iterdir())
