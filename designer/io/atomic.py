"""The one way NN Designer writes a file: atomically.

Whatever is written (a project, a script, weights, an ONNX model, a bundle) goes to a
temporary file in the target's folder, is flushed and synced to disk, and then replaces the
target in one step. A crash, a full disk, an error or Ctrl+C while writing leaves the
previous file intact and no temporary file behind. A symbolic link is written through, not
replaced; an existing file keeps its permissions, a new one gets rw-r--r--.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

DEFAULT_MODE = 0o644

Writer = Callable[[str], None]


def write_atomic(path: str | os.PathLike[str], content: bytes | str | Writer) -> None:
    """Write ``content`` to ``path`` atomically: bytes, text (UTF-8 with the newlines as
    given), or a function that writes the file whose path it is given (for libraries
    that only write to a path, such as an ONNX exporter)."""
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    folder = target.parent
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        if callable(content):
            os.close(handle)
            content(temporary)
            _sync_file(temporary)
        else:
            payload = content.encode("utf-8") if isinstance(content, str) else content
            with os.fdopen(handle, "wb") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


def _mode_for(target: Path) -> int:
    """Permissions for the new file: those of the file it replaces, else rw-r--r--."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return DEFAULT_MODE


def _sync_file(name: str) -> None:
    with open(name, "rb+") as stream:
        os.fsync(stream.fileno())


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows syncing a folder."""
    if os.name != "posix":
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
