"""Restoring a run's design, its settings, or both, into the open project as one undo step.

A run keeps the project file's text of what it trained (its snapshot); restoring reads it
with `designer.io` and changes the document through `GraphDocument` like any other edit,
so Undo brings back exactly what was there and Redo the run's version again.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

from designer.io import ProjectFileError, project_from_json, project_to_dict
from designer.model import Graph, Project
from designer.model.node import Edge, Node
from designer.training.results import RunRecord
from designer.ui.document import GraphDocument

WHAT = {"design": "design", "settings": "settings", "both": "design and settings"}


@dataclass
class ReplaceDesign:
    """Replace every layer and wire with those of another design, ids included, so the
    restored project saves exactly as the run's snapshot did. Pure and invertible like
    the edits of `designer.model.edits`; a design the graph refuses leaves it as it was."""

    nodes: Sequence[Node]
    edges: Sequence[Edge]
    description: str = "Restore design"
    _old_nodes: list[Node] = field(default_factory=list, init=False)
    _old_edges: list[Edge] = field(default_factory=list, init=False)

    def apply(self, graph: Graph) -> None:
        self._old_nodes = [node.clone() for node in graph]
        self._old_edges = list(graph.edges)
        graph.clear()
        try:
            _build(graph, self.nodes, self.edges)
        except Exception:
            self.revert(graph)
            raise

    def revert(self, graph: Graph) -> None:
        graph.clear()
        _build(graph, self._old_nodes, self._old_edges)


def _build(graph: Graph, nodes: Sequence[Node], edges: Sequence[Edge]) -> None:
    for node in nodes:
        params = copy.deepcopy(node.params)
        graph.add_node(node.type, params, node.label, node.position, node.id)
    graph.add_edges(edges)


def _design(project: Project) -> tuple[list, list]:
    document = project_to_dict(project)
    return document["nodes"], document["edges"]


def restore_run(document: GraphDocument, record: RunRecord, what: str) -> str:
    """Make the document's design (``what`` = "design"), data and training settings
    ("settings") or all of them ("both") those of ``record``, as one undo step; returns
    a line for the status bar saying what happened."""
    noun = WHAT[what]
    try:
        trained = project_from_json(record.snapshot, source=record.name)
    except ProjectFileError as error:
        return f"The {noun} of {record.name} cannot be restored: {error}"
    project = document.project
    design = what != "settings" and _design(project) != _design(trained)
    settings = what != "design" and (project.data, project.training) != (
        trained.data,
        trained.training,
    )
    if not design and not settings:
        return f"The {noun} already {'is' if what != 'both' else 'are'} that of {record.name}"
    if document.locked:
        return f"Stop training to restore the {noun} of {record.name}"
    text = f"Restore the {noun} of {record.name}"
    if design:
        # NOTE: the run's design replaces every layer, the opened block's instance among
        # them (its id may come back as another layer, or not at all), so the canvas goes
        # back out to the design first and shows what was restored.
        document.close_blocks()
    stack = document.undo_stack
    stack.beginMacro(text)
    try:
        if design:
            document.push_design(ReplaceDesign(list(trained.graph), trained.graph.edges, text))
        if settings:
            document.set_data_settings(trained.data, description=text)
            document.set_training_settings(trained.training, description=text)
    finally:
        stack.endMacro()
    return f"Restored the {noun} of {record.name} (Undo puts back what was there)"
