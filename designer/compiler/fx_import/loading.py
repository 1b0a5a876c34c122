"""Loading the user's Python file and making an instance of one of its model classes.

Importing a file runs its code: that is inherent to importing a model written in Python,
and both the command line and the window say so before they do it. The file is loaded
from its path under a fresh module name (never put on ``sys.path`` nor left in
``sys.modules``), so two imports of files with the same name cannot see each other, and
an error in the file becomes one message naming the file and line.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType

from torch import nn

from designer.compiler.fx_import.errors import ModelImportError, describe_error, user_line

_COUNTER = itertools.count(1)


def load_file(path: str | Path) -> ModuleType:
    """Execute the file at ``path`` as a new module and return it."""
    file = Path(path)
    if not file.is_file():
        raise ModelImportError(f"there is no Python file at {file}")
    name = f"_nn_designer_import_{next(_COUNTER)}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ModelImportError(f"{file.name} cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look their module up here
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise ModelImportError(
            f"{user_line(error, file)}: running the file failed ({describe_error(error)})"
        ) from None
    finally:
        sys.modules.pop(name, None)
    return module


def model_classes(module: ModuleType) -> list[str]:
    """Names of the ``nn.Module`` subclasses the file defines (not those it imports), in
    the order it defines them (a module's namespace keeps that order); the last is
    usually the whole model."""
    return [
        name
        for name, obj in vars(module).items()
        if isinstance(obj, type)
        and issubclass(obj, nn.Module)
        and obj.__module__ == module.__name__
    ]


def choose_class(module: ModuleType, path: str | Path, class_name: str | None) -> type:
    """The class named ``class_name``, or the file's only (or last) model class."""
    names = model_classes(module)
    file = Path(path).name
    if class_name is None:
        if not names:
            raise ModelImportError(f"{file} defines no nn.Module subclass")
        class_name = names[-1]
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        known = ", ".join(names) or "none"
        raise ModelImportError(
            f"{file} has no nn.Module class {class_name!r} (its model classes: {known})"
        )
    return cls


def instantiate(cls: type, path: str | Path) -> nn.Module:
    """``cls()``: the model must be constructible without arguments (as an exported
    design's is); an error in the constructor names its line."""
    try:
        return cls()
    except TypeError as error:
        if "required positional argument" in str(error):
            raise ModelImportError(
                f"{cls.__name__}() needs arguments ({describe_error(error)}); give its "
                "parameters defaults, or import a subclass that passes them"
            ) from None
        raise ModelImportError(
            f"{user_line(error, path)}: {cls.__name__}() failed ({describe_error(error)})"
        ) from None
    except Exception as error:
        raise ModelImportError(
            f"{user_line(error, path)}: {cls.__name__}() failed ({describe_error(error)})"
        ) from None
