"""A sweep's objective (values on a copy, trained, reported, pruned, failed with a reason)
and its worker processes (a budget, events, a clean stop)."""

from __future__ import annotations

import itertools

import pytest

optuna = pytest.importorskip("optuna")

from optuna.distributions import FloatDistribution, IntDistribution  # noqa: E402
from optuna.trial import TrialState, create_trial  # noqa: E402
from sweep_designs import HIDDEN, LOGITS, save_tiny, tiny_project  # noqa: E402

from designer.io import project_to_json  # noqa: E402
from designer.model import DataSettings, Graph, Project, TrainingSettings  # noqa: E402
from designer.model.sweep import SweepParam, SweepSettings  # noqa: E402
from designer.model.sweep_design import apply_values, node_param  # noqa: E402
from designer.training.loop import RunControl, RunFinished, train  # noqa: E402
from designer.training.session import prepare_run  # noqa: E402
from designer.training.sweep_runner import SweepJob, SweepRunner  # noqa: E402
from designer.training.sweep_study import (  # noqa: E402
    SweepSetupError,
    available_metrics,
    best_row,
    direction,
    make_pruner,
    open_study,
    rows_of,
)
from designer.training.sweep_trial import (  # noqa: E402
    STOPPED_REASON,
    SweepObjective,
    TrialEnded,
    TrialEpoch,
    TrialFailedError,
    TrialStarted,
    WorkerEnded,
)

WAIT_S = 120  # for a worker process to start (it imports torch) and train
optuna.logging.set_verbosity(optuna.logging.ERROR)  # failed trials are expected here


def objective_for(project, events: list, folder=None) -> SweepObjective:
    return SweepObjective(project_to_json(project), folder, RunControl(), events.append)


def run_in_process(project, trials: int, study=None) -> tuple:
    study = study or optuna.create_study(
        direction=direction(project.sweep.metric), pruner=make_pruner(project.sweep)
    )
    events: list = []
    study.optimize(objective_for(project, events), n_trials=trials, catch=(TrialFailedError,))
    return study, events


def train_with(project, values) -> dict:
    apply_values(project, values)
    *_, end = train(prepare_run(project))
    assert isinstance(end, RunFinished)
    return dict(end.final_metrics)


def test_metrics_and_their_direction_follow_the_design() -> None:
    assert available_metrics(tiny_project()) == ("val_loss", "accuracy")
    assert direction("accuracy") == "maximize" and direction("val_loss") == "minimize"


def test_each_trial_trains_a_copy_with_its_values_as_a_plain_run_would() -> None:
    project = tiny_project(epochs=2)
    study, events = run_in_process(project, trials=2)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2
    for trial in study.trials:
        metrics = train_with(tiny_project(epochs=2), trial.params)
        assert trial.value == metrics["accuracy"]  # bit for bit: the same seed and loop
        assert sorted(trial.intermediate_values) == [1, 2]
    assert [type(e) for e in events] == [TrialStarted, TrialEpoch, TrialEpoch, TrialEnded] * 2
    assert project.graph.node(HIDDEN).params["units"] == 8  # the design is untouched
    assert best_row(rows_of(study), "accuracy").value == max(t.value for t in study.trials)


def test_a_trial_the_design_cannot_train_fails_with_its_reason_and_the_sweep_goes_on() -> None:
    project = tiny_project()
    logits = node_param(project.graph, LOGITS, "units").replace(low=3, high=4)
    project.sweep = project.sweep.replace(parameters=(logits,))
    study, events = run_in_process(project, trials=2)
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 2
    reason = study.trials[0].user_attrs["reason"]
    assert reason.startswith("Output 'y': the output has ") and "2 classes" in reason
    ended = [(e.state, e.reason) for e in events if isinstance(e, TrialEnded)]
    assert ended[0] == ("failed", reason)


def test_a_loss_that_becomes_infinite_fails_the_trial() -> None:
    graph = Graph()
    layers = [("Input", {"features": 1}), ("Linear", {"units": 64}), ("Linear", {"units": 1})]
    ids = [graph.add_node(t, p).id for t, p in [*layers, ("Output", {"loss": "mse"})]]
    for src, dst in itertools.pairwise(ids):
        graph.connect(src, "out", dst, "in")
    data = DataSettings(source="regression1d", standardize=False)
    training = TrainingSettings(epochs=1, optimizer="sgd", device="cpu")
    project = Project(graph, data, training)
    huge = SweepParam("", "learning_rate", "float", 1.0, 2.0)
    project.sweep = SweepSettings((huge,), metric="val_loss")
    study, _ = run_in_process(project, trials=1)
    assert study.trials[0].state == TrialState.FAIL
    assert study.trials[0].user_attrs["reason"].startswith("loss became infinite at step")


def test_a_trial_worse_than_the_median_after_an_epoch_is_pruned() -> None:
    project = tiny_project(epochs=4, metric="val_loss")
    study = optuna.create_study(direction="minimize", pruner=make_pruner(project.sweep))
    lr = project.sweep.parameters[0]
    for _ in range(3):  # three earlier trials, far better at every epoch
        study.add_trial(
            create_trial(
                params={lr.key: 0.01, f"{HIDDEN}.units": 8},
                distributions={
                    lr.key: FloatDistribution(lr.low, lr.high, log=True),
                    f"{HIDDEN}.units": IntDistribution(5, 20),
                },
                value=1e-6,
                intermediate_values={1: 1e-6, 2: 1e-6, 3: 1e-6, 4: 1e-6},
            )
        )
    study, events = run_in_process(project, trials=1, study=study)
    trial = study.trials[-1]
    assert trial.state == TrialState.PRUNED
    assert list(trial.intermediate_values) == [1]  # stopped after its first epoch
    assert (events[-1].state, events[-1].epoch) == ("pruned", 1)


