"""How the canvas shows an analysis: each node's result, and the tooltips of the moment.

An analysis reaches every node item (`show_analysis`), but an item does only what its
own result asks: nothing when the result is the same object as before (inference hands
unchanged results on as they are), a card repaint when problems appear or go, and a
status row to repaint, which the scene does for all rows at once. Tooltips are written
when the mouse rests on an item, never for every item after every edit.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Mapping

from PySide6.QtWidgets import QGraphicsItem

from designer.catalog.objectives import LOSSES
from designer.model import Analysis, Edge, Graph, Node, NodeInfo
from designer.ui.canvas.edge_item import EdgeItem
from designer.ui.canvas.node_item import NodeItem

_NO_INFO = NodeInfo()


def show_analysis(
    items: Mapping[str, NodeItem], graph: Graph, analysis: Analysis
) -> list[NodeItem]:
    """Give each node item its result; returns the items whose status row changed."""
    warnings: dict[str, list[str]] = defaultdict(list)
    for problem in analysis.problems:
        if problem.node_id is not None and not problem.is_error:
            warnings[problem.node_id].append(problem.message)
    infos, nodes = analysis.nodes, graph.nodes
    return [
        item
        for node_id, item in items.items()
        if item.show_analysis(
            infos.get(node_id, _NO_INFO),
            tuple(warnings[node_id]) if node_id in warnings else (),
            output_note(nodes[node_id]) if nodes[node_id].type == "Output" else "",
        )
    ]


def output_note(node: Node) -> str:
    """An Output node's loss and weight (each Output trains with its own)."""
    loss = LOSSES.get(str(node.params.get("loss", "")))
    return loss.badge(float(node.params.get("weight", 1.0))) if loss is not None else ""


def tooltip_of(item: QGraphicsItem, graph: Graph, analysis: Analysis) -> str:
    """The tooltip ``item`` shows now ("" for none)."""
    if isinstance(item, EdgeItem):
        return edge_tooltip(graph, analysis, item.edge)
    return item.toolTip()  # a node writes its own when asked (see `NodeItem.toolTip`)


def edge_tooltip(graph: Graph, analysis: Analysis, edge: Edge) -> str:
    """``'hidden' → 'logit': N×10``: the two layers and the shape that flows between."""
    shape = analysis.info(edge.src).output_at(edge.src_port)
    text = f"{graph.node(edge.src).label} → {graph.node(edge.dst).label}"
    text = f"{text}: {shape}" if shape is not None else text
    return f"<p>{html.escape(text)}</p>"  # rich text, so a '<' in a label stays literal
