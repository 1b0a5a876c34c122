"""A small Wadler-style printer that lays out Python statements as ruff's formatter does.

Generated code (the model class, the training script) should pass ``ruff format --check``
untouched, so long statements are broken with the same groups ruff uses for calls,
subscripts, lists, binary chains and ``return`` tuples, at a line length of 100. Kept
apart from `codegen` because it knows nothing of networks: it prints documents of text,
breaks, groups and indents, built from Python expressions.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from designer.compiler.namespace import literal

LINE_LENGTH = 100
INDENT = 4


@dataclass(frozen=True)
class Line:
    """A possible line break: ``flat`` text when its group fits on the line."""

    flat: str


@dataclass(frozen=True)
class Group:
    """Printed flat if it fits in the rest of the line, else with its breaks taken."""

    contents: list


@dataclass(frozen=True)
class Indent:
    contents: list


@dataclass(frozen=True)
class IfBreak:
    """Text printed only when the enclosing group breaks (trailing commas, parentheses)."""

    text: str


SOFT, SPACE = Line(""), Line(" ")
_FLAT, _BREAK = False, True


def render(doc: Any, level: int) -> list[str]:
    """Print ``doc`` as a statement at indentation ``level``; returns its lines."""
    base = level * INDENT
    out, column = [" " * base], base
    commands: list[tuple[int, bool, Any]] = [(base, _BREAK, doc)]
    while commands:
        indent, mode, item = commands.pop()
        if isinstance(item, str):
            out.append(item)
            column += len(item)
        elif isinstance(item, list):
            commands.extend((indent, mode, part) for part in reversed(item))
        elif isinstance(item, Indent):
            commands.append((indent + INDENT, mode, item.contents))
        elif isinstance(item, IfBreak):
            if mode is _BREAK:
                out.append(item.text)
                column += len(item.text)
        elif isinstance(item, Line):
            if mode is _FLAT:
                out.append(item.flat)
                column += len(item.flat)
            else:
                out.append("\n" + " " * indent)
                column = indent
        elif isinstance(item, Group):
            flat = mode is _FLAT or _fits((indent, _FLAT, item.contents), commands, column)
            commands.append((indent, _FLAT if flat else _BREAK, item.contents))
    return "".join(out).split("\n")


def _fits(first: tuple, rest: list, column: int) -> bool:
    """Whether ``first`` (flat) and what follows it fit before the next line break."""
    width = LINE_LENGTH - column
    pending, index = [first], len(rest)
    while width >= 0:
        if not pending:
            if index == 0:
                return True
            index -= 1
            pending.append(rest[index])
            continue
        indent, mode, item = pending.pop()
        if isinstance(item, str):
            width -= len(item)
        elif isinstance(item, list):
            pending.extend((indent, mode, part) for part in reversed(item))
        elif isinstance(item, Indent | Group):
            pending.append((indent, mode, item.contents))
        elif isinstance(item, IfBreak):
            width -= len(item.text) if mode is _BREAK else 0
        elif isinstance(item, Line):
            if mode is _BREAK:
                return True
            width -= len(item.flat)
    return False


def commas(items: list) -> list:
    """Items joined by ``,`` and a breakable space, with a trailing comma when broken."""
    parts: list = []
    for index, item in enumerate(items):
        if index:
            parts += [",", SPACE]
        parts.append(item)
    if len(items) > 1:
        parts.append(IfBreak(","))
    return parts


def bracket(opening: str, contents: Any, closing: str) -> Group:
    return Group([opening, Indent([SOFT, contents]), SOFT, closing])


def call(function: Any, arguments: list) -> list:
    if not arguments:
        return [function, "()"]
    return [function, bracket("(", Group(commas(arguments)), ")")]


def render_assignment(targets: tuple[str, ...], value: ast.expr, level: int) -> list[str]:
    """``a = value`` or, for a layer with several outputs, ``a, b = value`` laid out as
    ruff does: the value split at its own brackets while ``a, b = f(`` fits, else the
    value in parentheses while ``a, b = (`` fits, else one target a line."""
    target = ", ".join(targets)
    lines = render(_assignment(target, value), level)
    if len(targets) == 1 or len(lines[0]) <= LINE_LENGTH:
        return lines
    if level * INDENT + len(target) + len(" = (") <= LINE_LENGTH:
        return render([f"{target} = ", _optional_parentheses([_doc(value)])], level)
    opening = [" " * (level * INDENT) + "("]
    names = [" " * ((level + 1) * INDENT) + f"{name}," for name in targets]
    return [*opening, *names, *render(_with_prefix(") = ", value), level)]


def _assignment(target: str, value: ast.expr) -> list:
    return _with_prefix(f"{target} = ", value)


def _with_prefix(prefix: str, value: ast.expr) -> list:
    """``target = value`` or ``return value``; a bare operator chain gets ruff's optional
    parentheses, anything ending in brackets breaks inside them instead."""
    if isinstance(value, ast.BinOp):
        return [prefix, _optional_parentheses([_doc(value)])]
    if isinstance(value, ast.Tuple) and len(value.elts) > 1:
        return [prefix, _optional_parentheses(commas([_doc(e) for e in value.elts]))]
    return [prefix, _doc(value)]


def _optional_parentheses(contents: list) -> Group:
    """``contents`` flat when they fit, else wrapped in parentheses on lines of their own
    (ruff's layout for a right-hand side or an import list that needs none when short)."""
    return Group([IfBreak("("), Indent([SOFT, *contents]), SOFT, IfBreak(")")])


def format_statement(statement: str, level: int = 0) -> list[str]:
    """Lay out one simple statement (assignment, ``return`` or call) as ruff would; other
    statements are returned as given. Used for the variable lines of the script."""
    node = ast.parse(statement).body[0]
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        return render(_assignment(ast.unparse(node.targets[0]), node.value), level)
    if isinstance(node, ast.Return) and node.value is not None:
        return render(_with_prefix("return ", node.value), level)
    if isinstance(node, ast.Expr):
        return render(_doc(node.value), level)
    return [" " * (level * INDENT) + statement]


def format_import(module: str, names: list[str]) -> list[str]:
    """``from module import a, b``, wrapped in parentheses one name a line when long."""
    return render([f"from {module} import ", _optional_parentheses(commas(names))], 0)


_OPERATORS = {ast.Add: "+", ast.Mult: "*", ast.Sub: "-"}
_ATOMS = (ast.Name, ast.Constant, ast.Call, ast.Attribute, ast.Subscript)


def _doc(node: ast.expr) -> Any:
    """The layout document of an expression from a catalogue template."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant):
        return "..." if node.value is Ellipsis else literal(node.value)
    if isinstance(node, ast.Attribute):
        return [_doc(node.value), "." + node.attr]
    if isinstance(node, ast.Call):
        keywords = [[f"{k.arg}=", _doc(k.value)] for k in node.keywords if k.arg]
        return call(_doc(node.func), [*map(_doc, node.args), *keywords])
    if isinstance(node, ast.Subscript):
        index = node.slice
        if isinstance(index, ast.Tuple):  # x[:, 2:5]: a tuple index takes no parentheses
            return [_doc(node.value), bracket("[", commas([_doc(e) for e in index.elts]), "]")]
        return [_doc(node.value), bracket("[", _doc(index), "]")]
    if isinstance(node, ast.List):
        return bracket("[", commas([_doc(e) for e in node.elts]), "]")
    if isinstance(node, ast.Tuple) and len(node.elts) > 1:
        return bracket("(", commas([_doc(e) for e in node.elts]), ")")
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _chain(node)
    return ast.unparse(node)


def _chain(node: ast.BinOp) -> Group:
    """``a + b + c`` as one group: all on one line, or one operand per line."""
    operator = _OPERATORS[type(node.op)]
    operands: list[ast.expr] = [node.right]
    left = node.left
    while isinstance(left, ast.BinOp) and type(left.op) is type(node.op):
        operands.append(left.right)
        left = left.left
    operands.append(left)
    parts: list = []
    for index, operand in enumerate(reversed(operands)):
        text = _operand(operand, node.op)
        parts += [SPACE, f"{operator} ", text] if index else [text]
    return Group(parts)


_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2}


def _operand(node: ast.expr, operator: ast.operator) -> Any:
    """One operand of a chain: bare when it binds tighter (``x * 0.5 + 1.0``, ``-0.5``),
    else in parentheses."""
    if isinstance(node, _ATOMS):
        return _doc(node)
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return ast.unparse(node)
    if (
        isinstance(node, ast.BinOp)
        and type(node.op) in _PRECEDENCE
        and _PRECEDENCE[type(node.op)] > _PRECEDENCE[type(operator)]
    ):
        return ast.unparse(node)
    return f"({ast.unparse(node)})"
