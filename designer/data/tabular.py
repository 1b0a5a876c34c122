"""The user's own tables: CSV files (stdlib `csv`, no pandas), and the class labels that
both they and NumPy archives (`designer.data.npz`) turn into class indices.

All functions here are *portable* (stdlib, NumPy and each other only), so an exported training
script reads the file with exactly the same rules. Every problem raises `DataError` naming the
line (1-based, as an editor shows it) or the column.

Every file is opened through `designer.data.data_files`, which reads only regular files
within a size limit.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np

from designer.data.data_files import DataFileLimits, decode_utf8, read_data_file
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
