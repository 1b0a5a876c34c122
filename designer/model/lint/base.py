"""What a linter rule is, what it reads and what its quick fix returns.

A `Rule` is a declarative entry: a stable id, a title, a severity, a paragraph a student
can follow, a check that finds the rule's cases, and optionally a fix that returns *one*
undoable change. Checks read a `LintInput`: the graph, its analysis, and, when known, the
training settings and what the data holds (`DataFacts`); a rule that needs what is not
known is skipped, never guessed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from designer.catalog import LayerSpec
from designer.model.analysis import ERROR, WARNING, Analysis, Problem
from designer.model.edits import Edit
from designer.model.graph import Graph
from designer.model.settings import TrainingSettings

if TYPE_CHECKING:
    from designer.model.lint.gradients import ProbeFacts


@dataclass(frozen=True)
class TargetFacts:
    """What the linter knows of the targets one Output node learns: the task, the
    per-sample shape, the number of classes, and the range of real-valued targets."""

    task: str
    shape: tuple[int, ...] = ()
    num_classes: int | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class DataFacts:
    """What the data set holds, as far as rules need it (built by `designer.data`):
    the targets of each Output node, by node id."""

    name: str
    targets: Mapping[str, TargetFacts] = field(default_factory=dict)


@dataclass(frozen=True)
class SettingsFix:
    """A quick fix that changes the training settings rather than the graph."""

    training: TrainingSettings
    description: str


#: What a quick fix returns: one graph edit (a `Compound` is one undo step) or settings.
QuickFix = Edit | SettingsFix


@dataclass(frozen=True)
class Hit:
    """One case a check found: on which node (None for the design as a whole), and what
    to tell the user, without the node's name (the engine puts it first)."""

    node_id: str | None
    text: str
    field: str | None = None


class LintInput:
    """What the rules read, with the derived tables several rules share made once."""

    def __init__(
        self,
        graph: Graph,
        analysis: Analysis,
        training: TrainingSettings | None = None,
        data: DataFacts | None = None,
        probes: ProbeFacts | None = None,
    ) -> None:
        self.graph, self.analysis, self.training, self.data = graph, analysis, training, data
        self.probes = probes

    @functools.cached_property
    def by_type(self) -> dict[str, list[str]]:
        """Node ids by layer type, in graph order."""
        table: dict[str, list[str]] = {}
        for node in self.graph:
            table.setdefault(node.type, []).append(node.id)
        return table

    def of_types(self, *type_ids: str) -> list[str]:
        return [n for t in type_ids for n in self.by_type.get(t, ())]

    def of_category(self, category: str) -> list[str]:
        catalog = self.graph.catalog
        return [
            n for t, ids in self.by_type.items() if catalog.get(t).category == category for n in ids
        ]

    def spec(self, node_id: str) -> LayerSpec:
        return self.graph.spec(node_id)

    @functools.cached_property
    def layouts(self) -> dict[str, str | None]:
        from designer.model.lint.layouts import infer_layouts

        return infer_layouts(self.graph, self.analysis)


Check = Callable[[LintInput], Iterable[Hit]]
Fixer = Callable[[LintInput, Problem], QuickFix | None]


@dataclass(frozen=True)
class Rule:
    """One entry of the rule table.

    ``check`` is None for a rule whose cases another check finds (shape inference, the
    design against its data): those problems carry the rule's id, and the table gives
    them their explanation and fix. ``needs`` names what the check reads beyond the graph
    ("data", "training" or "probes"); the rule is skipped when that is not known. ``explains``
    lists rules whose problems further downstream this rule's finding causes: they are
    then shown as this one finding (with the worse of the two severities).
    """

    id: str
    title: str
    severity: str
    explanation: str
    check: Check | None = None
    fix: Fixer | None = None
    needs: str = ""
    explains: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.severity not in (ERROR, WARNING):
            raise ValueError(f"rule {self.id}: unknown severity {self.severity!r}")

    @property
    def silenceable(self) -> bool:
        """Only advice can be silenced: an error stops training or export whatever the
        user says, so hiding it would only hide the reason."""
        return self.severity == WARNING
