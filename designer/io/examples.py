"""The example projects shipped with the application (File > Examples)."""

from __future__ import annotations

from pathlib import Path

from designer.io.load import load_project
from designer.io.schema import EXTENSION
from designer.model import Project
from designer.resources import RESOURCES_DIR

#: The examples ship in the resources folder (the ``designer.resources`` package).
EXAMPLES_DIR = RESOURCES_DIR / "examples"


def example_paths() -> list[Path]:
    """The shipped example files, sorted by name (empty if none are installed)."""
    return sorted(EXAMPLES_DIR.glob(f"*{EXTENSION}"))


def load_example(name: str) -> Project:
    """Load an example by file name, with or without its extension."""
    stem = name.removesuffix(EXTENSION)
    for path in example_paths():
        if path.stem == stem:
            return load_project(path)
    available = ", ".join(path.stem for path in example_paths()) or "none"
    raise FileNotFoundError(f"no example named {name!r:.80}; available: {available}")
