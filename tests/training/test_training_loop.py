"""The training loop: it learns, stays deterministic, and always ends with a record."""

import dataclasses
import importlib.util
import threading
from pathlib import Path

import pytest
import torch
from torch import nn

from designer.data import load_dataset
from designer.model.settings import OPTIMIZERS, SCHEDULES, DataSettings, TrainingSettings
from designer.training import (
    BatchProgress,
    EpochProgress,
    RunControl,
    RunFailed,
    RunFinished,
    train,
)
from designer.training.session import run_for_module

torch.set_num_threads(1)
BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_training.py"


@pytest.fixture(scope="module")
def breast_cancer():
    return load_dataset(DataSettings(source="breast_cancer"))


@pytest.fixture(scope="module")
def iris():
    return load_dataset(DataSettings(source="iris"))


def run(model, data, loss, control=None, **settings):
    settings.setdefault("device", "cpu")
    prepared = run_for_module(model, data, TrainingSettings(**settings), loss)
    records = list(train(prepared, control))
    return records, records[-1]


def mlp(inputs, outputs, seed=0, hidden=16):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, outputs))


def test_classic_binary_classifier_on_breast_cancer(breast_cancer):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(30, 10), nn.ReLU(), nn.Linear(10, 1), nn.Sigmoid())
    records, end = run(model, breast_cancer, "bce", learning_rate=0.01, epochs=30)
    assert isinstance(end, RunFinished) and end.reason == "completed"
    assert end.epochs_run == 30 and end.final_metrics["accuracy"] >= 0.93
    epochs = [r for r in records if isinstance(r, EpochProgress)]
    batches = [r for r in records if isinstance(r, BatchProgress)]
    assert [e.epoch for e in epochs] == list(range(1, 31))
    assert len(batches) == 30 * 15 and batches[-1].step == 450 == epochs[-1].step
    assert epochs[-1].train_loss < epochs[0].train_loss
    assert epochs[-1].eta == 0 and epochs[0].eta > 0 and epochs[-1].elapsed > 0
    assert all(b.learning_rate == 0.01 and b.samples_per_second > 0 for b in batches)


def test_iris_mlp_with_cross_entropy(iris):
    _, end = run(mlp(4, 3), iris, "cross_entropy", learning_rate=0.01, epochs=40)
    assert end.reason == "completed" and end.final_metrics["accuracy"] >= 0.9


def test_small_cnn_on_digit_images():
    data = load_dataset(DataSettings(source="digits_images"))
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8 * 4 * 4, 10),
    )
    _, end = run(model, data, "cross_entropy", learning_rate=0.01, epochs=6, batch_size=64)
    assert end.reason == "completed" and end.final_metrics["accuracy"] >= 0.9


def test_regression_reports_mae_and_r2():
    data = load_dataset(DataSettings(source="regression1d", samples=300, noise=0.05))
    records, end = run(mlp(1, 1, hidden=32), data, "mse", learning_rate=0.02, epochs=60)
    assert set(records[-2].metrics) == {"mae", "r2"}
    assert end.final_metrics["r2"] > 0.8 and end.final_metrics["mae"] < 0.3


