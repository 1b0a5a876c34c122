"""The one rule for reading a file the user named: only regular files, and only so much.

A path typed by the user or found in a project may name anything: a named pipe (opening it
for reading blocks until a writer appears, so ``check`` or *Open* would hang), a device
(``/dev/zero`` never ends, so reading it exhausts memory), a folder or a socket. Every
reader of user files asks here first. The check is made with ``os.stat`` *before* the file
is opened (a symbolic link to a regular file is fine, since ``stat`` follows it), and once
more on the opened descriptor, which is opened without blocking, so a file swapped for a
pipe between the two steps is refused as well. The size limit is applied to the size the
file system reports, before anything is read, and again to what is actually read.
"""

from __future__ import annotations

import os
import stat

from designer.model.shapes import format_bytes

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileRefusedError(OSError):
    """A path that is not read at all: not a regular file, or larger than its limit.

    An `OSError`, so every caller that already reports "cannot read" handles it; the
    message says why without naming the file, since each caller names it in its own way.
    """

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


def check_regular_file(path: str | os.PathLike[str], limit: int) -> int:
    """The size of the regular file at ``path``; raises `FileRefusedError` for anything
    else (folder, pipe, device, socket) or for a file over ``limit`` bytes, and the
    plain `OSError` of ``os.stat`` for a missing or inaccessible path. Opens nothing."""
    return _checked(os.stat(path), os.fspath(path), limit)


def read_regular_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """The whole content of a regular file of at most ``limit`` bytes (see
    `check_regular_file`); never blocks on a pipe and never reads more than the limit."""
    name = os.fspath(path)
    check_regular_file(name, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(name, flags)
    with os.fdopen(descriptor, "rb") as stream:
        _checked(os.fstat(stream.fileno()), name, limit)  # the file opened is the one checked
        raw = stream.read(limit + 1)
    if len(raw) > limit:  # it grew since it was checked
        raise FileRefusedError(_too_large(limit), name)
    return raw


def _checked(info: os.stat_result, name: str, limit: int) -> int:
    if not stat.S_ISREG(info.st_mode):
        kind = next((f"{text}, " for test, text in _KINDS if test(info.st_mode)), "")
        raise FileRefusedError(f"this is {kind}not a regular file", name)
    if info.st_size > limit:
        raise FileRefusedError(_too_large(limit), name)
    return info.st_size


def _too_large(limit: int) -> str:
    return f"the file is larger than {format_bytes(limit)} (the limit for this kind of file)"
