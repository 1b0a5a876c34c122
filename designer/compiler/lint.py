"""The IR's invariants, checked after lowering (as torch.fx lints its graphs): a failure
is a compiler or catalogue bug, reported as a `CompileError` naming the node rather than
as broken generated code."""

from __future__ import annotations

import ast
import math
import re
from typing import Any

from designer.compiler.errors import CompileError
from designer.compiler.ir import IR, UNUSED, IRStep
from designer.compiler.namespace import BLOCK_RESERVED, RESERVED
from designer.model import Problem

MODULE_PATH = re.compile(r"torch\.nn(\.[A-Za-z_][A-Za-z0-9_]*)+")
GLOBALS = frozenset({"torch", "F"})
# Parts of torch a forward has no business touching: files, the network, compilers.
FORBIDDEN_ATTRIBUTES = frozenset(
    {"load", "save", "hub", "ops", "jit", "compile", "library", "package", "serialization",
     "classes", "utils", "distributed", "multiprocessing", "backends", "cuda", "set_grad_enabled"}
)  # fmt: skip
# Builtins a template may call: pure functions on values, none that reach code or files.
SAFE_BUILTINS = frozenset({"tuple", "list", "len", "int", "float", "min", "max", "sum", "abs"})
_LITERALS = (bool, int, float, str, type(None))
_NODES = (
    ast.Expression, ast.Call, ast.Name, ast.Attribute, ast.Subscript, ast.Slice, ast.Constant,
    ast.UnaryOp, ast.USub, ast.BinOp, ast.Add, ast.Mult, ast.Sub, ast.List, ast.Tuple,
    ast.keyword, ast.Load,
)  # fmt: skip


def lint(ir: IR) -> None:
    """Check the IR's invariants, and those of each block class it uses: a block step
    must call a class defined before the class that uses it."""
    classes: set[str] = set()
    for block in ir.blocks:
        if not block.class_name.isidentifier() or block.class_name in RESERVED | classes:
            _fail("", f"block class {block.class_name!r} is not a fresh, safe name")
        _lint_ir(block.ir, frozenset(classes), BLOCK_RESERVED)
        classes.add(block.class_name)
    _lint_ir(ir, frozenset(classes), RESERVED)


def _lint_ir(ir: IR, classes: frozenset[str], reserved: frozenset[str]) -> None:
    defined: set[str] = set()
    for item in ir.inputs:
        _check_name(item.name, defined, item.node_id, reserved)
        defined.add(item.name)
    attributes: set[str] = set()
    for step in ir.steps:
        _lint_step(step, defined, attributes, (classes, reserved))
        attributes.add(step.attribute or "")
        defined.update(name for name in step.outputs if name != UNUSED)
    for out in ir.outputs:
        if out.name not in defined:
            _fail(out.node_id, f"returns undefined {out.name!r}")


def _lint_step(
    step: IRStep, defined: set[str], attributes: set[str], scope: tuple[frozenset, frozenset]
) -> None:
    classes, reserved = scope
    for name in step.inputs:
        if name not in defined:
            _fail(step.node_id, f"uses {name!r} before it is defined")
    if step.attribute is not None:
        _check_name(step.attribute, attributes, step.node_id, reserved)
        if step.block is not None:
            if step.module is not None or step.block not in classes:
                _fail(step.node_id, f"block class {step.block!r} is not defined before")
        elif not (step.module and MODULE_PATH.fullmatch(step.module)):
            _fail(step.node_id, f"module {step.module!r} is not a torch.nn class")
    for key, value in step.kwargs:
        if not key.isidentifier() or not _is_literal(value):
            _fail(step.node_id, f"keyword argument {key!r} is not a plain literal")
    _lint_expression(step, defined)
    if len(step.outputs) != len(step.shapes) or set(step.outputs) == {UNUSED}:
        _fail(step.node_id, "its outputs do not match its output shapes")
    fresh: set[str] = set()
    for name in step.outputs:
        if name != UNUSED or len(step.outputs) == 1:
            _check_name(name, defined | fresh, step.node_id, reserved)
            fresh.add(name)


def _lint_expression(step: IRStep, defined: set[str]) -> None:
    try:
        tree = ast.parse(step.expression, mode="eval")
    except SyntaxError:
        _fail(step.node_id, "its forward template is not an expression")
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif not isinstance(node, _NODES):
            _fail(step.node_id, f"its forward template uses {type(node).__name__}")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            _fail(step.node_id, "its forward template reads a private attribute")
        if (
            isinstance(node, ast.Attribute)
            and node.attr in FORBIDDEN_ATTRIBUTES
            and not (_is_self(node))
        ):
            _fail(step.node_id, f"its forward template uses {node.attr!r}")
        if _is_self(node) and node.attr != step.attribute:
            _fail(step.node_id, "its forward template uses another layer's module")
    own = {"self"} if step.attribute else set()
    unknown = names - defined - GLOBALS - SAFE_BUILTINS - own
    if unknown:
        _fail(step.node_id, f"its forward template uses unknown names {sorted(unknown)}")


def _is_self(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and (node.value.id == "self")
    )


def _check_name(name: str, taken: set[str], node_id: str, reserved: frozenset[str]) -> None:
    if not name.isidentifier() or name in reserved or name in taken:
        _fail(node_id, f"identifier {name!r} is not a fresh, safe name")


def _is_literal(value: Any) -> bool:
    if isinstance(value, tuple | list):
        return all(_is_literal(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, _LITERALS)


def _fail(node_id: str, message: str):
    raise CompileError([Problem(f"internal error in layer {node_id}: {message}", node_id)])
