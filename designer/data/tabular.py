"""The user's own data: CSV tables (stdlib `csv`, no pandas) and NumPy `.npz` archives.

All functions here are *portable* (stdlib, NumPy and each other only), so an exported training
script reads the file with exactly the same rules. Every problem raises `DataError` naming the
line (1-based, as an editor shows it) or the column.

Every file is opened through `open_data_file`, which reads only regular files within a size
limit (`DataFileLimits`): a data path naming a pipe would hang the run, and ``/dev/zero`` or
a huge sparse file would read until memory runs out.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import stat
import zipfile

import numpy as np

from designer.data.prepare import DataError


def is_missing(value: str) -> bool:
    """Whether a (stripped) CSV cell means "no value"."""
    return value.lower() in ("", "na", "n/a", "nan", "?", "null", "none")


def looks_like_classes(values: np.ndarray) -> bool:
    """Whether numeric targets are class labels: whole numbers with only a few distinct values."""
    distinct = len(np.unique(values))
    few = min(20, max(2, len(values) // 2))
    return bool(np.all(values == np.round(values))) and 2 <= distinct <= few


def encode_labels(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Class indices 0..k-1 (sorted by value) and the class names."""
    uniques, labels = np.unique(values, return_inverse=True)
    names = []
    for value in uniques.tolist():
        whole = isinstance(value, float | int) and float(value).is_integer()
        names.append(str(int(value)) if whole else str(value))
    return labels.reshape(-1).astype(np.int64), names


class DataFileLimits:
    """The largest data files read, in bytes (exported scripts copy them with the readers,
    so they apply the same limits). A CSV file is read whole and parsed into Python strings
    (about ten times its size in memory); an archive's arrays are loaded as they are.
    """

    CSV_BYTES = 512 * 1024 * 1024
    NPZ_BYTES = 4 * 1024 * 1024 * 1024


def size_text(size: int) -> str:
    """``512 MB``, ``4 GB``: a byte count as a message shows it."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            digits = f"{value:.1f}".removesuffix(".0") if value < 10 else f"{value:.0f}"
            return f"{digits} {unit}"
    return f"{size} bytes"


def open_data_file(path: str, limit: int, kind: str):
    """`path` opened for binary reading, if it is a regular file of at most `limit` bytes
    (`kind` names the kind of file in the message: "CSV", ".npz").

    Anything else (a folder, a named pipe, a device, a socket) is refused *before* it is
    opened, since opening a pipe blocks and a device never ends; the opened file is checked
    again, and opened without blocking, so a path swapped in between is refused too.
    """
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise DataError(
                f"cannot read {path!r}: it is not a regular file "
                "(a folder, pipe or device cannot be read as data)"
            )
        if info.st_size > limit:
            raise DataError(
                f"cannot read {path!r}: the file is {size_text(info.st_size)}, larger than "
                f"the {size_text(limit)} limit for {kind} files"
            )
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        file = os.fdopen(os.open(path, flags), "rb")
    except OSError as error:
        raise DataError(f"cannot read {path!r}: {error.strerror or error}") from None
    opened = os.fstat(file.fileno())
    if not stat.S_ISREG(opened.st_mode) or opened.st_size > limit:
        file.close()
        raise DataError(f"cannot read {path!r}: the file changed while it was being opened")
    return file


def read_data_file(path: str, limit: int, kind: str, size: int = -1) -> bytes:
    """The first `size` bytes (all when negative) of a data file checked by `open_data_file`;
    never more than `limit`, even if the file grows while it is read."""
    with open_data_file(path, limit, kind) as file:
        try:
            raw = file.read(limit + 1 if size < 0 else min(size, limit + 1))
        except OSError as error:
            raise DataError(f"cannot read {path!r}: {error.strerror or error}") from None
    if len(raw) > limit:
        raise DataError(f"cannot read {path!r}: the file grew beyond {size_text(limit)}")
    return raw


def decode_utf8(raw: bytes) -> str:
    """Text of a UTF-8 file (a byte-order mark is allowed)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(f"line {line} is not valid UTF-8 text; save the file as UTF-8") from None


HEADER_BYTES = 65_536


def read_csv_header(path: str) -> list[str]:
    """The column names, read from the start of the file only (for a column picker)."""
    raw = read_data_file(path, DataFileLimits.CSV_BYTES, "CSV", HEADER_BYTES)
    if len(raw) == HEADER_BYTES and b"\n" in raw:
        raw = raw[: raw.rindex(b"\n")]  # whole lines only: no character cut in half
    try:
        for row in _reader(decode_utf8(raw)):
            if row and not (len(row) == 1 and not row[0].strip()):
                return _column_names(row)
    except csv.Error as error:
        raise DataError(f"cannot read the header: {error}") from None
    raise DataError("the file is empty")


def _reader(text: str):
    try:
        delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _column_names(row: list[str]) -> list[str]:
    return [cell.strip() or f"column {i + 1}" for i, cell in enumerate(row)]


