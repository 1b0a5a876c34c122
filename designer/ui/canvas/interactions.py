"""Mouse and keyboard gestures on the canvas, each ending in exactly one pushed edit.

* Wiring: press on an output port, drag a wire, release on an input port -> `Connect`.
  While dragging, every input port shows whether the wire may end there; hovering a refused
  one turns it red and says why through ``scene.message``. Pressing on a connected input
  port picks its wire up again: dropped elsewhere it is re-wired (`Disconnect` + `Connect`
  as one step), dropped on empty canvas it is removed.
* Moving: items follow the mouse during a drag; the model changes once, on release, with
  one `MoveNodes` (one gesture, one undo step).
* Deleting: the selected nodes and wires go in one `Compound`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtWidgets import QGraphicsSceneMouseEvent

from designer.model import Analysis, Edge, Graph, GraphError
from designer.model.edits import Compound, Connect, Disconnect, Edit, MoveNodes, RemoveNodes
from designer.ui.canvas import style
from designer.ui.canvas.edge_item import WireItem
from designer.ui.canvas.node_item import NodeItem
from designer.ui.canvas.port_item import PortItem, PortState
from designer.ui.canvas.port_states import PortStatesItem

if TYPE_CHECKING:
    from designer.ui.canvas.scene import GraphScene

PortKey = tuple[str, str]


def refusal(
    graph: Graph, analysis: Analysis, src: str, src_port: str, dst: str, dst_port: str
) -> str | None:
    """Why a wire may not join these ports (`check_connect`'s reason), or None if it may.

    Beyond the graph's rules, integer token ids may not feed a layer that computes on real
    numbers, nor real values an input that takes token ids: the analysis would flag it at
    once, so the canvas refuses it up front.
    """
    try:
        graph.check_connect(src, src_port, dst, dst_port)
    except GraphError as error:
        return str(error)
    shape = analysis.info(src).output_at(src_port)
    reason = graph.spec(dst).input_refusal(dst_port, shape.dtype) if shape else None
    return f"{graph.describe(dst)} {reason}" if reason else None


def delete_edit(graph: Graph, node_ids: list[str], edges: list[Edge]) -> Edit | None:
    """One edit removing ``node_ids`` and the ``edges`` not already going with them.

    The wires are disconnected first and the nodes removed last, so the revert (in reverse)
    puts back the nodes' own edges at their indices and then the lone wires at theirs:
    node order and edge order come back exactly.
    """
    doomed = set(node_ids)
    lone = [e for e in edges if e.src not in doomed and e.dst not in doomed]
    lone.sort(key=graph.edge_index, reverse=True)
    parts: list[Edit] = [Disconnect(e) for e in lone]
    if node_ids:
        parts.append(RemoveNodes(list(node_ids)))
    if not parts:
        return None
    return Compound(parts, "Delete")


class WireGesture:
    """One wire being dragged from ``src``.``src_port``; ``detached`` is a picked-up wire.

    The gesture is the `PortJudge` of every input port while it lasts, and its
    `PortStatesItem` draws what it says over the ports in view: starting a drag over a
    design of thousands of layers judges only the ports on screen, and the others as
    they scroll into it.
    """

    def __init__(self, scene: GraphScene, src: str, src_port: str, detached: Edge | None) -> None:
        self.scene = scene
        self.src, self.src_port, self.detached = src, src_port, detached
        self.reasons: dict[PortKey, str | None] = {}
        self.hovered: PortItem | None = None
        self.wire = WireItem(scene.port_scene_pos(src, src_port, True))
        self.wire.set_state(None, scene.theme)
        scene.addItem(self.wire)
        if detached is not None:
            scene.edge_item(detached).setVisible(False)  # type: ignore[union-attr]
        self.states = PortStatesItem(self, scene.sceneRect())
        scene.addItem(self.states)

    def state_of(self, port: PortItem) -> PortState:
        """What an input port shows during the drag (see `PortJudge`). A port that takes
        one wire and has it is refused without asking the graph why; the reason is
        looked up when the wire comes near it (`reason`)."""
        if port is self.hovered:
            refused = self.reason(port) is not None
            return PortState.HOVER_REFUSED if refused else PortState.HOVER_OK
        taken = port.connected and not port.multiple and not self._picked_from(port)
        refused = taken or self.reason(port) is not None
        return PortState.REFUSED if refused else PortState.CANDIDATE

    def _picked_from(self, port: PortItem) -> bool:
        """Whether the dragged wire was picked up from ``port``."""
        edge = self.detached
        return edge is not None and port.key == (edge.dst, edge.dst_port)

    def reason(self, port: PortItem) -> str | None:
        """`refusal` for one port, memoized for the gesture. Dropping a picked-up wire
        back on its own port is allowed (it changes nothing)."""
        if port.key not in self.reasons:
            if self._picked_from(port):
                self.reasons[port.key] = None  # dropping it back where it was
            else:
                document = self.scene.document
                self.reasons[port.key] = refusal(
                    document.view_graph, document.view_analysis, self.src, self.src_port, *port.key
                )
        return self.reasons[port.key]

    def move(self, pos: QPointF) -> None:
        target = self.target_at(pos)
        if target is not self.hovered:
            self.states.refresh(self.hovered)
            self.hovered = target
            self.states.refresh(target)
            self._show_hover(target)
        end = self.scene.port_scene_pos(target.node_id, target.port_name, False) if target else pos
        self.wire.follow(end)

    def _show_hover(self, target: PortItem | None) -> None:
        if target is None:
            self.wire.set_state(None, self.scene.theme)
            self.scene.message.emit("")
            return
        reason = self.reason(target)
        self.wire.set_state(reason is None, self.scene.theme)
        graph = self.scene.document.view_graph
        text = reason or f"Connect {graph.describe(self.src)} to {graph.describe(target.node_id)}"
        self.scene.message.emit(text)

    def target_at(self, pos: QPointF) -> PortItem | None:
        """The input port under ``pos``: the nearest port circle, else the node's nearest."""
        r = style.PORT_HIT_RADIUS
        ports = [
            item
            for item in self.scene.items(QRectF(pos.x() - r, pos.y() - r, 2 * r, 2 * r))
            if isinstance(item, PortItem) and not item.is_output
        ]
        if not ports:
            nodes = [i for i in self.scene.items(pos) if isinstance(i, NodeItem)]
            if not nodes or nodes[0].node_id == self.src:
                return None
            ports = list(nodes[0].inputs.values())
        if not ports:
            return None
        return min(ports, key=lambda p: _distance(p.scenePos(), pos))

    def finish(self, pos: QPointF) -> None:
        target = self.target_at(pos)
        edge = self.detached
        self.end()
        document = self.scene.document
        if target is None:
            if edge is not None:
                document.push(Disconnect(edge))
            return
        reason = self.reason(target)
        if reason:
            self.scene.message.emit(reason)
            return
        if edge is not None and target.key == (edge.dst, edge.dst_port):
            return
        self.scene.message.emit("")
        connect = Connect(self.src, self.src_port, *target.key)
        document.push(
            connect if edge is None else Compound([Disconnect(edge), connect], "Reconnect")
        )

    def end(self) -> None:
        """Take the wire away and put every port back to normal."""
        self.scene.removeItem(self.wire)
        self.scene.removeItem(self.states)
        if self.detached is not None:
            item = self.scene.edge_item(self.detached)
            if item is not None:
                item.setVisible(True)


class InteractionController:
    """The scene's gestures: wiring, moving (one step per drag) and deleting."""

    def __init__(self, scene: GraphScene) -> None:
        self.scene = scene
        self.wire: WireGesture | None = None
        self._swallow_release = False  # a wire was abandoned while the button was down
        self._move_from: dict[str, tuple[float, float]] = {}

    # ---------------------------------------------------------------- wiring
    def press(self, event: QGraphicsSceneMouseEvent) -> bool:
        """Start a wire if the press is on a port; True when the press is consumed."""
        if event.button() != Qt.MouseButton.LeftButton or self.wire is not None:
            return False
        self._swallow_release = False
        port = self._port_at(event.scenePos())
        if port is None:
            return False
        graph = self.scene.document.view_graph
        if port.is_output:
            self.wire = WireGesture(self.scene, port.node_id, port.port_name, None)
        else:
            wires = [e for e in graph.in_edges(port.node_id) if e.dst_port == port.port_name]
            if not wires:
                return False
            edge = wires[-1]
            self.wire = WireGesture(self.scene, edge.src, edge.src_port, edge)
        self.wire.move(event.scenePos())
        event.accept()
        return True

    def move(self, event: QGraphicsSceneMouseEvent) -> bool:
        if self.wire is None:
            return False
        self.wire.move(event.scenePos())
        event.accept()
        return True

    def release(self, event: QGraphicsSceneMouseEvent) -> bool:
        if self._swallow_release and event.button() == Qt.MouseButton.LeftButton:
            self._swallow_release = False
            event.accept()
            return True
        if self.wire is None or event.button() != Qt.MouseButton.LeftButton:
            return self.wire is not None
        gesture, self.wire = self.wire, None
        gesture.finish(event.scenePos())
        event.accept()
        return True

    def cancel(self) -> None:
        """Abandon a wire in progress (Escape, or the model changed under it)."""
        if self.wire is not None:
            gesture, self.wire = self.wire, None
            gesture.end()
            self._swallow_release = True
            self.scene.message.emit("")

    def reset(self) -> None:
        """Forget every gesture in progress: the scene is being rebuilt for another design,
        whose nodes may reuse the ids of the ones being dragged."""
        self.cancel()
        self._move_from = {}

    def _port_at(self, pos: QPointF) -> PortItem | None:
        for item in self.scene.items(pos):
            if isinstance(item, PortItem):
                return item
            if isinstance(item, NodeItem):
                return None
        return None

    # ---------------------------------------------------------------- moving
    @property
    def dragged(self) -> list[str]:
        """The ids of the nodes being dragged (none outside a drag)."""
        return list(self._move_from)

    def after_press(self, event: QGraphicsSceneMouseEvent) -> None:
        """Remember where the selected nodes were when a drag of one of them begins."""
        self._move_from = {}
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if not isinstance(self.scene.mouseGrabberItem(), NodeItem):
            return
        graph = self.scene.document.view_graph
        for item in self.scene.selected_node_items():
            if item.node_id in graph.nodes:
                self._move_from[item.node_id] = graph.node(item.node_id).position

    def after_release(self, event: QGraphicsSceneMouseEvent) -> None:
        """Push the whole drag as one `MoveNodes`; snap back if the document refuses."""
        start, self._move_from = self._move_from, {}
        if event.button() != Qt.MouseButton.LeftButton or not start:
            return
        moves = {}
        for node_id, old in start.items():
            item = self.scene.node_item(node_id)
            if item is None:
                continue
            new = (float(round(item.x())), float(round(item.y())))  # whole pixels in files
            if new != old:
                moves[node_id] = (old, new)
        if not moves or not self.scene.document.push(MoveNodes(moves)):
            self.scene.sync_positions(list(start))

    # -------------------------------------------------------------- deleting
    def delete_selection(self) -> bool:
        """Remove the selected nodes and wires as one undo step."""
        graph = self.scene.document.view_graph
        nodes = [item.node_id for item in self.scene.selected_node_items()]
        nodes.sort(key=graph.node_index)
        edges = [item.edge for item in self.scene.selected_edge_items()]
        edit = delete_edit(graph, nodes, edges)
        return edit is not None and self.scene.document.push(edit)


def _distance(a: QPointF, b: QPointF) -> float:
    d = a - b
    return d.x() * d.x() + d.y() * d.y()
