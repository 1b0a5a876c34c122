"""The exported training script: ruff-clean in every variant, and it really trains,
alone and under torchrun with two processes."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file
from test_compiler_codegen import assert_ruff_clean
from test_compiler_graphs import chain, link

from designer.compiler import CompileError, build_model, save_weights
from designer.model import DataSettings, Graph, Project, TrainingSettings
from designer.model.settings import DATA_SOURCES
from designer.training.script import generate_script

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def run(args: list[str], folder, timeout: int = 180) -> subprocess.CompletedProcess:
    result = subprocess.run(
        args, cwd=folder, capture_output=True, text=True, timeout=timeout, env=ENV, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def write_script(project: Project, folder) -> None:
    (folder / "model.py").write_text(generate_script(project).source)


def classifier(loss: str = "cross_entropy", classes: int = 2) -> Graph:
    graph = chain([8, classes], features=2, loss=loss)
    if loss == "bce":
        sigmoid = graph.add_node("Sigmoid")
        fc = [n.id for n in graph if n.type == "Linear"][-1]
        out = graph.nodes_of_role("output")[0]
        graph.disconnect(graph.in_edges(out)[0])
        link(graph, fc, sigmoid.id, out)
    return graph


def test_every_variant_is_ruff_clean(tmp_path):
    variants = itertools.product(
        ("adam", "adamw", "sgd", "rmsprop"),
        ("none", "step", "cosine", "one_cycle"),
        ("cross_entropy", "bce_with_logits", "mse", "huber"),
    )
    for index, (optimizer, schedule, loss) in enumerate(variants):
        settings = TrainingSettings(
            optimizer=optimizer,
            schedule=schedule,
            nesterov=index % 2 == 0,
            grad_clip=1.0 * (index % 3),
            early_stopping=index % 5 == 0,
        )
        graph = classifier(loss, 1 if loss == "bce_with_logits" else 2)
        data = DataSettings(source="regression1d" if loss in ("mse", "huber") else "moons")
        project = Project(graph, data, settings, {"name": f"variant {index}"})
        (tmp_path / f"script_{index}.py").write_text(generate_script(project).source)
    for source in DATA_SOURCES:  # every data loader's snippet merges cleanly
        data = DataSettings(source=source, path="data/table.csv", target_column="label")
        project = Project(chain([4, 2]), data)
        (tmp_path / f"data_{source}.py").write_text(generate_script(project).source)
    assert_ruff_clean(tmp_path)


def test_script_trains_and_import_does_not(tmp_path):
    training = TrainingSettings(
        optimizer="sgd", nesterov=True, schedule="one_cycle", grad_clip=1.0,
        early_stopping=True, epochs=3, batch_size=32,
    )  # fmt: skip
    project = Project(classifier(), DataSettings(samples=200), training, {"name": "moons"})
    write_script(project, tmp_path)
    result = run([sys.executable, "model.py", "--epochs", "1", "--device", "cpu"], tmp_path)
    assert result.stdout.count("epoch 1/1") == 1
    assert "accuracy" in result.stdout
    probe = "import model; print(model.Net().__class__.__name__, model.EPOCHS)"
    result = run([sys.executable, "-c", probe], tmp_path)
    assert result.stdout.strip() == "Net 3"


def test_regression_script_saves_and_loads_weights(tmp_path):
    graph = chain([16, 1], features=1, loss="mse")
    training = TrainingSettings(optimizer="adamw", schedule="step", step_size=1, epochs=2)
    project = Project(graph, DataSettings(source="regression1d", samples=120), training)
    write_script(project, tmp_path)
    result = run([sys.executable, "model.py", "--save", "w.safetensors", "--seed", "3"], tmp_path)
    assert result.stdout.count("epoch ") == 2 and "r2" in result.stdout and "mae" in result.stdout
    assert load_file(tmp_path / "w.safetensors").keys() == build_model(graph).state_dict().keys()
    save_weights(build_model(graph, seed=5), tmp_path / "app.safetensors")
    args = ["--load", "app.safetensors", "--epochs", "0", "--lr", "0.1", "--batch-size", "7"]
    result = run([sys.executable, "model.py", *args], tmp_path)
    assert "final loss" in result.stdout


def test_torchrun_with_two_processes(tmp_path):
    training = TrainingSettings(optimizer="rmsprop", schedule="cosine", epochs=5, batch_size=16)
    project = Project(classifier("bce_with_logits", 1), DataSettings(samples=100), training)
    write_script(project, tmp_path)
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--standalone",
        "model.py", "--epochs", "1", "--device", "cpu", "--save", "ddp.safetensors",
    ]  # fmt: skip
    result = run(command, tmp_path, timeout=300)
    assert result.stdout.count("epoch 1/1") == 1
    assert result.stdout.count("saved the weights") == 1
    assert "2 process(es)" in result.stdout
    state = load_file(tmp_path / "ddp.safetensors")
    model = build_model(project.graph)
    model.load_state_dict(state)
    assert all(torch.isfinite(v).all() for v in state.values())


@pytest.mark.parametrize("loss", ["bce", "l1"])
def test_other_losses_generate(loss):
    graph = classifier(loss, 1) if loss == "bce" else chain([4, 1], loss=loss)
    source = generate_script(Project(graph)).source
    compile(source, "model.py", "exec")


def test_an_output_is_required_and_names_must_differ():
    graph = chain([4, 2])
    graph.remove_node(graph.nodes_of_role("output")[0])
    with pytest.raises(CompileError, match="no Output layer"):
        generate_script(Project(graph))
    graph = chain([4, 2])
    second = graph.add_node("Output", {"loss": "mse"})
    graph.connect(graph.nodes_of_role("input")[0], "out", second.id, "in")
    graph.rename_node(second.id, graph.node(graph.nodes_of_role("output")[0]).label)
    with pytest.raises(CompileError, match="have the same name"):
        generate_script(Project(graph))


def test_line_map_points_into_the_model_class():
    graph = chain([8, 2])
    code = generate_script(Project(graph))
    lines = code.source.splitlines()
    fc = next(n.id for n in graph if n.type == "Linear")
    mapped = [lines[n - 1] for n, node in code.line_to_node.items() if node == fc]
    assert any("self.fc1 = nn.Linear" in line for line in mapped)
    assert any("fc1 = self.fc1(" in line for line in mapped)


def test_a_long_data_path_and_column_stay_within_the_line_length(tmp_path):
    folder = "a-rather-long-folder-name-for-the-data-of-this-project/" * 3
    data = DataSettings(source="csv", path=folder + "table.csv", target_column="t" * 150)
    write_script(Project(chain([4, 2]), data), tmp_path)
    source = (tmp_path / "model.py").read_text(encoding="utf-8")
    assert max(len(line) for line in source.splitlines()) <= 100
    assert_ruff_clean(tmp_path)


def test_the_project_name_is_printed_escaped(tmp_path):
    name = "evil\x1b]0;retitled\x07 \x1b[2J name"
    training = TrainingSettings(epochs=1)
    project = Project(classifier(), DataSettings(samples=60), training, {"name": name})
    write_script(project, tmp_path)
    result = run([sys.executable, "model.py", "--epochs", "1", "--device", "cpu"], tmp_path)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "training 'evil\\x1b]0;retitled\\x07 \\x1b[2J name'" in result.stdout
