"""Data files are read only when they are regular files within a size limit, and an
archive cannot unpack (or declare) more than its limit; the message names the file."""

from __future__ import annotations

import io
import os
import zipfile

import numpy as np
import pytest

from designer.data import DataError, dataset_source, load_dataset
from designer.data.data_files import DataFileLimits, size_text
from designer.data.npz import load_npz_arrays
from designer.data.tabular import read_csv_header, read_csv_table
from designer.model.settings import DataSettings

posix_only = pytest.mark.skipif(os.name != "posix", reason="named pipes and /dev are POSIX")
READERS = {
    "csv table": read_csv_table,
    "csv header": read_csv_header,
    "npz": load_npz_arrays,
}


def csv_file(tmp_path, rows: int = 30) -> str:
    path = tmp_path / "data.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{i * 2},{i % 2}\n" for i in range(rows)))
    return str(path)


@posix_only
@pytest.mark.timeout(30)
@pytest.mark.parametrize("reader", READERS.values(), ids=READERS.keys())
def test_a_named_pipe_is_refused_without_blocking(tmp_path, reader):
    pipe = tmp_path / "data.fifo"
    os.mkfifo(pipe)
    with pytest.raises(DataError, match="is not a regular file") as caught:
        reader(str(pipe))
    assert repr(str(pipe)) in str(caught.value)


@posix_only
@pytest.mark.timeout(30)
@pytest.mark.parametrize("reader", READERS.values(), ids=READERS.keys())
def test_a_device_or_folder_is_refused(tmp_path, reader):
    for path in ("/dev/zero", str(tmp_path)):
        with pytest.raises(DataError, match=f"cannot read {path!r}: it is not a regular file"):
            reader(path)


@pytest.mark.timeout(30)
def test_a_sparse_csv_over_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as stream:  # sparse: costs no disk space
        stream.truncate(2 * 1024 * 1024 * 1024)

    def no_opening(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(os, "open", no_opening)
    for reader in (read_csv_table, read_csv_header):
        message = "is 2 GB, larger than the 512 MB limit for CSV files"
        with pytest.raises(DataError, match=message) as caught:
            reader(str(path))
        assert str(path) in str(caught.value)


def test_the_limit_is_applied_by_every_csv_reader(tmp_path, monkeypatch):
    path = csv_file(tmp_path)
    assert read_csv_table(path)[0].shape == (30, 2)
    monkeypatch.setattr(DataFileLimits, "CSV_BYTES", 100)
    with pytest.raises(DataError, match="larger than the 100 bytes limit"):
        read_csv_table(path)
    with pytest.raises(DataError, match="larger than the 100 bytes limit"):
        load_dataset(DataSettings(source="csv", path=path))


def test_size_text():
    assert size_text(512 * 1024 * 1024) == "512 MB"
    assert size_text(4 * 1024**3) == "4 GB"
    assert size_text(1536) == "1.5 KB"
    assert size_text(12) == "12 bytes"


# ------------------------------------------------------------------------- .npz
def test_an_archive_that_unpacks_beyond_the_limit_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, x=np.zeros((200_000, 5)), y=np.zeros(200_000))
    assert path.stat().st_size < 100_000  # 9.6 MB of zeros compress to almost nothing
    monkeypatch.setattr(DataFileLimits, "NPZ_BYTES", 1024 * 1024)
    with pytest.raises(DataError, match=r"hold 9\.2 MB once unpacked, more than the 1 MB"):
        load_npz_arrays(str(path))


def npy_header_only(shape: tuple[int, ...], version=(1, 0)) -> bytes:
    """A .npy member whose header declares `shape` but which holds 80 bytes of data."""
    buffer = io.BytesIO()
    header = {"descr": "<f8", "fortran_order": False, "shape": shape}
    if version == (1, 0):
        np.lib.format.write_array_header_1_0(buffer, header)
    else:
        np.lib.format.write_array_header_2_0(buffer, header)
    return buffer.getvalue() + bytes(80)


@pytest.mark.parametrize("version", [(1, 0), (2, 0)])
def test_an_array_declaring_more_than_it_holds_is_refused_before_allocating(tmp_path, version):
    """NumPy allocates the declared shape first: 10^11 floats would be 745 GB."""
    path = tmp_path / "lies.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", npy_header_only((10**11,), version))
        archive.writestr("y.npy", npy_header_only((10,), version))
    with pytest.raises(DataError, match=r"array 'x\.npy' declares more data than it holds"):
        load_npz_arrays(str(path))


def test_an_unknown_npy_version_is_refused(tmp_path):
    path = tmp_path / "future.npz"
    member = bytearray(npy_header_only((10,)))
    member[6] = 9
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", bytes(member))
    with pytest.raises(DataError, match=r"unknown \.npy format version 9\.0"):
        load_npz_arrays(str(path))


def test_an_archive_with_other_members_still_loads(tmp_path):
    path = tmp_path / "extra.npz"
    np.savez(path, x=np.arange(20.0).reshape(10, 2), y=np.arange(10) % 2)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("README.txt", "made by hand")
    arrays, _, classes = load_npz_arrays(str(path))
    assert arrays["x"].shape == (10, 2) and classes == {"y": ["0", "1"]}


# ------------------------------------------------------- the exported script too
@posix_only
@pytest.mark.timeout(60)
@pytest.mark.parametrize("source", ["csv", "npz"])
def test_the_exported_loader_applies_the_same_rule(tmp_path, source):
    pipe = tmp_path / f"data.{source}"
    os.mkfifo(pipe)
    snippet = dataset_source(DataSettings(source=source, path=str(pipe))).portable()
    assert "class DataFileLimits" in snippet.code
    namespace = {"__name__": "exported"}
    exec(compile(snippet.script(), "<exported>", "exec"), namespace)
    with pytest.raises(namespace["DataError"], match="is not a regular file"):
        namespace["load_data"](str(pipe))
