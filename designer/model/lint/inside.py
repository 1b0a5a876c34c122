"""The linter inside blocks: each block a design uses is linted on the shapes that reach
it, and what is found inside is reported on the instance ("BasicBlock 'basicblock1':
inside it, Linear 'fc': ..."), so the problems list sees into blocks as inference does.

A block used several times with the same input shapes is linted once. Findings the user
silenced on the inner layer (with the block open) stay silent on every instance; rules
that need the training settings or the data look at the design itself, not inside.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from designer.model.analysis import Problem
from designer.model.block_table import block_name
from designer.model.lint.base import LintInput, Rule

#: Runs ``rules`` over one graph (the engine's own finder), yielding its findings.
Finder = Callable[[LintInput, Sequence[Rule]], Iterator[Problem]]


def block_findings(ctx: LintInput, rules: Sequence[Rule], find: Finder) -> Iterator[Problem]:
    """Findings inside each block instance of ``ctx.graph``, reported on the instance."""
    graph, analysis = ctx.graph, ctx.analysis
    inner_rules = [rule for rule in rules if rule.needs not in ("training", "data")]
    found: dict[tuple, list[Problem]] = {}
    for node in graph:
        name = block_name(node.type)
        info = analysis.info(node.id)
        if name is None or name not in graph.blocks or info.problems or not info.inputs:
            continue  # inference already says what is wrong with it
        key = (name, info.inputs)
        if key not in found:
            found[key] = list(_inside(ctx, name, info.inputs, inner_rules, find))
        for problem in found[key]:
            message = f"{graph.describe(node.id)}: inside it, {problem.message}"
            yield Problem(message, node.id, problem.severity, None, problem.rule)


def _inside(ctx: LintInput, name: str, shapes: tuple, rules, find: Finder) -> Iterator[Problem]:
    blocks = ctx.graph.blocks
    inner = blocks.get(name).graph
    sub = LintInput(inner, blocks.result(name, shapes))
    for problem in (*find(sub, rules), *block_findings(sub, rules, find)):
        node = inner.nodes.get(problem.node_id or "")
        if node is None or problem.rule not in node.silenced:
            yield problem


def on_block(graph, problem: Problem) -> bool:
    """Whether ``problem`` is reported on a block instance (so it was found inside, and
    a quick fix built for the instance would change the wrong node)."""
    node = graph.nodes.get(problem.node_id or "")
    return node is not None and block_name(node.type) is not None
