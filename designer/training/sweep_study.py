"""A project's sweep as an Optuna study: storage, sampler, pruner, distributions, results.

Optuna is an optional extra (``pip install "nn-designer[sweep]"``): this module imports it
only when a study is opened, and `optuna_missing` says what to install, so the window and
the other verbs work without it.

# NOTE: a study lives in an Optuna storage, by default a SQLite file beside the project
# (``NAME.sweeps.sqlite``). Every process taking part, the worker processes of one sweep
# and those of other machines pointed at the same database server, opens the study by
# name with the same sampler and pruner and asks it for trials; Optuna keeps them apart.
# That is how a sweep outgrows one process and one machine, with nothing else to share.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from designer.catalog.objectives import CLASSES, LOSSES, VALUES, metric_spec
from designer.data import data_layout
from designer.model import Analysis, Project, infer_shapes
from designer.model.sweep import CHOICE, INT, SweepParam, SweepSettings
from designer.model.sweep_design import grid_values

if TYPE_CHECKING:
    import optuna

INSTALL_HINT = 'Sweeps need Optuna: pip install "nn-designer[sweep]"'
STORAGE_SUFFIX = ".sweeps.sqlite"
SQLITE_TIMEOUT_S = 60  # writers of one SQLite file wait in turn rather than fail
OPEN_ATTEMPTS = 4
OPEN_RETRY_S = 0.25
PRUNE_STARTUP_TRIALS = 3  # finished trials before any is pruned
PRUNE_WARMUP_EPOCHS = 1  # epochs every trial runs before it may be pruned
METRIC_ATTR = "nn_designer_metric"
REASON_ATTR = "reason"
COMPLETE, PRUNED, FAILED, RUNNING = "complete", "pruned", "failed", "running"


class SweepSetupError(ValueError):
    """The sweep cannot start: the message says why (an empty space, a layer deleted since,
    an unknown metric, a storage that cannot be opened, a study run for another metric)."""


def optuna_missing() -> str | None:
    """What to install for sweeps, or None when Optuna is there."""
    try:
        import optuna  # noqa: F401
    except ImportError:
        return INSTALL_HINT
    return None


def default_storage(project_path: str | os.PathLike[str]) -> str:
    """``sqlite:///…/NAME.sweeps.sqlite`` beside the project file."""
    path = os.path.abspath(os.fspath(project_path))
    stem = os.path.splitext(path)[0]
    return f"sqlite:///{stem}{STORAGE_SUFFIX}"


def default_study_name(project_path: str | os.PathLike[str] | None) -> str:
    """The project file's name without its extension, the study a sweep joins by default."""
    if project_path is None:
        return "sweep"
    return os.path.splitext(os.path.basename(os.fspath(project_path)))[0] or "sweep"


# ------------------------------------------------------------------- metrics
def available_metrics(project: Project, analysis: Analysis | None = None) -> tuple[str, ...]:
    """The metrics a run of this design reports, as the loop names them: the validation
    loss first, then per output its accuracy (and mean IoU when it is dense) or MAE and
    R²; with several outputs ``"name: metric"`` and each output's own loss. ``analysis``
    is the design's, when the caller has it."""
    analysis = analysis or infer_shapes(project.graph)
    if analysis.errors or not project.graph.nodes_of_role("output"):
        return ("val_loss",)
    layout = data_layout(project.graph, analysis)
    several = len(layout.outputs) > 1
    keys = ["val_loss"]
    for slot in layout.outputs:
        prefix = f"{slot.name}: " if several else ""
        if several:
            keys.append(prefix + "loss")
        keys.extend(prefix + metric for metric in _slot_metrics(slot.loss, slot.dims or ()))
    return tuple(keys)


def _slot_metrics(loss: str, dims: tuple[int, ...]) -> tuple[str, ...]:
    spec = LOSSES[loss]
    if spec.targets == VALUES:
        return ("mae", "r2")
    dense = len(dims) > 1 if spec.targets == CLASSES else math.prod(dims) > 1
    return ("accuracy", "mean_iou") if dense else ("accuracy",)


def direction(metric: str) -> str:
    """``"minimize"`` for losses and errors, ``"maximize"`` for accuracy, IoU and R²."""
    spec = metric_spec(metric)
    return "maximize" if spec is not None and spec.better == "higher" else "minimize"


def better(metric: str, value: float, than: float) -> bool:
    """Whether ``value`` of ``metric`` is better than ``than``."""
    return value > than if direction(metric) == "maximize" else value < than


# ------------------------------------------------------------------- Optuna
def make_sampler(sweep: SweepSettings) -> optuna.samplers.BaseSampler:
    """TPE (each worker draws its own random start), or a grid over `grid_values`."""
    import optuna

    if sweep.sampler == "grid":
        return optuna.samplers.GridSampler(grid_space(sweep))
    return optuna.samplers.TPESampler()


def make_pruner(sweep: SweepSettings) -> optuna.pruners.BasePruner:
    """The median rule: a trial whose epoch value is worse than the median of the earlier
    trials at that epoch stops there. No pruning when the sweep turns it off."""
    import optuna

    if not sweep.pruning:
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(
        n_startup_trials=PRUNE_STARTUP_TRIALS, n_warmup_steps=PRUNE_WARMUP_EPOCHS
    )


def grid_space(sweep: SweepSettings) -> dict[str, list[Any]]:
    return {p.key: list(grid_values(p)) for p in sweep.parameters}


def grid_size(sweep: SweepSettings) -> int:
    return math.prod(len(values) for values in grid_space(sweep).values())


