"""The shipped examples load, infer cleanly, and are exactly what the generator writes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from designer.io import (
    EXAMPLES_DIR,
    example_paths,
    load_example,
    load_project,
    project_to_json,
)
from designer.model import ShapeCache, infer_shapes

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIR = ROOT / "resources" / "examples"
NAMES = ["binary_classifier", "digits_cnn", "iris_mlp", "residual_mlp"]


def generator():
    spec = importlib.util.spec_from_file_location("make_examples", SOURCE_DIR / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_package_ships_every_example() -> None:
    assert EXAMPLES_DIR == ROOT / "resources" / "examples"
    assert [p.stem for p in example_paths()] == NAMES
    assert sorted(p.stem for p in SOURCE_DIR.glob("*.nndesign")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_each_example_loads_infers_and_saves_identically(name: str) -> None:
    path = EXAMPLES_DIR / f"{name}.nndesign"
    project = load_project(path)
    analysis = infer_shapes(project.graph, ShapeCache())
    assert analysis.problems == (), [p.message for p in analysis.problems]
    assert project_to_json(project).encode("utf-8") == path.read_bytes()
    assert (SOURCE_DIR / path.name).read_bytes() == path.read_bytes()
    assert project.metadata["name"] and project.metadata["description"]


def test_regenerating_gives_identical_files(tmp_path) -> None:
    module = generator()
    written = module.write_examples([tmp_path])
    assert sorted(p.stem for p in written) == NAMES
    for path in written:
        assert path.read_bytes() == (EXAMPLES_DIR / path.name).read_bytes(), path.name


def test_load_example_by_name() -> None:
    assert load_example("iris_mlp").data.source == "iris"
    assert len(load_example("iris_mlp.nndesign").graph) == 5
    with pytest.raises(FileNotFoundError, match=r"no example named 'nope'.*iris_mlp"):
        load_example("nope")


def test_the_examples_say_what_the_brief_asked() -> None:
    binary = load_example("binary_classifier")
    assert [n.type for n in binary.graph] == ["Input", "Linear", "Linear", "Sigmoid", "Output"]
    assert binary.data.source == "breast_cancer"
    assert (binary.training.optimizer, binary.training.learning_rate) == ("adam", 0.01)
    assert (binary.training.epochs, binary.training.batch_size) == (30, 32)
    assert binary.metadata["name"] == "Binary classifier"
    assert "accuracy" in binary.metadata["description"]
    outputs = [n for n in binary.graph if n.type == "Output"]
    assert outputs[0].params["loss"] == "bce"

    digits = load_example("digits_cnn")
    assert digits.data.source == "digits_images"
    assert (digits.training.epochs, digits.training.learning_rate) == (15, 0.005)
    image = next(n for n in digits.graph if n.type == "Input").params
    assert (image["kind"], image["channels"], image["height"], image["width"]) == (
        "image",
        1,
        8,
        8,
    )

    residual = load_example("residual_mlp")
    add = next(n.id for n in residual.graph if n.type == "Add")
    assert len(residual.graph.in_edges(add)) == 2
    assert residual.data.source == "moons"
    assert load_example("iris_mlp").graph.nodes  # and the iris MLP is there


@pytest.mark.parametrize("name", NAMES)
def test_examples_are_laid_out_left_to_right(name: str) -> None:
    graph = load_example(name).graph
    order = graph.topological_order()
    xs = [graph.node(n).position[0] for n in order]
    assert xs == sorted(xs) and xs[0] == 0.0
    assert all(x % 220.0 == 0 for x in xs)  # one column every 220 px
    assert all(b.position[0] > a.position[0] for a, b in _edges(graph))


def _edges(graph):
    for edge in graph.edges:
        yield graph.node(edge.src), graph.node(edge.dst)
