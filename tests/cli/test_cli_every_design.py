"""`nn-designer export` and `train` for every kind of design that checks clean: several
inputs and outputs, tokens, dense outputs and image folders."""

from __future__ import annotations

import pytest
from designs import KINDS
from safetensors.torch import load_file

from designer.cli import main
from designer.compiler import build_model
from designer.io import load_project, save_project

onnx = pytest.importorskip("onnx")


@pytest.mark.parametrize(
    "kind",
    [
        "two_inputs",
        "two_outputs",
        "tokens",
        "segmentation",
        "transformer",
        "sequence_conv",
        "residual_blocks",
    ],
)
def test_export_writes_script_weights_and_onnx_with_the_node_names(tmp_path, kind, capsys):
    path = KINDS[kind](tmp_path)
    script, weights, model = tmp_path / "m.py", tmp_path / "w.safetensors", tmp_path / "m.onnx"
    arguments = ["export", str(path), "-o", str(script), "--weights", str(weights)]
    assert main([*arguments, "--onnx", str(model)]) == 0
    assert "wrote" in capsys.readouterr().err
    compile(script.read_text(encoding="utf-8"), str(script), "exec")
    project = load_project(path)
    expected = build_model(project.graph, seed=project.training.seed).state_dict()
    assert load_file(weights).keys() == expected.keys()
    graph = onnx.load(str(model)).graph
    inputs = [node.label for node in project.graph if node.type == "Input"]
    outputs = [node.label for node in project.graph if node.type == "Output"]
    assert [item.name for item in graph.input] == inputs
    assert len(graph.output) == len(outputs)


def test_train_on_other_data_without_changing_the_project(tmp_path, capsys):
    path = KINDS["image_folder"](tmp_path)
    project_before = path.read_bytes()
    (tmp_path / "pictures").rename(tmp_path / "moved")
    arguments = ["train", str(path), "--epochs", "1", "--device", "cpu"]
    assert main(arguments) == 1
    assert "cannot be loaded" in capsys.readouterr().err
    assert main([*arguments, "--data", str(tmp_path / "moved")]) == 0
    assert "Finished (completed)" in capsys.readouterr().out
    assert main([*arguments, "--data", str(tmp_path / "moved"), "--target", "x"]) == 2
    assert "--target applies to CSV files only" in capsys.readouterr().err
    assert path.read_bytes() == project_before


def test_check_compares_the_design_with_its_data(tmp_path, capsys):
    path = KINDS["segmentation"](tmp_path)
    assert main(["check", str(path)]) == 0
    capsys.readouterr()
    project = load_project(path)
    output = next(node for node in project.graph if node.type == "Output")
    scores = project.graph.in_edges(output.id)[0].src
    pooled = project.graph.add_node("GlobalAvgPool2d").id  # one label per image, not per pixel
    project.graph.disconnect(project.graph.in_edges(output.id)[0])
    project.graph.connect(scores, "out", pooled, "in")
    project.graph.connect(pooled, "out", output.id, "in")
    save_project(project, path)
    assert main(["check", str(path)]) == 1
    assert (
        "error: Output 'mask': the output has one score per class for the whole sample, but "
        "'segmentation.npz' has a 12×12 map of labels per sample; keep the positions (no "
        "pooling or Flatten before the Output) to classify each one"
    ) in capsys.readouterr().out
    assert main(["check", "--no-data", str(path)]) == 0
    (tmp_path / "segmentation.npz").unlink()
    assert main(["check", str(path)]) == 1
    assert "error: the data set cannot be loaded: " in capsys.readouterr().out
