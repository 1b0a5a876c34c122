"""Files that would hang or exhaust the machine are refused at once, with one reason.

Only regular files are read (a named pipe would block the reader forever, a device never
ends), a file's size is checked before reading, the number of JSON values before parsing,
and the free-form ``metadata`` has bounds of its own that name the place at fault.
"""

from __future__ import annotations

import json
import os
import socket
import tracemalloc
from pathlib import Path

import pytest

from designer.io import ProjectFileError, load_project, project_from_json, project_to_json
from designer.io.files import FileRefusedError, check_regular_file, read_regular_file
from designer.io.schema import (
    MAX_METADATA_CHARS,
    MAX_METADATA_DEPTH,
    MAX_METADATA_STRING,
    MAX_METADATA_VALUES,
    MAX_VALUES,
    check_tree,
)
from designer.model import Graph, Project

posix_only = pytest.mark.skipif(os.name != "posix", reason="named pipes and /dev are POSIX")


def small_project() -> Project:
    graph = Graph()
    a = graph.add_node("Input", {"features": 3})
    b = graph.add_node("Output", {"loss": "mse"})
    graph.connect(a.id, "out", b.id, "in")
    return Project(graph, metadata={"name": "limits"})


def with_metadata(metadata: object) -> str:
    data = json.loads(project_to_json(small_project()))
    data["metadata"] = metadata
    return json.dumps(data)


def refused(text: str, path: str, match: str) -> None:
    with pytest.raises(ProjectFileError, match=match) as caught:
        project_from_json(text)
    assert caught.value.path == path


# ------------------------------------------------------------ what may be read
@posix_only
@pytest.mark.timeout(20)
def test_a_named_pipe_is_refused_without_opening_it(tmp_path):
    pipe = tmp_path / "pipe.nndesign"
    os.mkfifo(pipe)
    with pytest.raises(ProjectFileError, match=r"named pipe \(FIFO\), not a regular") as caught:
        load_project(pipe)
    assert caught.value.source == str(pipe)


@pytest.mark.timeout(20)
def test_a_folder_is_refused(tmp_path):
    folder = tmp_path / "folder.nndesign"
    folder.mkdir()
    with pytest.raises(ProjectFileError, match="this is a folder, not a regular file"):
        load_project(folder)


@posix_only
@pytest.mark.timeout(20)
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused(device):
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    with pytest.raises(ProjectFileError, match="this is a device, not a regular file"):
        load_project(device)


@posix_only
@pytest.mark.timeout(20)
def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s.nndesign"
    if len(str(path)) > 100:  # the limit of a socket address
        pytest.skip("temporary folder path too long for a socket")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(ProjectFileError, match="this is a socket, not a regular file"):
            load_project(path)


def test_a_link_to_a_regular_file_is_read(tmp_path):
    target = tmp_path / "real.nndesign"
    target.write_text(project_to_json(small_project()), encoding="utf-8")
    link = tmp_path / "link.nndesign"
    try:
        link.symlink_to(target)
    except OSError:
        pytest.skip("cannot create symbolic links here")
    assert load_project(link).metadata == {"name": "limits"}