def read_csv_rows(path: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, stripped data rows and each row's line number; blank lines are skipped."""
    text = decode_utf8(read_data_file(path, DataFileLimits.CSV_BYTES, "CSV"))
    if not text.strip():
        raise DataError("the file is empty")
    reader = _reader(text)
    header, rows, lines = [], [], []
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if not header:
                header = _column_names(row)
            elif len(row) != len(header):
                raise DataError(
                    f"line {reader.line_num} has {len(row)} fields, "
                    f"but the header has {len(header)} columns"
                )
            else:
                rows.append([cell.strip() for cell in row])
                lines.append(reader.line_num)
    except csv.Error as error:
        raise DataError(f"line {reader.line_num}: {error}") from None
    if not rows:
        raise DataError("the file has a header row but no data rows")
    return header, rows, lines


def drop_missing_rows(
    header: list[str], rows: list[list[str]], lines: list[int], drop: bool
) -> tuple[list[list[str]], list[int]]:
    """Rows without missing values; unless `drop`, any missing value is an error that lists
    each affected column with its count and first line."""
    counts, first = [0] * len(header), [0] * len(header)
    keep = []
    for index, row in enumerate(rows):
        flags = [is_missing(value) for value in row]
        for column, flag in enumerate(flags):
            if flag:
                counts[column] += 1
                first[column] = first[column] or lines[index]
        if not any(flags):
            keep.append(index)
    if len(keep) == len(rows):
        return rows, lines
    if not drop:
        report = "; ".join(
            f"column {name!r}: {count} (first on line {line})"
            for name, count, line in zip(header, counts, first, strict=True)
            if count
        )
        raise DataError(f"missing values in {report}; fix the file or drop incomplete rows")
    if not keep:
        raise DataError("every row has a missing value, so no rows are left")
    return [rows[i] for i in keep], [lines[i] for i in keep]


def parse_numbers(name: str, values: list[str], lines: list[int]) -> np.ndarray | None:
    """The column as float64, or None when it holds text; infinities are errors, and so is
    a stray non-number in a column of numbers (see `refuse_stray_text`)."""
    try:
        numbers = np.array([float(value) for value in values], dtype=np.float64)
    except ValueError:
        refuse_stray_text(name, values, lines)
        return None
    bad = np.flatnonzero(~np.isfinite(numbers))
    if len(bad):
        value = values[bad[0]]
        raise DataError(f"column {name!r}, line {lines[bad[0]]}: {value!r} is not a finite number")
    return numbers


def refuse_stray_text(name: str, values: list[str], lines: list[int]) -> None:
    """Fail on a column of numbers with a few cells that are not numbers.

    Otherwise one odd cell (a decimal comma, a stray NUL byte, "abc") would silently turn
    the whole column into one-hot categories, and the error would surface later as a
    design that does not fit its data. The rule: when at least 90% of the cells are numbers
    (cells written with a decimal comma, like ``3,5``, count as numbers), the column is
    numeric and the first other cell is named with its line; below that it is text.
    """
    stray = []
    commas = 0
    for index, value in enumerate(values):
        try:
            float(value)
        except ValueError:
            stray.append(index)
            commas += re.fullmatch(r"[+-]?[0-9]*,[0-9]+", value) is not None
    if not stray or (len(values) - len(stray) + commas) * 10 < len(values) * 9:
        return
    first = values[stray[0]]
    where = f"column {name!r}, line {lines[stray[0]]}: {first[:60]!r} is not a number"
    if re.fullmatch(r"[+-]?[0-9]*,[0-9]+", first):
        raise DataError(
            f"{where}: it looks like a decimal comma; save the file with decimal points "
            "(3.5, not 3,5)"
        )
    others = len(stray) - 1
    more = f"; {others} more cell{'s are' if others != 1 else ' is'} not" if others else ""
    raise DataError(
        f"{where}, though most of the column is numbers{more}; fix the value, or leave "
        "the cell empty to mark it missing"
    )


def encode_features(
    header: list[str], columns: list[list[str]], lines: list[int]
) -> tuple[np.ndarray, list[str]]:
    """Numeric columns as they are, text columns one-hot encoded ("name=value" features)."""
    blocks, names = [], []
    for name, values in zip(header, columns, strict=True):
        numbers = parse_numbers(name, values, lines)
        if numbers is not None:
            blocks.append(numbers[:, None])
            names.append(name)
            continue
        categories = sorted(set(values))
        if len(categories) > 200:
            raise DataError(
                f"column {name!r} has {len(categories)} different text values, too many to "
                "use as categories; remove the column or convert it to numbers"
            )
        blocks.append(np.array([[v == c for c in categories] for v in values], dtype=np.float64))
        names.extend(f"{name}={category}" for category in categories)
    return np.concatenate(blocks, axis=1).astype(np.float32), names


def encode_target(name: str, values: list[str], lines: list[int]) -> tuple[np.ndarray, list[str]]:
    """Class indices with class names, or (n, 1) float32 regression targets and no names."""
    numbers = parse_numbers(name, values, lines)
    if numbers is None:
        return encode_labels(np.array(values))
    if looks_like_classes(numbers):
        return encode_labels(numbers)
    return numbers.reshape(-1, 1).astype(np.float32), []


def read_csv_table(
    path: str, target_column: str = "", drop_missing: bool = False
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Read a CSV file with a header row into x, y, feature names and class names.

    The target is `target_column` (the last column when empty). Text targets and whole-number
    targets with few distinct values become class indices; other numbers are regression.
    """
    header, rows, lines = read_csv_rows(path)
    if len(set(header)) != len(header):
        twice = sorted({name for name in header if header.count(name) > 1})
        raise DataError(f"column name {twice[0]!r} appears more than once in the header")
    target = target_column.strip() or header[-1]
    if target not in header:
        raise DataError(f"target column {target!r} not found; the columns are {header}")
    if len(header) < 2:
        raise DataError("the file needs at least one feature column besides the target")
    rows, lines = drop_missing_rows(header, rows, lines, drop_missing)
    columns = [list(column) for column in zip(*rows, strict=True)]
    at = header.index(target)
    y, class_names = encode_target(target, columns.pop(at), lines)
    features = [name for name in header if name != target]
    x, feature_names = encode_features(features, columns, lines)
    return x, y, feature_names, class_names


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