def grid_left(study: optuna.Study, sweep: SweepSettings) -> int:
    """Points of the grid that no trial of the study has tried or is trying. (Optuna's
    grid sampler would try a point again once all are taken, and stops only the
    process that finishes the last one.)"""
    keys = [p.key for p in sweep.parameters]
    grid = set(itertools.product(*grid_space(sweep).values()))
    taken = {tuple(t.params.get(k) for k in keys) for t in study.get_trials(deepcopy=False)}
    return len(grid - taken)


def suggest(trial: optuna.Trial, sweep: SweepSettings) -> dict[str, Any]:
    """Draw the trial's value of every dimension, by key."""
    return {p.key: _suggest_one(trial, p) for p in sweep.parameters}


def _suggest_one(trial: optuna.Trial, param: SweepParam) -> Any:
    if param.kind == CHOICE:
        return trial.suggest_categorical(param.key, list(param.choices))
    if param.kind == INT:
        return trial.suggest_int(param.key, int(param.low), int(param.high), log=param.log)
    return trial.suggest_float(param.key, param.low, param.high, log=param.log)


def storage_for(url: str) -> optuna.storages.BaseStorage | str:
    """An SQLite storage that waits for its turn to write (several processes share the
    file) and writes ahead (see `_sqlite_pragmas`); any other URL as it is, for Optuna."""
    import optuna
    import sqlalchemy

    if not url.startswith("sqlite:"):
        return url
    engine = {"connect_args": {"timeout": SQLITE_TIMEOUT_S}}
    storage = optuna.storages.RDBStorage(url, engine_kwargs=engine)
    sqlalchemy.event.listen(storage.engine, "connect", _sqlite_pragmas)
    storage.engine.dispose()  # the connections made before the listener: made anew
    return storage


def _sqlite_pragmas(connection, _record) -> None:
    """Write-ahead logging, synced at checkpoints rather than at every commit: a trial
    commits after every epoch, and waiting for the disk each time cost a quarter of a
    small trial's time. Readers then no longer wait for a writer either. (A file that
    several machines share needs a database server instead, as SQLite says anyway.)"""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def open_study(
    storage: str, name: str, sweep: SweepSettings, sampler=None, pruner=None
) -> optuna.Study:
    """Create the study, or join it when it exists; refuse one run for another metric.

    Raises `SweepSetupError` for a storage that cannot be opened."""
    import optuna
    import sqlalchemy

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    for attempt in range(OPEN_ATTEMPTS):
        try:
            study = optuna.create_study(
                storage=storage_for(storage),
                study_name=name,
                direction=direction(sweep.metric),
                sampler=sampler,
                pruner=pruner,
                load_if_exists=True,
            )
            break
        except sqlalchemy.exc.SQLAlchemyError as error:
            # NOTE: processes opening a new database at once race to create its tables
            # (one finds them half made); the loser's next try finds them complete.
            if attempt + 1 == OPEN_ATTEMPTS:
                reason = _first_line(error)
                raise SweepSetupError(f"cannot open the storage {storage}: {reason}") from None
            time.sleep(OPEN_RETRY_S * (attempt + 1))
        except (ValueError, ImportError, OSError) as error:
            raise SweepSetupError(f"cannot open the storage {storage}: {error}") from None
    _check_metric(study, name, sweep.metric)
    return study


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _check_metric(study: optuna.Study, name: str, metric: str) -> None:
    """A study measures one metric: record it, or refuse to mix another one in."""
    recorded = study.user_attrs.get(METRIC_ATTR)
    if recorded is None:
        study.set_user_attr(METRIC_ATTR, metric)
    elif recorded != metric:
        raise SweepSetupError(
            f"the study {name!r} measures {recorded!r}, not {metric!r}: choose that metric "
            "or another study name"
        )


# ------------------------------------------------------------------- results
@dataclass(frozen=True)
class TrialRow:
    """One trial as the table and the plot show it."""

    number: int
    state: str
    values: Mapping[str, Any]
    value: float | None = None
    epoch: int = 0
    reason: str = ""
    seconds: float | None = None

    @property
    def finished(self) -> bool:
        return self.state != RUNNING


def rows_of(study: optuna.Study) -> list[TrialRow]:
    """Every trial of a study (of this process, another or another machine), by number."""
    return [_row(trial) for trial in study.get_trials(deepcopy=False)]


def _row(trial: optuna.trial.FrozenTrial) -> TrialRow:
    from optuna.trial import TrialState

    states = {
        TrialState.COMPLETE: COMPLETE,
        TrialState.PRUNED: PRUNED,
        TrialState.FAIL: FAILED,
    }
    seconds = trial.duration.total_seconds() if trial.duration is not None else None
    steps = trial.intermediate_values
    return TrialRow(
        number=trial.number,
        state=states.get(trial.state, RUNNING),
        values=dict(trial.params),
        value=trial.value if trial.state == TrialState.COMPLETE else None,
        epoch=max(steps) if steps else 0,
        reason=str(trial.user_attrs.get(REASON_ATTR, "")),
        seconds=seconds,
    )


def best_row(rows: Sequence[TrialRow], metric: str) -> TrialRow | None:
    """The completed trial with the best finite value (the earliest of equals)."""
    best: TrialRow | None = None
    for row in rows:
        if row.state != COMPLETE or row.value is None or not math.isfinite(row.value):
            continue
        if best is None or better(metric, row.value, best.value):  # type: ignore[arg-type]
            best = row
    return best
