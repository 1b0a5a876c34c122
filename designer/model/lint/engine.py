"""Running the rule table over a design, and building a finding's quick fix.

`review` joins what every check found into one `Analysis`: inference's own problems,
those of other checks (the design against its data), and the linter's findings, each
tagged with its rule and the name of its quick fix. A finding that explains a problem
further downstream (a Linear on an image explains the Output's mismatch with per-sample
labels) is shown as that one finding, and findings the user silenced on their node are
set aside, with their reasons, in ``Analysis.silenced``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from designer.model.analysis import ERROR, Analysis, Problem, with_problems
from designer.model.graph import Graph
from designer.model.lint.base import DataFacts, LintInput, QuickFix, Rule
from designer.model.lint.gradients import ProbeFacts
from designer.model.lint.inside import block_findings, on_block
from designer.model.lint.table import RULE_LIST, RULES
from designer.model.settings import TrainingSettings


def review(
    graph: Graph,
    analysis: Analysis,
    training: TrainingSettings | None = None,
    data: DataFacts | None = None,
    extra: Iterable[Problem] = (),
    rules: Sequence[Rule] = RULE_LIST,
    probes: ProbeFacts | None = None,
) -> Analysis:
    """``analysis`` with the ``extra`` problems of other checks and the findings of
    ``rules`` attached to their nodes, silenced findings set aside. Rules that need the
    training settings, the data or what a short run measured (``probes``) run only when
    those are given. Returns ``analysis`` itself when there is nothing to add or set
    aside."""
    ctx = LintInput(graph, analysis, training, data, probes)
    extra = [p for p in extra if p.node_id is None or p.node_id in graph.nodes]
    found = [*_findings(ctx, rules), *block_findings(ctx, rules, _findings)]
    findings, extra = _explained(ctx, found, extra)
    new = [_with_fix(ctx, p) for p in (*extra, *findings)]
    quiet = [p for p in (*analysis.problems, *new) if is_silenced(graph, p)]
    if not new and not quiet:
        return analysis
    quiet_set = set(quiet)
    kept = tuple(p for p in new if p not in quiet_set)
    result = with_problems(_without(analysis, quiet_set), kept)
    return replace(result, silenced=tuple(quiet))


def quick_fix(
    problem: Problem,
    graph: Graph,
    analysis: Analysis,
    training: TrainingSettings | None = None,
    data: DataFacts | None = None,
    probes: ProbeFacts | None = None,
) -> QuickFix | None:
    """The change that fixes ``problem`` (one graph edit or new training settings), built
    against the design as it is now, or None when its rule offers none for it."""
    rule = RULES.get(problem.rule or "")
    if rule is None or rule.fix is None:
        return None
    if problem.node_id is not None and problem.node_id not in graph.nodes:
        return None
    if on_block(graph, problem):
        return None  # found inside the block: fixed there, with the block open
    return rule.fix(LintInput(graph, analysis, training, data, probes), problem)


def can_silence(problem: Problem) -> bool:
    """Whether the user may silence ``problem`` on its node: a rule's warning on a node
    (errors stop training whatever is said, so they stay in sight)."""
    return problem.rule is not None and problem.node_id is not None and not problem.is_error


def is_advice(problem: Problem) -> bool:
    """Whether ``problem`` is the linter's advice: a warning of one of its own checks,
    which says the design will learn poorly, not that it will fail (unlike the warnings
    of inference, such as the activation memory)."""
    rule = RULES.get(problem.rule or "")
    return rule is not None and rule.check is not None and not problem.is_error


def is_silenced(graph: Graph, problem: Problem) -> bool:
    if not can_silence(problem) or problem.node_id not in graph.nodes:
        return False
    return problem.rule in graph.node(problem.node_id).silenced  # type: ignore[arg-type]


def _findings(ctx: LintInput, rules: Sequence[Rule]) -> Iterator[Problem]:
    for rule in rules:
        if rule.check is None or (rule.needs == "data" and ctx.data is None):
            continue
        if rule.needs == "training" and ctx.training is None:
            continue
        if rule.needs == "probes" and ctx.probes is None:
            continue
        for hit in rule.check(ctx):
            if hit.node_id is None:
                message = hit.text[:1].upper() + hit.text[1:]
            else:
                message = f"{ctx.graph.describe(hit.node_id)}: {hit.text}"
            yield Problem(message, hit.node_id, rule.severity, hit.field, rule.id)


def _explained(
    ctx: LintInput, findings: list[Problem], extra: list[Problem]
) -> tuple[list[Problem], list[Problem]]:
    """Findings and extra problems, each extra problem that a finding upstream of it
    explains merged into that finding (which takes the worse severity)."""
    if not extra:
        return findings, extra
    merged: list[Problem] = []
    for finding in findings:
        explains = RULES[finding.rule].explains if finding.rule in RULES else ()
        caused = [
            p
            for p in extra
            if p.rule in explains
            and p.node_id is not None
            and finding.node_id in ctx.graph.upstream([p.node_id])
        ]
        for problem in caused:
            extra = [p for p in extra if p is not problem]
            also = f" This is also why {ctx.graph.describe(problem.node_id)} does not fit the data."
            severity = ERROR if problem.is_error else finding.severity
            finding = replace(finding, message=finding.message + "." + also, severity=severity)
        merged.append(finding)
    return merged, extra


def _with_fix(ctx: LintInput, problem: Problem) -> Problem:
    """``problem`` with the name of its quick fix, when its rule offers one for it."""
    rule = RULES.get(problem.rule or "")
    if rule is None or rule.fix is None or on_block(ctx.graph, problem):
        return problem
    fix = rule.fix(ctx, problem)
    return problem if fix is None else replace(problem, fix=fix.description)


def _without(analysis: Analysis, gone: set[Problem]) -> Analysis:
    """``analysis`` without the problems in ``gone`` (silenced ones inference found)."""
    if not gone.intersection(analysis.problems):
        return analysis
    nodes = dict(analysis.nodes)
    for problem in gone:
        info = nodes.get(problem.node_id or "")
        if info is not None and problem in info.problems:
            kept = tuple(p for p in info.problems if p != problem)
            nodes[problem.node_id] = replace(info, problems=kept)  # type: ignore[index]
    problems = tuple(p for p in analysis.problems if p not in gone)
    return replace(analysis, nodes=nodes, problems=problems)
