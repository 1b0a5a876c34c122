"""The user's own NumPy `.npz` archives: arrays ``x`` and ``y`` (or one per Input and
Output), read without pickle and checked against the size limit before they unpack.

Like `designer.data.tabular`, every function is *portable*, so an exported script reads
an archive with exactly the same rules; every problem raises `DataError` naming the array.
"""

from __future__ import annotations

import math
import zipfile

import numpy as np

from designer.data.data_files import DataFileLimits, open_data_file, size_text
from designer.data.prepare import DataError
from designer.data.tabular import encode_labels, looks_like_classes


def read_npz_array(archive: np.lib.npyio.NpzFile, name: str) -> np.ndarray:
    """One array of an open archive; object arrays are refused since unpickling is unsafe."""
    if name not in archive.files:
        raise DataError(f"the .npz file has no array named {name!r} (it has {archive.files})")
    try:
        return archive[name]
    except ValueError:
        raise DataError(
            f"array {name!r} holds Python objects, which are not loaded for safety; "
            "save it as a plain numeric array"
        ) from None


def open_npz_archive(path: str) -> np.lib.npyio.NpzFile:
    """The `.npz` archive at `path`, opened through `open_data_file` and checked so that
    loading any of its arrays stays within `DataFileLimits.NPZ_BYTES` (closing the archive
    closes the file)."""
    limit = DataFileLimits.NPZ_BYTES
    file = open_data_file(path, limit, ".npz")
    try:
        if not zipfile.is_zipfile(file):
            file.seek(0)
            if file.read(6) == b"\x93NUMPY":
                raise DataError(f"{path!r} holds a single array; save the arrays with numpy.savez")
            raise DataError(f"cannot read {path!r} as a .npz file: it is not a zip archive")
        file.seek(0)
        check_npz_sizes(path, file, limit)
        file.seek(0)
        archive = np.lib.npyio.NpzFile(file, own_fid=True, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        file.close()
        if isinstance(error, DataError):
            raise
        raise DataError(f"cannot read {path!r} as a .npz file: {error}") from None
    except BaseException:
        file.close()
        raise
    return archive


def check_npz_sizes(path: str, file, limit: int) -> None:
    """Refuse an archive whose arrays would take more than `limit` bytes once loaded.

    A zip member can declare far more bytes than it compresses to (a "zip bomb"), and an
    array's header can declare a shape far larger than its data: NumPy allocates the whole
    declared shape before reading. So both are checked before any array is loaded: the
    members' declared sizes against `limit`, and each array's declared size against its
    member's (reading a member never yields more than its declared size).
    """
    with zipfile.ZipFile(file) as archive:
        members = archive.infolist()
        total = sum(member.file_size for member in members)
        if total > limit:
            raise DataError(
                f"cannot read {path!r}: its arrays hold {size_text(total)} once unpacked, "
                f"more than the {size_text(limit)} limit for .npz files"
            )
        for member in members:
            with archive.open(member) as stream:
                magic = stream.read(8)
                if magic[:6] != b"\x93NUMPY":
                    continue  # not an array: NumPy returns its bytes, at most file_size
                version = tuple(magic[6:8])
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
                elif version in ((2, 0), (3, 0)):  # 3.0 differs only in the text encoding
                    shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
                else:
                    raise DataError(
                        f"cannot read {path!r}: array {member.filename!r} is in an unknown "
                        f".npy format version {version[0]}.{version[1]}"
                    )
            if not dtype.hasobject and math.prod(shape) * dtype.itemsize > member.file_size:
                raise DataError(
                    f"cannot read {path!r}: array {member.filename!r} declares more data "
                    "than it holds (the archive is damaged or hostile)"
                )


def _npz_target(y: np.ndarray, given: np.ndarray | None) -> tuple[np.ndarray, list[str]]:
    """A target array as class indices with names (integers, or whole numbers with few
    distinct values; any shape, so masks work too), or else as float32 values."""
    flat = y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y
    if flat.dtype.kind in "biu" or (flat.ndim == 1 and looks_like_classes(flat)):
        labels, class_names = encode_labels(flat)
        labels = labels.reshape(flat.shape)
        if given is not None and len(given) >= len(class_names) and np.all(flat == labels):
            class_names = [str(n) for n in given]
        return labels, class_names
    y = y.reshape(-1, 1) if y.ndim == 1 else y
    return y.astype(np.float32), []


def load_npz_arrays(
    path: str, inputs: tuple[str, ...] = ("x",), targets: tuple[str, ...] = ("y",)
) -> tuple[dict[str, np.ndarray], list[str], dict[str, list[str]]]:
    """Read the named input and target arrays (plus optional text arrays ``feature_names``
    and ``class_names`` for a single input and target).

    Returns the arrays by name, the feature names and each target's class names. Integer
    targets (or whole-number floats with few values) are class labels, anything else is
    regression; integer inputs stay integers (token ids). Never unpickles.
    """
    archive = open_npz_archive(path)
    names = (*inputs, *targets)
    with archive:
        arrays = {name: read_npz_array(archive, name) for name in names}
        extra = {}
        for key in ("feature_names", "class_names"):
            extra[key] = read_npz_array(archive, key) if key in archive.files else None
    quoted = ", ".join(repr(name) for name in names)
    for name, array in arrays.items():
        if array.dtype.kind not in "biuf":
            raise DataError(f"arrays {quoted} must hold numbers; {name!r} does not")
        if array.ndim == 0:
            raise DataError(f"array {name!r} needs one entry per sample, not a single number")
        if not np.all(np.isfinite(array)):
            raise DataError(f"array {name!r} must not contain NaN or infinite values")
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        counts = ", ".join(f"{name!r} has {count}" for name, count in lengths.items())
        raise DataError(f"the arrays have different numbers of samples: {counts}")
    single = len(inputs) == 1 and len(targets) == 1
    class_names = {}
    for name in targets:
        given = extra["class_names"] if single else None
        arrays[name], class_names[name] = _npz_target(arrays[name], given)
    for name in inputs:
        x = arrays[name].reshape(-1, 1) if arrays[name].ndim == 1 else arrays[name]
        arrays[name] = x.astype(np.int64 if x.dtype.kind in "biu" else np.float32)
    given = extra["feature_names"]
    first = arrays[inputs[0]]
    feature_names = [str(n) for n in given] if given is not None and first.ndim == 2 else []
    return arrays, feature_names, class_names
