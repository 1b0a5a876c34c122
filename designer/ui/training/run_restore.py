"""Restoring a run's design, its settings, or both, into the open project as one undo step.

A run keeps the project file's text of what it trained (its snapshot); restoring reads it
with `designer.io` and changes the document through `GraphDocument` like any other edit,
so Undo brings back exactly what was there and Redo the run's version again. The design
is the run's whole design: its layers, wires and block definitions.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtGui import QUndoStack

from designer.io import ProjectFileError, project_from_json, project_to_dict
from designer.model import Graph, Project
from designer.model.block_table import BlockDefinition
from designer.model.definition_edits import AddBlocks, BlockSnapshot, snapshot
from designer.model.node import Edge, Node
from designer.training.results import RunRecord
from designer.ui.document import GraphDocument

WHAT = {"design": "design", "settings": "settings", "both": "design and settings"}


@dataclass
class ReplaceDesign:
    """Replace every layer, wire and block definition with those of another design, ids
    included, so the restored project saves exactly as the run's snapshot did. Pure and
    invertible like the edits of `designer.model.edits`; a design the graph refuses
    leaves it as it was."""

    nodes: Sequence[Node]
    edges: Sequence[Edge]
    description: str = "Restore design"
    blocks: Sequence[BlockSnapshot] = ()
    _old_nodes: list[Node] = field(default_factory=list, init=False)
    _old_edges: list[Edge] = field(default_factory=list, init=False)
    _old_blocks: list[BlockDefinition] = field(default_factory=list, init=False)

    def apply(self, graph: Graph) -> None:
        self._old_nodes = [node.clone() for node in graph]
        self._old_edges = list(graph.edges)
        self._old_blocks = list(graph.blocks)
        _clear(graph)
        try:
            AddBlocks(self.blocks).apply(graph)
            _build(graph, self.nodes, self.edges)
        except Exception:
            self.revert(graph)
            raise

    def revert(self, graph: Graph) -> None:
        _clear(graph)
        for definition in self._old_blocks:
            graph.blocks.add(definition)
        _build(graph, self._old_nodes, self._old_edges)


def _clear(graph: Graph) -> None:
    """Remove every layer and wire, then every block definition (no instance is left
    to use one)."""
    graph.clear()
    for definition in reversed(list(graph.blocks)):
        graph.blocks.remove(definition.name)


def _build(graph: Graph, nodes: Sequence[Node], edges: Sequence[Edge]) -> None:
    for node in nodes:
        params = copy.deepcopy(node.params)
        graph.add_node(node.type, params, node.label, node.position, node.id)
    graph.add_edges(edges)


def _design(project: Project) -> tuple[list, list, list]:
    document = project_to_dict(project)
    return document["nodes"], document["edges"], document.get("blocks", [])


def _replacing(trained: Project, text: str) -> ReplaceDesign:
    graph = trained.graph
    return ReplaceDesign(list(graph), graph.edges, text, [snapshot(d) for d in graph.blocks])


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
        restored = not design or document.push_design(_replacing(trained, text))
        if restored and settings:
            document.set_data_settings(trained.data, description=text)
            document.set_training_settings(trained.training, description=text)
    finally:
        stack.endMacro()
    if not restored:
        _drop_last_step(stack)
        return f"The {noun} of {record.name} cannot be restored (the status bar says why)"
    return f"Restored the {noun} of {record.name} (Undo puts back what was there)"


def _drop_last_step(stack: QUndoStack) -> None:
    """Take the (empty) step of a refused restore off the stack: an obsolete command is
    deleted when undone."""
    stack.command(stack.index() - 1).setObsolete(True)
    stack.undo()
