"""Whatever a file holds, loading either succeeds or raises `ProjectFileError`.

Random JSON, random documents that claim to be projects, random mutations of a real
example (deleted keys, changed types, swapped items), random bytes and truncations.
Whatever loads must also save and load again to the same text.
"""

from __future__ import annotations

import contextlib
import copy
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from designer.io import (
    FORMAT,
    ProjectFileError,
    example_paths,
    load_project,
    project_from_dict,
    project_from_json,
    project_to_json,
)

EXAMPLE = next(p for p in example_paths() if p.stem == "residual_mlp")
TEXT = EXAMPLE.read_text(encoding="utf-8")
RAW = TEXT.encode("utf-8")
DOCUMENT = json.loads(TEXT)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-3, 70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["n1", "n2", "in", "out", "Linear", "Add", "relu", FORMAT, "moons"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=10) | st.sampled_from(list(DOCUMENT)), children, max_size=5
        )
    ),
    max_leaves=25,
)


def load_or_refuse(text: str) -> None:
    """Load; on success, check that save -> load -> save is stable."""
    try:
        project = project_from_json(text)
    except ProjectFileError as error:
        assert str(error)
        return
    saved = project_to_json(project)
    assert project_to_json(project_from_json(saved)) == saved


@given(json_values)
def test_random_json(value) -> None:
    load_or_refuse(json.dumps(value))
    with contextlib.suppress(ProjectFileError):
        project_from_dict(value)


@given(
    st.fixed_dictionaries(
        {"format": st.just(FORMAT), "format_version": st.sampled_from([1, 1, 1, 0, 2, "1"])},
        optional={key: json_values for key in DOCUMENT if not key.startswith("format")},
    )
)
def test_random_documents(document: dict) -> None:
    load_or_refuse(json.dumps(document))


def locations(value, path=()):
    """Every (container path, key) in a JSON tree."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (path, key)
            yield from locations(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (path, index)
            yield from locations(item, (*path, index))


PLACES = list(locations(DOCUMENT))


def mutate(document: dict, data: st.DataObject) -> dict:
    document = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 3))):
        path, key = data.draw(st.sampled_from(PLACES))
        parent = document
        try:
            for step in path:
                parent = parent[step]
            current = parent[key]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed it
        action = data.draw(st.sampled_from(["delete", "replace", "retype", "copy", "rename"]))
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = data.draw(json_values)
        elif action == "retype":
            parent[key] = data.draw(
                st.sampled_from([None, 0, -1, 1.5, "", "x", [], {}, [current], {"v": current}])
            )
        elif action == "copy" and isinstance(parent, list):
            parent.insert(data.draw(st.integers(0, len(parent))), copy.deepcopy(current))
        elif isinstance(parent, dict):
            parent[data.draw(st.text(max_size=6) | st.sampled_from(list(DOCUMENT)))] = parent.pop(
                key
            )
    return document


@given(st.data())
def test_mutated_example(data: st.DataObject) -> None:
    load_or_refuse(json.dumps(mutate(DOCUMENT, data)))


@given(st.integers(0, len(TEXT.rstrip()) - 1))
def test_truncated_example(length: int) -> None:
    with pytest.raises(ProjectFileError):
        project_from_json(TEXT[:length])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def load_bytes(folder: Path, raw: bytes) -> None:
    path = folder / "fuzz.nndesign"
    path.write_bytes(raw)
    try:
        project = load_project(path)
    except ProjectFileError as error:
        assert error.source == str(path)
        return
    saved = project_to_json(project)
    assert project_to_json(project_from_json(saved)) == saved


@given(raw=st.binary(max_size=300))
def test_random_bytes(folder: Path, raw: bytes) -> None:
    load_bytes(folder, raw)


@given(data=st.data())
def test_damaged_bytes(folder: Path, data: st.DataObject) -> None:
    raw = bytearray(RAW)
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "insert", "delete", "cut"]))
        if action == "flip":
            raw[position] ^= 1 << data.draw(st.integers(0, 7))
        elif action == "insert":
            raw[position:position] = data.draw(st.binary(min_size=1, max_size=4))
        elif action == "delete":
            del raw[position]
        else:
            del raw[position:]
        if not raw:
            break
    load_bytes(folder, bytes(raw))
