"""Weights files: round trip, atomic writes, and clear errors."""

import os

import pytest
import torch
from torch import nn

from designer.compiler.weights import WeightsError, load_weights, read_weights, save_weights


def model(seed=0, hidden=8):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, hidden), nn.BatchNorm1d(hidden), nn.Linear(hidden, 2))


def test_round_trip_with_buffers_and_metadata(tmp_path):
    source, target = model(0), model(1)
    source[1].running_mean += 3.0
    path = tmp_path / "sub" / "weights.safetensors"
    save_weights(source, path, metadata={"epoch": "4"})
    load_weights(target, path)
    for name, value in source.state_dict().items():
        assert torch.equal(value, target.state_dict()[name])
    assert sorted(p.name for p in path.parent.iterdir()) == ["weights.safetensors"]


def test_overwrite_is_atomic_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "w.safetensors"
    path.write_bytes(b"old")
    save_weights(model(), path)
    assert len(list(tmp_path.iterdir())) == 1 and read_weights(path)["0.weight"].shape == (8, 4)


def test_tied_weights_can_be_saved(tmp_path):
    tied = nn.Sequential(nn.Linear(3, 3, bias=False), nn.Linear(3, 3, bias=False))
    tied[1].weight = tied[0].weight
    save_weights(tied, tmp_path / "t.safetensors")
    load_weights(tied, tmp_path / "t.safetensors")


def test_errors_are_clear(tmp_path):
    with pytest.raises(WeightsError, match="there is no weights file"):
        load_weights(model(), tmp_path / "missing.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 20)
    with pytest.raises(WeightsError, match="not a valid safetensors weights file"):
        load_weights(model(), bad)
    path = tmp_path / "w.safetensors"
    save_weights(model(hidden=8), path)
    with pytest.raises(WeightsError, match=r"'0\.weight' is 8×4 in the file but 5×4"):
        load_weights(model(hidden=5), path)
    with pytest.raises(WeightsError, match=r"missing 4\.weight, 4\.bias"):
        load_weights(nn.Sequential(*model(), nn.ReLU(), nn.Linear(2, 2)), path)
    with pytest.raises(WeightsError, match=r"unexpected 2\.bias, 2\.weight"):
        load_weights(nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8)), path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WeightsError, match="cannot write"):
        save_weights(model(), blocker / "w.safetensors")


@pytest.mark.parametrize("where", ["write", "replace"])
def test_an_interrupted_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, where):
    """Ctrl+C is no OSError, yet the temporary file must go all the same."""
    path = tmp_path / "w.safetensors"
    path.write_bytes(b"old")

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync" if where == "write" else "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save_weights(model(), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.safetensors"]
    assert path.read_bytes() == b"old"


@pytest.mark.timeout(30)
@pytest.mark.skipif(os.name != "posix", reason="named pipes are POSIX")
def test_a_weights_path_that_is_a_pipe_is_refused(tmp_path):
    pipe = tmp_path / "w.safetensors"
    os.mkfifo(pipe)
    with pytest.raises(WeightsError, match="named pipe"):
        load_weights(model(), pipe)
