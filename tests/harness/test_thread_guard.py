"""The suite's thread guard (tests/conftest.py) fails a test that leaves a QThread running."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"

LEAKING_TESTS = """
from PySide6.QtCore import QThread


def test_leaves_a_qthread_running(qapp):
    thread = QThread()
    thread.setObjectName("forgotten")
    thread.start()
    leaked.append(thread)  # kept alive, so only the guard can notice it


def test_joins_its_qthread(qapp):
    thread = QThread()
    thread.start()
    thread.quit()
    thread.wait()


leaked = []
"""


def test_a_leaked_qthread_fails_its_test(pytester):
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(test_leaks=LEAKING_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*test left QThreads running: ['forgotten started at *"])