@pytest.mark.parametrize(
    ("epochs", "pruning"), [(2, False), (1, True)], ids=["pruning off", "last epoch"]
)
def test_a_trial_is_not_pruned_when_pruning_is_off_or_it_has_finished(epochs, pruning) -> None:
    project = tiny_project(epochs=epochs, metric="val_loss", pruning=pruning)
    study = optuna.create_study(direction="minimize", pruner=make_pruner(project.sweep))
    for _ in range(3):
        study.add_trial(create_trial(value=1e-6, intermediate_values={1: 1e-6, 2: 1e-6}))
    study, _ = run_in_process(project, trials=1, study=study)
    assert study.trials[-1].state == TrialState.COMPLETE


# ------------------------------------------------------------------- processes
def job_for(tmp_path, trials: int, **options) -> SweepJob:
    path = save_tiny(tmp_path, **options)
    return SweepJob(
        project_text=path.read_text(encoding="utf-8"),
        folder=str(tmp_path),
        storage=f"sqlite:///{tmp_path / 'tiny.sweeps.sqlite'}",
        study="tiny",
        trials=trials,
    )


def events_until_done(runner: SweepRunner) -> list:
    events: list = []
    while not runner.done:
        batch = runner.poll(WAIT_S)
        assert batch, "no event from the workers"
        events += batch
    return events


def test_a_worker_process_runs_the_budget_and_reports_each_trial(tmp_path) -> None:
    runner = SweepRunner(job_for(tmp_path, trials=2))
    runner.start()
    try:
        events = events_until_done(runner)
    finally:
        runner.close()
    ended = [e for e in events if isinstance(e, TrialEnded)]
    assert [e.state for e in ended] == ["complete", "complete"]
    assert events[-1] == WorkerEnded(0)
    rows = rows_of(open_study(runner.job.storage, "tiny", runner.sweep))
    assert [(r.number, r.state) for r in rows] == [(0, "complete"), (1, "complete")]
    assert [r.value for r in rows] == [e.value for e in ended]


def test_stop_ends_the_workers_and_records_the_unfinished_trial(tmp_path) -> None:
    runner = SweepRunner(job_for(tmp_path, trials=5, epochs=100_000))
    runner.start()
    try:
        events: list = []
        while not any(isinstance(e, TrialEpoch) for e in events):
            batch = runner.poll(WAIT_S)
            assert batch, "no epoch from the worker"
            events += batch
        runner.stop()
        events += events_until_done(runner)
    finally:
        events += runner.close()
    assert runner.errors() == []
    assert runner.alive == 0
    ended = [e for e in events if isinstance(e, TrialEnded)]
    assert [(e.state, e.reason) for e in ended] == [("failed", STOPPED_REASON)]
    rows = rows_of(runner.study)
    assert [(r.state, r.reason) for r in rows] == [("failed", STOPPED_REASON)]


def test_a_job_that_cannot_run_is_refused_before_anything_starts(tmp_path) -> None:
    job = job_for(tmp_path, trials=1, metric="r2")
    with pytest.raises(SweepSetupError, match=r"does not measure 'r2' \(val_loss, accuracy\)"):
        SweepRunner(job)
    project = tiny_project()
    project.sweep = SweepSettings()
    empty = SweepJob(project_to_json(project), None, "sqlite://", "x", 1)
    with pytest.raises(SweepSetupError, match="choose at least one parameter"):
        SweepRunner(empty)


def test_a_study_keeps_the_metric_it_was_made_for(tmp_path) -> None:
    SweepRunner(job_for(tmp_path, trials=1))  # creates the study, for accuracy
    with pytest.raises(SweepSetupError, match="measures 'accuracy', not 'val_loss'"):
        SweepRunner(job_for(tmp_path, trials=1, metric="val_loss"))


def test_a_storage_that_cannot_be_opened_is_one_message(tmp_path) -> None:
    job = job_for(tmp_path, trials=1)
    bad = SweepJob(job.project_text, None, f"sqlite:///{tmp_path}/none/x.sqlite", "x", 1)
    with pytest.raises(SweepSetupError, match="cannot open the storage"):
        SweepRunner(bad)


def test_opening_a_database_another_process_is_creating_tries_again(tmp_path, monkeypatch):
    import sqlalchemy

    from designer.training import sweep_study

    real, calls = sweep_study.storage_for, []

    def racing(url: str):
        calls.append(url)
        if len(calls) == 1:  # as when another process inserted the schema's version first
            raise sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint"))
        return real(url)

    monkeypatch.setattr(sweep_study, "storage_for", racing)
    monkeypatch.setattr(sweep_study, "OPEN_RETRY_S", 0.0)
    storage = f"sqlite:///{tmp_path / 'race.sqlite'}"
    study = open_study(storage, "race", tiny_project().sweep)
    assert len(calls) == 2 and study.study_name == "race"