def test_same_seed_gives_identical_weights_and_matches_the_plain_loop(iris):
    spec = importlib.util.spec_from_file_location("bench_training", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    settings = TrainingSettings(epochs=3, batch_size=16, learning_rate=0.01, seed=7, device="cpu")
    models = [mlp(4, 3, seed=1) for _ in range(4)]
    for model in models[:2]:
        list(train(run_for_module(model, iris, settings, "cross_entropy")))
    list(train(run_for_module(models[2], iris, settings.replace(seed=8), "cross_entropy")))
    bench.plain_train(models[3], iris, settings)
    assert bench.same_weights(models[0], models[1])
    assert bench.same_weights(models[0], models[3])
    assert not bench.same_weights(models[0], models[2])


class NanAfter(nn.Module):
    """Returns NaN from the given training call on."""

    def __init__(self, calls):
        super().__init__()
        self.layer = nn.Linear(4, 3)
        self.calls, self.seen = calls, 0

    def forward(self, x):
        if self.training:
            self.seen += 1
            if self.seen >= self.calls:
                return self.layer(x) * float("nan")
        return self.layer(x)


def test_nan_loss_ends_the_run_naming_the_step(iris):
    model = NanAfter(calls=10)  # 120 rows / 32 = 4 batches per epoch: step 10 is in epoch 3
    records, end = run(model, iris, "cross_entropy", batch_size=32)
    assert isinstance(end, RunFailed) and end.step == 10
    assert end.message.startswith("loss became NaN at step 10 (epoch 3)")
    assert sum(isinstance(r, BatchProgress) for r in records) == 9
    assert torch.all(torch.isfinite(model.layer.weight))  # the bad step was not applied


def test_huge_learning_rate_diverges_to_a_failure():
    data = load_dataset(DataSettings(source="regression1d", samples=100, standardize=False))
    _, end = run(mlp(1, 1), data, "mse", optimizer="sgd", learning_rate=10.0, epochs=50)
    assert isinstance(end, RunFailed)
    assert end.message.startswith("loss became") and f"step {end.step} " in end.message


class Explodes(nn.Module):
    def __init__(self, error):
        super().__init__()
        self.layer, self.error, self.calls = nn.Linear(4, 3), error, 0

    def forward(self, x):
        self.calls += 1
        if self.training and self.calls > 3:  # after probing its output (2 calls), 1 step
            raise self.error
        return self.layer(x)


def test_exception_in_the_model_becomes_a_one_line_failure(iris):
    _, end = run(Explodes(RuntimeError("boom\nwith details")), iris, "cross_entropy")
    assert isinstance(end, RunFailed) and end.step == 2
    assert end.message == "the model failed at step 2 (epoch 1): boom"
    _, end = run(Explodes(RuntimeError("CUDA out of memory. Tried")), iris, "cross_entropy")
    assert end.message.startswith("ran out of memory at step 2 (epoch 1)")


def test_wrong_input_size_fails_before_the_first_step(iris):
    _, end = run(mlp(5, 3), iris, "cross_entropy")
    assert isinstance(end, RunFailed) and end.step == 0
    assert end.message.startswith("the model failed before the first step: mat1 and mat2")


@pytest.mark.parametrize(
    ("outputs", "loss", "message"),
    [
        (1, "cross_entropy", "the output has 1 unit but the data has 3 classes"),
        (3, "mse", "mean squared error needs real-valued targets, but 'iris' has class labels"),
        (1, "bce", "binary cross-entropy needs 2 classes, but 'iris' has 3"),
    ],
)
def test_loss_and_output_mismatch_is_reported_up_front(iris, outputs, loss, message):
    _, end = run(mlp(4, outputs), iris, loss)
    assert isinstance(end, RunFailed) and end.message.startswith(message)


def test_model_without_parameters_and_missing_device(iris):
    _, end = run(
        nn.Sequential(nn.Identity(), nn.Linear(4, 3).requires_grad_(False)), iris, "cross_entropy"
    )
    assert end.message == "the model has no trainable parameters"
    if not torch.cuda.is_available():
        _, end = run(mlp(4, 3), iris, "cross_entropy", device="cuda")
        assert end.message == "CUDA was requested, but no CUDA device is available"


def test_stop_after_the_first_batch(iris):
    control = RunControl()
    records = []
    for record in train(run_for_module(mlp(4, 3), iris, TrainingSettings(device="cpu")), control):
        records.append(record)
        control.stop()
    assert len(records) == 2 and isinstance(records[0], BatchProgress)
    end = records[-1]
    assert isinstance(end, RunFinished) and end.reason == "stopped" and end.epochs_run == 0
    assert "accuracy" in end.final_metrics and end.best_epoch == 0


def test_pause_and_resume_from_another_thread(iris, watched_control, fake_clock):
    control, records = watched_control(), []
    first, go_on = threading.Event(), threading.Event()
    settings = TrainingSettings(epochs=3, batch_size=8, device="cpu")

    def consume():
        for record in train(run_for_module(mlp(4, 3), iris, settings), control):
            records.append(record)
            if len(records) == 1:  # hold the loop here until the test has paused it
                first.set()
                go_on.wait(timeout=60)

    worker = threading.Thread(target=consume)
    control.pause()
    worker.start()
    assert control.blocked.wait(timeout=60)  # waiting before its first batch
    assert records == [] and control.paused
    fake_clock.advance(1000)
    control.resume()
    assert first.wait(timeout=60)
    control.pause()
    go_on.set()
    assert control.blocked.wait(timeout=60)  # waiting before the next batch
    count = len(records)
    fake_clock.advance(1000)
    assert worker.is_alive() and len(records) == count == 1
    control.resume()
    worker.join(timeout=60)
    assert not worker.is_alive() and records[-1].reason == "completed"
    assert records[-1].elapsed < 1000  # the 2000 s spent paused are not counted


def test_stop_while_paused_ends_the_run(iris, watched_control):
    control, records = watched_control(), []
    control.pause()
    worker = threading.Thread(
        target=lambda: records.extend(
            train(run_for_module(mlp(4, 3), iris, TrainingSettings(device="cpu")), control)
        )
    )
    worker.start()
    assert control.blocked.wait(timeout=60)
    control.stop()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert records[-1].reason == "stopped" and not control.paused


def test_early_stopping_restores_the_best_weights():
    data = load_dataset(DataSettings(source="regression1d", samples=30, noise=1.0))
    model = mlp(1, 1, hidden=64)
    snapshots, val_losses = {}, {}
    settings = TrainingSettings(
        learning_rate=0.05, epochs=300, early_stopping=True, patience=3, batch_size=8, device="cpu"
    )
    for record in train(run_for_module(model, data, settings, "mse")):
        if isinstance(record, EpochProgress):
            snapshots[record.epoch] = {k: v.clone() for k, v in model.state_dict().items()}
            val_losses[record.epoch] = record.val_loss
    assert record.reason == "early_stopped"
    assert record.epochs_run == record.best_epoch + 3 < 300
    assert record.best_epoch == min(val_losses, key=val_losses.get)
    best = snapshots[record.best_epoch]
    assert all(torch.equal(v, best[k]) for k, v in model.state_dict().items())
    assert record.final_metrics["val_loss"] == pytest.approx(val_losses[record.best_epoch])


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_every_optimizer_and_schedule_runs(iris, optimizer, schedule):
    settings = dict(
        optimizer=optimizer,
        schedule=schedule,
        epochs=3,
        step_size=1,
        gamma=0.5,
        learning_rate=0.01,
        nesterov=True,
        weight_decay=1e-4,
        batch_size=40,
    )
    records, end = run(mlp(4, 3), iris, "cross_entropy", **settings)
    assert isinstance(end, RunFinished) and end.reason == "completed"
    rates = [r.learning_rate for r in records if isinstance(r, BatchProgress)]
    assert len(rates) == 9 and rates[0] == pytest.approx(
        0.01 if schedule != "one_cycle" else 0.01 / 25
    )
    if schedule == "step":
        assert rates[3] == pytest.approx(0.005) and rates[6] == pytest.approx(0.0025)
    if schedule == "one_cycle":
        assert max(rates) == pytest.approx(0.01, rel=0.2) and len(set(rates)) == 9
    if schedule == "none":
        assert set(rates) == {0.01}


def test_gradient_clipping_changes_the_updates(iris):
    plain, clipped = mlp(4, 3), mlp(4, 3)
    run(plain, iris, "cross_entropy", epochs=1, learning_rate=0.1, optimizer="sgd")
    run(
        clipped, iris, "cross_entropy", epochs=1, learning_rate=0.1, optimizer="sgd", grad_clip=0.01
    )
    assert not torch.equal(plain[0].weight, clipped[0].weight)


def test_progress_records_are_immutable(iris):
    records, end = run(mlp(4, 3), iris, "cross_entropy", epochs=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        records[0].step = 5
    with pytest.raises(TypeError):
        end.final_metrics["accuracy"] = 1.0


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_auto_device_trains_on_cuda(breast_cancer):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(30, 10), nn.ReLU(), nn.Linear(10, 1), nn.Sigmoid())
    _, end = run(model, breast_cancer, "bce", learning_rate=0.01, epochs=30, device="auto")
    assert end.reason == "completed" and end.final_metrics["accuracy"] >= 0.93
    assert model[0].weight.device.type == "cuda"
