"""Python source for exported scripts: safe literals, and the app's own functions verbatim.

An exported script must not import `designer`, yet it must load data, decode images and
train exactly as the application does. Rather than keeping a second copy of that code, the
script is assembled from the source text of the very functions the application calls:
`collect` follows each root function's globals to the other *portable* functions, classes and
constants it uses (those defined in the given modules), orders them dependencies first, moves
imports out of function bodies and reports the modules they need.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

LITERAL_TYPES = (bool, int, float, str, tuple, frozenset)


@dataclass(frozen=True)
class PortableCode:
    """Source text to paste into a script: `imports` (one statement each, for the code
    generator to merge with its own) and `code` (definitions, dependencies first)."""

    imports: tuple[str, ...]
    code: str

    def script(self) -> str:
        """The code as a complete module: imports grouped and sorted like isort, then code."""
        stdlib, third_party = [], []
        for statement in self.imports:
            module = statement.split()[1].split(".")[0]
            (stdlib if module in sys.stdlib_module_names else third_party).append(statement)
        groups = ["\n".join(sorted(g, key=_import_key)) for g in (stdlib, third_party) if g]
        return "\n\n".join(groups) + "\n\n\n" + self.code


def _import_key(statement: str) -> tuple[bool, str]:
    return statement.startswith("from "), statement.split()[1]


def collect(roots: list[Callable], modules: tuple[str, ...]) -> PortableCode:
    """The source of ``roots`` and of every function, class and constant they use from
    ``modules`` (dotted names; a package's sub-modules count too)."""
    imports: list[str] = []
    blocks: list[str] = []
    for name, item, module in _with_dependencies(roots, modules):
        if _is_definition(item):
            text, hoisted = _definition_source(item)
            found = (_import_for(used, value, modules) for used, value in _referenced(item))
            needed = [statement for statement in found if statement]
        else:
            text, hoisted, needed = _constant_source(name, item, module), [], []
        blocks.append(text)
        imports.extend(i for i in [*needed, *hoisted] if i not in imports)
    return PortableCode(tuple(imports), "\n\n\n".join(blocks) + "\n")


def _is_module(value: object) -> bool:
    return isinstance(value, types.ModuleType)


def _is_definition(value: object) -> bool:
    return isinstance(value, type | types.FunctionType)


def _import_statement(name: str, module: types.ModuleType) -> str:
    full = module.__name__
    if full == name:
        return f"import {full}"
    parent, _, leaf = full.rpartition(".")
    if parent and leaf == name:
        return f"from {parent} import {leaf}"
    return f"import {full} as {name}"


def _in_modules(module: str, modules: tuple[str, ...]) -> bool:
    return any(module == m or module.startswith(m + ".") for m in modules)


def _source_names(item: Callable) -> list[str]:
    """Every name a definition's source reads: in code, decorators, base classes and
    annotations (which the bytecode does not show)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(item)))
    names = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)]
    return list(dict.fromkeys(names))


def _referenced(item: Callable) -> Iterator[tuple[str, object]]:
    """(name, value) of each module global a portable definition reads (other names are
    its own parameters and variables, or builtins)."""
    namespace = vars(sys.modules[item.__module__])
    for name in _source_names(item):
        if name != item.__name__ and name in namespace:
            yield name, namespace[name]


def _importable(name: str, value: object, modules: tuple[str, ...]) -> bool:
    """Whether ``value`` is a class or function of another library, importable by name."""
    module = getattr(value, "__module__", None)
    if not module or _in_modules(module, modules) or module == "builtins":
        return False
    return getattr(sys.modules.get(module), name, None) is value


def _import_for(name: str, value: object, modules: tuple[str, ...]) -> str | None:
    if _is_module(value):
        return _import_statement(name, value)  # type: ignore[arg-type]
    if _importable(name, value, modules):
        return f"from {value.__module__} import {name}"  # type: ignore[union-attr]
    return None


def _with_dependencies(
    roots: list[Callable], modules: tuple[str, ...]
) -> list[tuple[str, object, str]]:
    """(name, value, module) of the roots and of every portable definition or constant
    they use, dependencies first."""
    ordered: list[tuple[str, object, str]] = []
    done: set[int] = set()

    def visit(name: str, item: object, module: str) -> None:
        if id(item) in done:
            return
        done.add(id(item))
        if _is_definition(item):
            for used, value in _referenced(item):  # type: ignore[arg-type]
                if _is_module(value) or _importable(used, value, modules):
                    continue
                own = _is_definition(value) and _in_modules(value.__module__, modules)
                if own:
                    visit(used, value, value.__module__)
                elif isinstance(value, LITERAL_TYPES) and _is_literal(value):
                    visit(used, value, item.__module__)  # type: ignore[union-attr]
                else:
                    raise RuntimeError(f"{name} uses {used!r}, which is not portable")
        ordered.append((name, item, module))

    for root in roots:
        visit(root.__name__, root, root.__module__)
    return ordered


def _constant_source(name: str, value: object, module: str) -> str:
    """The assignment of a module constant as written in its module (``5_000_000`` stays
    readable), or else as a literal."""
    text = inspect.getsource(sys.modules[module])
    for node in ast.parse(text).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if [getattr(target, "id", None) for target in targets] == [name]:
            segment = ast.get_source_segment(text, node)
            if segment:
                return segment
    return f"{name} = {literal(value)}"


def _is_literal(value: object) -> bool:
    try:
        return ast.literal_eval(repr(value)) == value
    except (ValueError, SyntaxError):
        return False


def _definition_source(item: Callable) -> tuple[str, list[str]]:
    """Source text of a function or class, with imports inside function bodies moved out
    (they are local only to keep the application's start-up fast)."""
    lines = textwrap.dedent(inspect.getsource(item)).splitlines()
    tree = ast.parse("\n".join(lines))
    hoisted: list[str] = []
    drop: set[int] = set()
    for node in ast.walk(tree.body[0]):
        if isinstance(node, ast.FunctionDef):
            for statement in node.body:
                if isinstance(statement, ast.Import | ast.ImportFrom):
                    hoisted.append(ast.unparse(statement))
                    end = statement.end_lineno or statement.lineno
                    drop.update(range(statement.lineno - 1, end))
                    if end < len(lines) and not lines[end].strip():
                        drop.add(end)
    kept = [line for number, line in enumerate(lines) if number not in drop]
    return "\n".join(kept), hoisted


def literal(value: Any) -> str:
    """Python source for a constant, in the form ruff's formatter keeps.

    Strings are double-quoted with every non-ASCII or control character escaped, so user
    text can neither break out of the literal nor hide look-alike or bidirectional
    characters in the file. Tuples and lists recurse; other types are refused.
    """
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        text = repr(value)
        if text in ("inf", "-inf", "nan"):
            raise ValueError(f"{text} has no literal")
        return text.replace("e+", "e")
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, tuple):
        items = [literal(v) for v in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(value, list):
        return f"[{', '.join(literal(v) for v in value)}]"
    raise TypeError(f"no literal for {type(value).__name__}")


def _string(text: str) -> str:
    body = ascii(text)
    if body.startswith('"'):  # text holds ' but no ": Python chose double quotes already
        return body
    inner = body[1:-1]
    if '"' not in text:
        return '"' + inner.replace("\\'", "'") + '"'
    if text.count('"') > text.count("'"):
        return body  # fewer escapes in single quotes, as ruff prefers
    return '"' + inner.replace("\\'", "'").replace('"', '\\"') + '"'


def wrapped_literal(value: object, indent: str, room: int, width: int = 100) -> str:
    """`literal(value)`; a string too long for ``room`` characters becomes parenthesized
    pieces on lines of their own (indented by ``indent`` plus four spaces, each within
    ``width``), which Python joins back into the same string."""
    text = literal(value)
    if not isinstance(value, str) or len(text) <= room:
        return text
    limit = max(width - len(indent) - 4, 20)
    pieces, piece = [], ""
    for character in value:
        if piece and len(literal(piece + character)) > limit:
            pieces.append(piece)
            piece = ""
        piece += character
    pieces.append(piece)
    inner = "".join(f"{indent}    {literal(p)}\n" for p in pieces)
    return f"(\n{inner}{indent})"
