"""The linter: checks that teach, each a rule with an id, an explanation and a quick fix.

Shape inference says whether a design *runs*; the linter says where it will not learn
well, or will fail only once real data arrives (a Linear on an unflattened image, a
Conv1d reading time steps as channels, a sigmoid before binary cross-entropy). Every rule
is one entry of `RULES` (see `table`), read by the canvas, the problems list, the
inspector and ``nn-designer check`` alike. Pure: neither Qt nor torch.

    analysis = review(graph, infer_shapes(graph), training, data_facts, probes=probe_facts)
    fix = quick_fix(problem, graph, analysis, training, data_facts)  # one undoable change
"""

from designer.model.lint.base import (
    DataFacts,
    Hit,
    LintInput,
    QuickFix,
    Rule,
    SettingsFix,
    TargetFacts,
)
from designer.model.lint.engine import can_silence, is_advice, is_silenced, quick_fix, review
from designer.model.lint.gradients import LayerStats, ProbeFacts
from designer.model.lint.table import (
    BOUNDED_REGRESSION,
    OUTPUT_UNITS,
    RULE_LIST,
    RULES,
    SCORES_PER_POSITION,
)

__all__ = [
    "BOUNDED_REGRESSION",
    "OUTPUT_UNITS",
    "RULES",
    "RULE_LIST",
    "SCORES_PER_POSITION",
    "DataFacts",
    "Hit",
    "LayerStats",
    "LintInput",
    "ProbeFacts",
    "QuickFix",
    "Rule",
    "SettingsFix",
    "TargetFacts",
    "can_silence",
    "is_advice",
    "is_silenced",
    "quick_fix",
    "review",
]
