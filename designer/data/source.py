"""Python source that loads a project's data set, for exported training scripts.

An exported script must not import `designer`, yet it must see exactly the arrays the
application trained on. Rather than keeping a second copy of every loader, the snippet is
assembled from the source text of the very functions `load_dataset` calls (found through
`dataset_recipe` and the globals those functions use), followed by a small `load_data`
function that makes the same calls with the project's settings written in as literals.
"""

from __future__ import annotations

import ast
import builtins
import dis
import inspect
import sys
import textwrap
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from designer.data.datasets import Recipe, dataset_recipe, split_options
from designer.data.prepare import split_and_scale
from designer.model.settings import DataSettings

_PORTABLE_PACKAGE = "designer.data"
_LINE_LENGTH = 100


@dataclass(frozen=True)
class DataSource:
    """A standalone snippet: `imports` (one statement each, for the code generator to merge
    with its own) and `code` defining `load_data(seed)` and the helpers it needs."""

    imports: tuple[str, ...]
    code: str
    function: str = "load_data"

    def script(self) -> str:
        """The snippet as a complete module: imports grouped and sorted like isort, then code."""
        stdlib, third_party = [], []
        for statement in self.imports:
            module = statement.split()[1].split(".")[0]
            (stdlib if module in sys.stdlib_module_names else third_party).append(statement)
        groups = ["\n".join(sorted(g, key=_import_key)) for g in (stdlib, third_party) if g]
        return "\n\n".join(groups) + "\n\n\n" + self.code


def _import_key(statement: str) -> tuple[bool, str]:
    return statement.startswith("from "), statement.split()[1]


def dataset_source(settings: DataSettings) -> DataSource:
    """Source code of `load_data(seed)` returning x_train, y_train, x_val, y_val exactly as
    `load_dataset(settings.replace(seed=seed))` does. User strings enter only via `repr()`."""
    recipe = dataset_recipe(settings)
    imports: list[str] = []
    blocks: list[str] = []
    for item in _with_dependencies([recipe.function, split_and_scale]):
        text, hoisted = _portable_source(item)
        blocks.append(text)
        modules = [_import_statement(n, v) for n, v in _referenced(item) if _is_module(v)]
        imports.extend(i for i in [*modules, *hoisted] if i not in imports)
    blocks.append(_load_data_function(settings, recipe))
    return DataSource(imports=tuple(imports), code="\n\n\n".join(blocks) + "\n")


def _is_module(value: object) -> bool:
    return isinstance(value, types.ModuleType)


def _import_statement(name: str, module: types.ModuleType) -> str:
    full = module.__name__
    return f"import {full}" if full == name else f"import {full} as {name}"


def _load_data_function(settings: DataSettings, recipe: Recipe) -> str:
    options = split_options(settings)
    del options["seed"]
    arguments = [f"{name}={_literal(value)}" for name, value in recipe.arguments.items()]
    if recipe.seeded:
        arguments.append("seed=seed")
    targets = "x, y, _, _" if recipe.with_names else "x, y"
    split = ["x", "y", *(f"{name}={_literal(v)}" for name, v in options.items()), "seed=seed"]
    lines = [
        f"def load_data(seed: int = {settings.seed!r}):",
        f'    """Return x_train, y_train, x_val, y_val of the {settings.source!r} data set."""',
        _call(f"{targets} = {recipe.function.__name__}", arguments),
        _call(f"return {split_and_scale.__name__}", split),
    ]
    return "\n".join(lines)


def _literal(value: object) -> str:
    """`repr(value)`, with strings in double quotes where that needs no escapes (the style
    formatters use, so the exported file is left alone by them)."""
    text = repr(value)
    if isinstance(value, str) and text.startswith("'") and '"' not in value:
        return f'"{text[1:-1]}"'
    return text


def _call(prefix: str, arguments: list[str], indent: str = "    ") -> str:
    """One call statement, wrapped one argument per line when too long for a line."""
    line = f"{indent}{prefix}({', '.join(arguments)})"
    if len(line) <= _LINE_LENGTH:
        return line
    inner = "".join(f"{indent}    {argument},\n" for argument in arguments)
    return f"{indent}{prefix}(\n{inner}{indent})"


def _is_portable(value: object) -> bool:
    module = getattr(value, "__module__", "") or ""
    is_definition = isinstance(value, type | types.FunctionType)
    return is_definition and (module == _PORTABLE_PACKAGE or module.startswith("designer.data."))


def _global_names(code: types.CodeType) -> Iterator[str]:
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            yield instruction.argval
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _global_names(constant)


def _referenced(item: Callable) -> Iterator[tuple[str, object]]:
    """(name, value) of each global a portable function reads (classes read none)."""
    if isinstance(item, type):
        return
    namespace = item.__globals__
    for name in dict.fromkeys(_global_names(item.__code__)):
        if name in namespace:
            yield name, namespace[name]
        elif not hasattr(builtins, name):
            raise RuntimeError(f"{item.__name__} uses unknown global {name!r}")


def _with_dependencies(roots: list[Callable]) -> list[Callable]:
    """The roots and every portable function or class they use, dependencies first."""
    ordered: list[Callable] = []

    def visit(item: Callable) -> None:
        if item in ordered:
            return
        for name, value in _referenced(item):
            if _is_portable(value):
                visit(value)
            elif not _is_module(value):
                raise RuntimeError(f"{item.__name__} uses {name!r}, which is not portable")
        ordered.append(item)

    for root in roots:
        visit(root)
    return ordered


def _portable_source(item: Callable) -> tuple[str, list[str]]:
    """Source text of a function or class, with imports inside function bodies moved out
    (they are local only to keep the application's start-up fast)."""
    lines = textwrap.dedent(inspect.getsource(item)).splitlines()
    tree = ast.parse("\n".join(lines))
    definition = tree.body[0]
    hoisted: list[str] = []
    drop: set[int] = set()
    if isinstance(definition, ast.FunctionDef):
        for node in definition.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                hoisted.append(ast.unparse(node))
                drop.update(range(node.lineno - 1, node.end_lineno or node.lineno))
                after = node.end_lineno or node.lineno
                if after < len(lines) and not lines[after].strip():
                    drop.add(after)
    kept = [line for number, line in enumerate(lines) if number not in drop]
    return "\n".join(kept), hoisted
