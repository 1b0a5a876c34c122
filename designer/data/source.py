"""Python source that loads a project's data set, for exported training scripts.

The snippet is the source text of the very functions `load_dataset` calls (copied by
`designer.data.portable`), followed by a small `load_data` function that makes the same
calls with the project's settings written in as literals, so the script sees exactly the
arrays the application trained on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from designer.data.datasets import (
    FOLDER,
    PAIR,
    TABLE,
    Recipe,
    dataset_recipe,
    input_kinds,
    split_options,
)
from designer.data.layout import DEFAULT_LAYOUT, DataLayout
from designer.data.npz import load_npz_arrays
from designer.data.portable import PortableCode, collect, literal, wrapped_literal
from designer.data.prepare import prepare_arrays
from designer.model.settings import FILE_SOURCES, DataSettings

PORTABLE_MODULES = ("designer.data",)
_LINE_LENGTH = 100


@dataclass(frozen=True)
class DataSource:
    """What an exported script needs to load its data: the portable functions to copy
    (``roots``, collected with their dependencies by `designer.data.portable.collect`) and
    the text of ``load_data(path, seed)``, which calls them with the project's settings.

    ``path`` is the data file or folder (an .npz file for a project on a built-in set, which
    then replaces the built-in data); ``load_data`` returns the training and validation
    arrays by name, as `load_dataset` does.
    """

    roots: tuple[Callable, ...]
    load_data: str
    reads_files: bool = False
    function: str = "load_data"

    def portable(self) -> PortableCode:
        """The copied functions and ``load_data`` as one snippet."""
        collected = collect(list(self.roots), PORTABLE_MODULES)
        return PortableCode(collected.imports, collected.code + "\n\n" + self.load_data)


def dataset_source(settings: DataSettings, layout: DataLayout = DEFAULT_LAYOUT) -> DataSource:
    """What loads ``settings``'s data for a design of ``layout`` in a script. User strings
    enter only via `literal`; the data path is an argument of ``load_data``."""
    recipe = dataset_recipe(settings, layout)
    roots: list[Callable] = [recipe.function, prepare_arrays]
    if settings.source not in FILE_SOURCES:
        roots.insert(1, load_npz_arrays)
    text = _load_data_function(settings, layout, recipe, input_kinds(settings, layout))
    return DataSource(tuple(roots), text, reads_files=settings.source in FILE_SOURCES)


def _load_data_function(
    settings: DataSettings, layout: DataLayout, recipe: Recipe, kinds: Mapping[str, str]
) -> str:
    options = split_options(settings, layout, kinds)
    del options["seed"]
    files = settings.source in FILE_SOURCES
    arguments = {k: v for k, v in recipe.arguments.items() if not (files and k == "path")}
    indent = "    " if files else "        "
    call_arguments = [_argument(name, value, indent) for name, value in arguments.items()]
    if files:
        call_arguments.insert(0, "path")
    if recipe.seeded:
        call_arguments.append("seed=seed")
    call = f"{recipe.function.__name__}"
    prepare = ["arrays", *(f"{name}={literal(v)}" for name, v in options.items()), "seed=seed"]
    what = "the data file" if files else f"the {settings.source!r} data set"
    lines = [
        f"def load_data(path: str, seed: int = {settings.seed!r}):",
        f'    """The training and validation arrays of {what}, by name."""',
    ]
    if not files:
        lines += [
            "    if path:  # an .npz file replaces the built-in data",
            _call(
                "arrays, _, _ = load_npz_arrays",
                [
                    "path",
                    f"inputs={literal(layout.input_names)}",
                    f"targets={literal(layout.target_names)}",
                ],
                "        ",
            ),
            "    else:",
            *_loader_lines(recipe, call, call_arguments, "        "),
        ]
    else:
        lines += _loader_lines(recipe, call, call_arguments, "    ")
    lines.append(_call(f"return {prepare_arrays.__name__}", prepare))
    return "\n".join(lines) + "\n"


def _argument(name: str, value: object, indent: str) -> str:
    """``name=value`` for a call whose arguments may go one per line under ``indent``."""
    room = _LINE_LENGTH - len(indent) - 4 - len(name) - 2
    return f"{name}={wrapped_literal(value, indent + '    ', room)}"


def _loader_lines(recipe: Recipe, call: str, arguments: list[str], indent: str) -> list[str]:
    if recipe.form == PAIR:
        return [_call(f"x, y = {call}", arguments, indent), f'{indent}arrays = {{"x": x, "y": y}}']
    if recipe.form == TABLE:
        return [
            _call(f"x, y, _, _ = {call}", arguments, indent),
            f'{indent}arrays = {{"x": x, "y": y}}',
        ]
    if recipe.form == FOLDER:
        return [_call(f"arrays, _ = {call}", arguments, indent)]
    return [_call(f"arrays, _, _ = {call}", arguments, indent)]


def _call(prefix: str, arguments: list[str], indent: str = "    ") -> str:
    """One call statement, wrapped one argument per line when too long for a line."""
    line = f"{indent}{prefix}({', '.join(arguments)})"
    if len(line) <= _LINE_LENGTH and "\n" not in line:
        return line
    inner = "".join(f"{indent}    {argument},\n" for argument in arguments)
    return f"{indent}{prefix}(\n{inner}{indent})"
