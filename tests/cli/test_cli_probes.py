"""`nn-designer preflight` and `nn-designer lr-find`: tables, verdicts, the suggested rate
on the last line, and exit statuses."""

from __future__ import annotations

import json
import math

import pytest

from designer.cli import main
from designer.io import EXAMPLES_DIR, load_project
from designer.training.lr_finder import find_learning_rate
from designer.training.session import prepare_run

IRIS = EXAMPLES_DIR / "iris_mlp.nndesign"
DIGITS = EXAMPLES_DIR / "digits_cnn.nndesign"


def test_preflight_prints_every_layer_and_passes_an_example(capsys):
    assert main(["preflight", str(DIGITS), "--device", "cpu"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Pre-flight of 'Digits CNN': up to 300 steps on one batch of 64")
    assert out[1].split()[:3] == ["layer", "type", "act"]
    rows = {line.split()[0]: line.split() for line in out[2:7]}
    assert set(rows) == {"conv1", "pool1", "conv2", "gap", "logits"}
    assert rows["conv1"][-3].endswith("%") and rows["pool1"][-3:] == ["-", "-", "-"]
    assert float(rows["logits"][-2]) > 0  # the gradient norm of a layer with weights
    assert out[-1].startswith("Passed")


def test_preflight_fails_with_a_finding_and_exit_status_1(capsys):
    assert main(["preflight", str(IRIS), "--lr", "10", "--steps", "40"]) == 1
    out = capsys.readouterr().out
    assert "in 40 steps" in out
    assert "warning NN401: Cannot learn one batch by heart" in out
    assert "learning rate is likely too high" in out
    assert out.splitlines()[-1] == "Failed: the design cannot learn one batch by heart"


def test_lr_find_ends_with_the_suggested_rate(capsys):
    assert main(["lr-find", str(IRIS), "--steps", "120"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rate = float(lines[-1])
    project = load_project(IRIS)
    expected = find_learning_rate(prepare_run(project), steps=120).suggestion
    assert math.isclose(rate, float(f"{expected:.3g}"))
    assert lines[-2].startswith("Suggested learning rate (")
    assert lines[1].split() == ["rate", "loss", "smoothed"]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["preflight", str(IRIS), "--steps", "1"], "--steps: must be at least 2"),
        (["lr-find", str(IRIS), "--batch-size", "0"], "batch_size"),
        (["preflight", "missing.nndesign"], "missing.nndesign"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err


def test_a_design_that_cannot_train_is_one_line_and_exit_status_1(tmp_path, capsys):
    document = json.loads(IRIS.read_text())
    document["nodes"] = [n for n in document["nodes"] if n["type"] != "Output"]
    document["edges"] = [
        e for e in document["edges"] if e["to"][0] in {n["id"] for n in document["nodes"]}
    ]
    path = tmp_path / "no_output.nndesign"
    path.write_text(json.dumps(document))
    assert main(["lr-find", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "error: Training needs an Output layer: the design has none"
