"""Data sets load off the GUI thread; only the newest request's outcome is reported."""

from __future__ import annotations

import os
import threading

import pytest

from designer.data import DEFAULT_LAYOUT
from designer.model.settings import DataSettings
from designer.ui.training import data_loading
from designer.ui.training.data_loading import DataLoadController


@pytest.fixture
def controller(qtbot):
    controller = DataLoadController()
    yield controller
    controller.shutdown()


def test_a_data_set_loads_in_the_background(qtbot, controller):
    with qtbot.waitSignal(controller.loaded, timeout=10_000) as signal:
        controller.request(DataSettings(source="iris"), DEFAULT_LAYOUT)
        assert controller.pending  # nothing is loaded in the caller's thread
    data = signal.args[0]
    assert data.name == "iris" and data.num_train == 120
    assert not controller.pending
    answers = []
    controller.loaded.connect(answers.append)
    controller.request(DataSettings(source="iris"), DEFAULT_LAYOUT)  # the same again
    assert answers == [data]  # answered at once from the last result


def test_only_the_newest_request_is_reported(qtbot, controller, monkeypatch):
    release = threading.Event()
    real = data_loading.load_dataset

    def slow_for_moons(settings, layout, folder=None):
        if settings.source == "moons":
            release.wait(10)
        return real(settings, layout, folder)

    monkeypatch.setattr(data_loading, "load_dataset", slow_for_moons)
    loaded = []
    controller.loaded.connect(loaded.append)
    with qtbot.waitSignal(controller.busy_changed, timeout=5000) as busy:
        controller.request(DataSettings(source="moons"), DEFAULT_LAYOUT)
    assert busy.args == [True]
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        controller.request(DataSettings(source="wine"), DEFAULT_LAYOUT)
    assert [d.name for d in loaded] == ["wine"] and not controller.busy
    release.set()
    controller.shutdown()  # the stale moons load ends and is dropped
    qtbot.wait(50)
    assert [d.name for d in loaded] == ["wine"]


def test_a_failure_is_one_message(qtbot, controller, tmp_path):
    missing = DataSettings(source="csv", path=str(tmp_path / "nope.csv"))
    with qtbot.waitSignal(controller.failed, timeout=10_000) as signal:
        controller.request(missing, DEFAULT_LAYOUT)
    assert "nope.csv" in signal.args[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.timeout(30)
def test_a_pipe_as_data_file_is_refused_without_blocking(qtbot, controller, tmp_path):
    pipe = tmp_path / "data.csv"
    os.mkfifo(pipe)
    with qtbot.waitSignal(controller.failed, timeout=10_000) as signal:
        controller.request(DataSettings(source="csv", path=str(pipe)), DEFAULT_LAYOUT)
    assert "not a regular file" in signal.args[0]


def test_relative_paths_are_taken_from_the_project_folder(qtbot, controller, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "t.csv").write_text(
        "a,b,label\n" + "\n".join(f"{i},{i % 3},{i % 2}" for i in range(20)), encoding="utf-8"
    )
    settings = DataSettings(source="csv", path=os.path.join("data", "t.csv"))
    with qtbot.waitSignal(controller.loaded, timeout=10_000) as signal:
        controller.request(settings, DEFAULT_LAYOUT, folder=tmp_path)
    assert signal.args[0].num_train + signal.args[0].num_val == 20
