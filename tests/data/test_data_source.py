"""Exported data snippets reproduce `load_dataset` exactly, without importing designer."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from designer.data import (
    DEFAULT_LAYOUT,
    DataLayout,
    DataSource,
    InputSlot,
    OutputSlot,
    dataset_source,
    load_dataset,
)
from designer.model.settings import DATA_SOURCES, FILE_SOURCES, DataSettings

BUILTIN = [s for s in DATA_SOURCES if s not in FILE_SOURCES]
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def run_snippet(source: DataSource, path: str = "", seed=None):
    namespace = {"__name__": "exported"}
    exec(compile(source.portable().script(), "<exported>", "exec"), namespace)
    assert not any(name == "designer" or name.startswith("designer.") for name in namespace)
    load = namespace[source.function]
    return load(path) if seed is None else load(path, seed)


def assert_same(settings, parts, layout=DEFAULT_LAYOUT):
    data = load_dataset(settings, layout)
    for got, want in zip(parts, (data.train, data.val), strict=True):
        assert got.keys() == want.keys()
        for name, array in got.items():
            assert array.dtype == want[name].dtype and array.shape == want[name].shape
            assert np.array_equal(array, want[name])


@pytest.mark.parametrize("source", BUILTIN)
def test_snippet_matches_load_dataset_for_each_builtin_source(source):
    settings = DataSettings(source=source, samples=120, noise=0.2, classes=3, seed=5)
    snippet = dataset_source(settings)
    code = snippet.portable().code
    assert "designer" not in code
    assert code.count("def load_data(path: str, seed: int = 5):") == 1
    assert_same(settings, run_snippet(snippet))
    assert_same(settings.replace(seed=9), run_snippet(snippet, seed=9))


def test_snippet_matches_for_csv_and_keeps_user_strings_quoted(tmp_path):
    path = tmp_path / 'it\'s "odd"\n.csv'
    rows = ["x1,colour,price '); import os #"] + [
        f"{i},{'red' if i % 3 else 'blue'},{i % 4}" for i in range(40)
    ]
    path.write_text("\n".join(rows), encoding="utf-8")
    settings = DataSettings(
        source="csv", path=str(path), target_column="price '); import os #", stratify=False
    )
    snippet = dataset_source(settings)
    portable = snippet.portable()
    assert str(path) not in portable.code  # the path is an argument, not part of the code
    assert "import csv" in portable.imports and "import numpy as np" in portable.imports
    assert_same(settings, run_snippet(snippet, str(path)))


def test_snippet_matches_for_npz(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.random.default_rng(0).normal(size=(50, 3)), y=np.arange(50) % 5)
    settings = DataSettings(source="npz", path=str(path), standardize=False)
    assert_same(settings, run_snippet(dataset_source(settings), str(path)))


def test_snippet_matches_for_several_named_arrays_and_tokens(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "multi.npz"
    np.savez(
        path,
        words=rng.integers(0, 50, (60, 7)),
        extra=rng.normal(size=(60, 3)),
        label=np.arange(60) % 3,
        score=rng.normal(size=(60, 2)),
    )
    layout = DataLayout(
        (InputSlot("a", "words", (7,), tokens=True, vocab_size=50), InputSlot("b", "extra", (3,))),
        (OutputSlot("c", "label", "cross_entropy"), OutputSlot("d", "score", "mse")),
    )
    settings = DataSettings(source="npz", path=str(path))
    snippet = dataset_source(settings, layout)
    train, val = run_snippet(snippet, str(path))
    assert train["words"].dtype == np.int64 and train["extra"].dtype == np.float32
    assert_same(settings, (train, val), layout)


def test_snippet_matches_for_an_image_folder(tmp_path):
    from PIL import Image

    for label, colour in (("cat", 40), ("dog", 200)):
        (tmp_path / label).mkdir()
        for index in range(5):
            Image.new("L", (6, 4), colour + index).save(tmp_path / label / f"{index}.png")
    settings = DataSettings(source="image_folder", path=str(tmp_path))
    train, val = run_snippet(dataset_source(settings), str(tmp_path))
    assert train["x"].dtype.kind == "U" and sorted(train["y"].tolist()) == [0, 0, 0, 0, 1, 1, 1, 1]
    assert_same(settings, (train, val))


def test_a_builtin_set_is_replaced_by_an_npz_file(tmp_path):
    path = tmp_path / "mine.npz"
    np.savez(path, x=np.ones((20, 2)), y=np.arange(20) % 2)
    snippet = dataset_source(DataSettings(source="moons"))
    train, _ = run_snippet(snippet, str(path))
    assert len(train["x"]) == 16 and np.all(train["x"] == 0.0)  # standardized constant column


def test_imports_are_separate_and_hoisted_out_of_functions():
    snippet = dataset_source(DataSettings(source="digits_images")).portable()
    assert "from sklearn.datasets import load_digits" in snippet.imports
    assert "import numpy as np" in snippet.imports
    assert "from sklearn" not in snippet.code
    script = snippet.script()
    assert script.startswith("import math\nimport os\nimport stat\nimport zipfile\n\nimport numpy")


def test_the_snippet_reuses_the_library_functions_verbatim():
    import inspect

    from designer.data.datasets import make_spirals
    from designer.data.prepare import prepare_arrays

    code = dataset_source(DataSettings(source="spirals")).portable().code
    assert inspect.getsource(make_spirals) in code
    assert inspect.getsource(prepare_arrays) in code


@pytest.mark.parametrize("source", ["moons", "iris", "csv"])
def test_generated_script_is_ruff_clean(tmp_path, source):
    pytest.importorskip("ruff")
    settings = DataSettings(source=source, path="data/table.csv", target_column="label")
    file = tmp_path / "exported.py"
    file.write_text(dataset_source(settings).portable().script(), encoding="utf-8")
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "ruff",
                *command,
                "--no-cache",
                "--config",
                str(PYPROJECT),
                str(file),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