@posix_only
@pytest.mark.timeout(20)
def test_a_link_to_a_pipe_is_refused(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    link = tmp_path / "link.nndesign"
    link.symlink_to(pipe)
    with pytest.raises(ProjectFileError, match="named pipe"):
        load_project(link)


@posix_only
@pytest.mark.timeout(20)
def test_a_file_swapped_for_a_pipe_after_the_check_is_refused(tmp_path, monkeypatch):
    """The opened descriptor is checked too, and opening never blocks."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    regular = os.stat(__file__)
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: regular if p == str(pipe) else real_stat(p))
    with pytest.raises(FileRefusedError, match="named pipe"):
        read_regular_file(pipe, 10 * 1024 * 1024)


def test_the_size_is_checked_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.bin"
    with open(path, "wb") as stream:  # sparse: costs no disk space
        stream.truncate(2 * 1024 * 1024 * 1024)

    def no_opening(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(os, "open", no_opening)
    with pytest.raises(FileRefusedError, match="larger than 1 MB"):
        read_regular_file(path, 1024 * 1024)
    with pytest.raises(FileRefusedError, match=r"larger than 1\.5 GB"):
        check_regular_file(path, 1536 * 1024 * 1024)


def test_reading_stops_at_the_limit_when_the_file_grew(tmp_path, monkeypatch):
    grown, small = tmp_path / "grown.bin", tmp_path / "small.bin"
    grown.write_bytes(b"x" * 5000)
    small.write_bytes(b"x" * 10)
    size_when_checked = os.stat(small)
    monkeypatch.setattr(os, "stat", lambda *args, **kwargs: size_when_checked)
    monkeypatch.setattr(os, "fstat", lambda *args, **kwargs: size_when_checked)
    with pytest.raises(FileRefusedError, match="larger than 1000 bytes"):
        read_regular_file(grown, 1000)


def test_a_regular_file_is_read_whole(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"abc")
    assert read_regular_file(path, 3) == b"abc"
    assert check_regular_file(path, 3) == 3


# ------------------------------------------------------------ what may be parsed
def test_a_file_of_millions_of_values_is_refused_before_parsing(tmp_path):
    """A 48 MB file (under the 50 MB cap) of one metadata list of empty lists would
    become 16 million lists and several gigabytes; it is refused in bounded memory."""
    body = "[" + ",".join(["[]"] * 16_000_000) + "]"
    path = tmp_path / "huge.nndesign"
    path.write_text(with_metadata([]).replace('"metadata": []', f'"metadata": {{"x": {body}}}'))
    assert 45e6 < path.stat().st_size < 50 * 1024 * 1024
    del body
    tracemalloc.start()
    try:
        with pytest.raises(ProjectFileError, match=f"more than {MAX_VALUES:,} values"):
            load_project(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 250 * 1024 * 1024  # the text and one copy of it, not a parsed tree


def test_walking_a_long_list_takes_no_memory_per_value():
    """The check of every value keeps one iterator per open container, not a copy."""
    data = {"metadata": {}, "nodes": [{"params": {"units": [0.5, "text", 7] * 200_000}}]}
    tracemalloc.start()
    try:
        check_tree(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024


def test_the_metadata_bound_is_checked_before_the_whole_file_is_walked(monkeypatch):
    def no_walk(*args, **kwargs):
        raise AssertionError("the whole document was walked first")

    monkeypatch.setattr("designer.io.load.check_tree", no_walk)
    refused(
        with_metadata({"x": [0] * (MAX_VALUES // 2)}),
        f"metadata.x[{MAX_METADATA_VALUES - 2}]",
        "10,000 values",
    )


def test_commas_inside_strings_do_not_count_as_values():
    text = with_metadata({"description": "," * (MAX_VALUES + 10)})
    refused(text, "metadata.description", f"longer than {MAX_METADATA_STRING:,}")


def test_the_largest_openable_project_is_within_the_value_bound():
    graph = Graph()
    previous = graph.add_node("Input", {"features": 4})
    for _ in range(4000):
        node = graph.add_node("Linear", {"units": 4})
        graph.connect(previous.id, "out", node.id, "in")
        previous = node
    text = project_to_json(Project(graph))
    per_node = (text.count(",") + text.count("[") + text.count("{")) / len(graph)
    assert per_node * 20_000 + 7 * 100_000 < MAX_VALUES


# --------------------------------------------------------------------- metadata
def test_metadata_with_too_many_values_names_the_place():
    refused(
        with_metadata({"notes": list(range(MAX_METADATA_VALUES + 1))}),
        f"metadata.notes[{MAX_METADATA_VALUES - 2}]",  # after the object and the list
        f"at most {MAX_METADATA_VALUES:,} values",
    )


def test_metadata_nested_too_deeply_names_the_place():
    deep: object = "bottom"
    for _ in range(MAX_METADATA_DEPTH + 1):
        deep = [deep]
    refused(
        with_metadata({"a": deep}),
        "metadata.a" + "[0]" * (MAX_METADATA_DEPTH - 1),
        f"nested at most {MAX_METADATA_DEPTH} levels",
    )


def test_a_long_metadata_string_or_key_names_the_place():
    long = "x" * (MAX_METADATA_STRING + 1)
    refused(with_metadata({"notes": ["ok", long]}), "metadata.notes[1]", "longer than")
    error_path = 'metadata["' + "x" * 60 + '…"]'
    refused(with_metadata({long: 1}), error_path, "longer than")


def test_metadata_text_in_all_is_bounded():
    chunk = "y" * (MAX_METADATA_STRING // 2)
    notes = [chunk] * (2 * MAX_METADATA_CHARS // len(chunk) + 1)
    refused(with_metadata({"notes": notes}), "metadata.notes[19]", "characters of text")


def test_ordinary_metadata_loads():
    metadata = {"name": "n", "description": "d" * 5000, "tags": ["a", {"b": [1, 2.5, None]}]}
    assert project_from_json(with_metadata(metadata)).metadata == metadata


def test_a_refused_file_is_one_line(tmp_path):
    folder = tmp_path / "x.nndesign"
    folder.mkdir()
    with pytest.raises(ProjectFileError) as caught:
        load_project(Path(folder))
    assert "\n" not in str(caught.value)
