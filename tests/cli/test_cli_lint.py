"""``nn-designer check`` prints the linter's findings with their rule ids, fails on them
only with --strict (errors always), and leaves silenced findings out unless --verbose."""

from __future__ import annotations

import numpy as np
import pytest

from designer.cli import EXIT_OK, EXIT_PROBLEMS, main
from designer.io import save_project
from designer.model import DataSettings, Graph, Project, TrainingSettings


def chain(*layers) -> Graph:
    graph = Graph()
    previous = None
    for index, (type_id, params) in enumerate(layers):
        node = graph.add_node(type_id, params, position=(220.0 * index, 0.0))
        if previous is not None:
            graph.connect(previous, "out", node.id, "in")
        previous = node.id
    return graph


@pytest.fixture
def stacked(tmp_path):
    """Two Linears with nothing between (NN301, a warning), on the moons data."""
    graph = chain(
        ("Input", {"features": 2}), ("Linear", {"units": 8}), ("Linear", {"units": 2}),
        ("Output", {}),
    )  # fmt: skip
    path = tmp_path / "stacked.nndesign"
    save_project(Project(graph), path)
    return path, graph


WARNING_LINE = "warning NN301: Linear 'fc1': feeds Linear 'fc2' with no activation between them"


def test_findings_are_warnings_with_their_rule_id(stacked, capsys):
    path, _ = stacked
    assert main(["check", str(path)]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    (warning,) = [line for line in lines if line.startswith("warning")]
    assert warning.startswith(WARNING_LINE)
    assert main(["check", "--strict", str(path)]) == EXIT_PROBLEMS


def test_a_silenced_finding_is_counted_and_listed_with_verbose(stacked, capsys):
    path, graph = stacked
    graph.set_silenced("n2", "NN301", "a linear bottleneck,\non purpose")
    save_project(Project(graph), path)
    assert main(["check", "--strict", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "warning" not in out
    assert "1 silenced finding not shown (--verbose lists them)" in out
    assert main(["check", "--verbose", str(path)]) == EXIT_OK
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("silenced"))
    assert line.startswith("silenced NN301: Linear 'fc1': feeds Linear 'fc2'")
    assert line.endswith("(reason: a linear bottleneck, on purpose)")


def test_an_error_rule_fails_the_check(tmp_path, capsys):
    graph = chain(
        ("Input", {"kind": "tokens", "length": 8, "vocab_size": 1000}),
        ("Embedding", {"num_embeddings": 100}), ("MeanOverTime", {}), ("Linear", {"units": 2}),
        ("Output", {}),
    )  # fmt: skip
    path = tmp_path / "tokens.nndesign"
    save_project(Project(graph), path)
    assert main(["check", "--no-data", str(path)]) == EXIT_PROBLEMS
    assert "error NN102: Embedding 'embed1': has 100 rows" in capsys.readouterr().out


def test_rules_on_the_training_settings(stacked, capsys):
    path, graph = stacked
    graph.set_param("n2", "activation", "relu")
    save_project(Project(graph, training=TrainingSettings(learning_rate=0.5)), path)
    assert main(["check", "--no-data", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "warning NN305: The learning rate 0.5 is far above the 1e-05 to 0.01 that Adam" in out


def test_rules_on_the_data_run_when_it_is_loaded(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 1, 8, 8)).astype(np.float32)
    np.savez(tmp_path / "pictures.npz", x=x, y=np.arange(40) % 2)  # one label per image
    graph = chain(
        ("Input", {"kind": "image", "channels": 1, "height": 8, "width": 8}),
        ("Conv2d", {"out_channels": 2, "padding": 1}), ("Output", {}),
    )  # fmt: skip
    path = tmp_path / "pictures.nndesign"
    save_project(Project(graph, DataSettings(source="npz", path="pictures.npz")), path)
    assert main(["check", str(path)]) == EXIT_PROBLEMS
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if line.startswith("error")]
    assert line.startswith("error NN104: Output 'output1': cross-entropy on a 2×8×8 output")
    assert main(["check", "--no-data", str(path)]) == EXIT_OK
    assert "NN104" not in capsys.readouterr().out
