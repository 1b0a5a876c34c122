"""Upgrading project documents written by older versions of NN Designer.

Each migration turns a document of ``format_version`` *v* into one of *v + 1*; loading
runs them one after another up to `FORMAT_VERSION`, so a change to the format means adding
one small function here, never touching the code that reads the current format. Layer
types renamed since (``MultiheadSelfAttention`` -> ``SelfAttention``) need no migration:
the catalogue's aliases resolve them when the graph is built.

Format 2 added the Output layer's loss weight, the data settings of image folders
(augmentation, worker processes) and the project's sweep (its search space, none in
format 1); tests register a fake format 0 to exercise the mechanism.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from designer.io.errors import ProjectFileError, kind_of
from designer.io.schema import FORMAT_VERSION

Migration = Callable[[dict[str, Any]], dict[str, Any]]

#: ``version -> function`` upgrading a document of that version to the next one.
MIGRATIONS: dict[int, Migration] = {}


def migration(from_version: int) -> Callable[[Migration], Migration]:
    """Register the decorated function as the upgrade from ``from_version``."""

    def register(function: Migration) -> Migration:
        if from_version in MIGRATIONS:
            raise ValueError(f"a migration from format {from_version} is already registered")
        MIGRATIONS[from_version] = function
        return function

    return register


def oldest_readable() -> int:
    """The oldest format that an unbroken chain of migrations leads up from."""
    version = FORMAT_VERSION
    while version - 1 in MIGRATIONS:
        version -= 1
    return version


def format_version(data: dict[str, Any]) -> int:
    """The document's ``format_version``, checked to be a readable whole number."""
    version = data.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProjectFileError(f"expected a whole number, got {kind_of(version)}", "format_version")
    if version > FORMAT_VERSION:
        raise ProjectFileError(
            f"this file was saved by a newer NN Designer (format {version}); "
            f"this version reads up to format {FORMAT_VERSION}",
            "format_version",
        )
    oldest = oldest_readable()
    if version < oldest:
        raise ProjectFileError(
            f"format {version} is older than this version can read "
            f"(formats {oldest} to {FORMAT_VERSION})",
            "format_version",
        )
    return version


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring ``data`` up to the current format, one step at a time.

    The caller's dict is never changed: an old document is deep-copied before its first
    step. A step that fails on a malformed old document is reported, not propagated.
    """
    version = format_version(data)
    if version == FORMAT_VERSION:
        return data
    data = copy.deepcopy(data)
    while version < FORMAT_VERSION:
        step = MIGRATIONS[version]
        try:
            upgraded = step(data)
        except ProjectFileError:
            raise
        except Exception as error:  # an old, malformed file may break a step in any way
            raise ProjectFileError(
                f"cannot upgrade this file from format {version}: {error}", "format_version"
            ) from error
        if not isinstance(upgraded, dict):
            raise ProjectFileError(
                f"upgrading from format {version} did not give a project", "format_version"
            )
        version += 1
        upgraded["format_version"] = version
        data = upgraded
    return data


@migration(1)
def _add_loss_weights_and_image_settings(data: dict[str, Any]) -> dict[str, Any]:
    """Format 2: every Output layer has a loss weight (1 before), the data settings say
    whether image folders are augmented and how many processes decode them, and a project
    may hold a sweep (an empty search space before, which is the default)."""
    for node in data.get("nodes", []):
        if isinstance(node, dict) and node.get("type") == "Output":
            params = node.setdefault("params", {})
            if isinstance(params, dict):
                params.setdefault("weight", 1.0)
    settings = data.get("data")
    if isinstance(settings, dict):
        settings.setdefault("augment", False)
        settings.setdefault("workers", 2)
    data.setdefault("sweep", {"parameters": []})
    return data
