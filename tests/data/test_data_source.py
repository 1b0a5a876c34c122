"""Exported data snippets reproduce `load_dataset` exactly, without importing designer."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from designer.data import DataSource, dataset_source, load_dataset
from designer.model.settings import DATA_SOURCES, DataSettings

BUILTIN = [s for s in DATA_SOURCES if s not in ("csv", "npz")]
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def run_snippet(source: DataSource, seed=None):
    namespace = {"__name__": "exported"}
    exec(compile(source.script(), "<exported>", "exec"), namespace)
    assert not any(name == "designer" or name.startswith("designer.") for name in namespace)
    load = namespace[source.function]
    return load() if seed is None else load(seed)


def assert_same(settings, arrays):
    data = load_dataset(settings)
    expected = (data.x_train, data.y_train, data.x_val, data.y_val)
    for got, want in zip(arrays, expected, strict=True):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got, want)


@pytest.mark.parametrize("source", BUILTIN)
def test_snippet_matches_load_dataset_for_each_builtin_source(source):
    settings = DataSettings(source=source, samples=120, noise=0.2, classes=3, seed=5)
    snippet = dataset_source(settings)
    assert "designer" not in snippet.code
    assert snippet.code.count("def load_data(seed: int = 5):") == 1
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
    assert repr(str(path)) in snippet.code
    assert "import csv" in snippet.imports and "import numpy as np" in snippet.imports
    assert_same(settings, run_snippet(snippet))


def test_snippet_matches_for_npz(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.random.default_rng(0).normal(size=(50, 3)), y=np.arange(50) % 5)
    settings = DataSettings(source="npz", path=str(path), standardize=False)
    assert_same(settings, run_snippet(dataset_source(settings)))


def test_imports_are_separate_and_hoisted_out_of_functions():
    snippet = dataset_source(DataSettings(source="digits_images"))
    expected = {"from sklearn.datasets import load_digits", "import numpy as np"}
    assert set(snippet.imports) == expected
    assert "import" not in snippet.code.replace("import_", "")
    script = snippet.script()
    assert script.startswith("import numpy as np\nfrom sklearn.datasets import load_digits\n")


def test_the_snippet_reuses_the_library_functions_verbatim():
    import inspect

    from designer.data.datasets import make_spirals
    from designer.data.prepare import split_and_scale

    code = dataset_source(DataSettings(source="spirals")).code
    assert inspect.getsource(make_spirals) in code
    assert inspect.getsource(split_and_scale) in code


@pytest.mark.parametrize("source", ["moons", "iris", "csv"])
def test_generated_script_is_ruff_clean(tmp_path, source):
    pytest.importorskip("ruff")
    settings = DataSettings(source=source, path="data/table.csv", target_column="label")
    file = tmp_path / "exported.py"
    file.write_text(dataset_source(settings).script(), encoding="utf-8")
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
