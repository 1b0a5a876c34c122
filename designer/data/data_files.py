"""Opening the user's data files safely: only regular files, within a size limit.

A data path naming a pipe would hang the run, and ``/dev/zero`` or a huge sparse file would
read until memory runs out, so every CSV table and NumPy archive is opened here. All
functions are *portable* (stdlib only), so an exported training script copies them with
the readers and applies the same limits.
"""

from __future__ import annotations

import os
import stat

from designer.data.prepare import DataError


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
