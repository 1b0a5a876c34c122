"""`BlockNavigation`: the part of `GraphDocument` that opens blocks for editing in place.

While a block is open the canvas and the inspector show its graph (``view_graph``) with
``view_analysis`` (inferred on the shapes that reach the opened instance, and linted),
``block_path`` names the way back out, and the document's ``push`` applies their edits
inside the block. A mixin rather than a class of its own, because the document's one undo
stack, selection and signals are what it moves between graphs.
"""

from __future__ import annotations

from designer.model import Analysis, Graph
from designer.model.block_shapes import analysis_inside, valid_depth
from designer.model.block_table import block_name
from designer.model.lint import review


class BlockNavigation:
    """Opening and closing blocks (mixed into `GraphDocument`, whose ``graph``,
    ``analysis``, ``_opened``, ``_selection`` and signals it uses)."""

    @property
    def view_graph(self) -> Graph:
        """The graph the canvas shows: the design, or the innermost opened block's."""
        if not self._opened:
            return self.graph
        return self.graph.blocks.get(self._opened[-1][0]).graph

    @property
    def block_path(self) -> list[str]:
        """The names of the opened blocks, outermost first ([] for the design)."""
        return [name for name, _ in self._opened]

    def open_block(self, node_id: str) -> bool:
        """Show the inside of the block instance ``node_id`` of the shown graph."""
        graph = self.view_graph
        name = block_name(graph.node(node_id).type) if node_id in graph.nodes else None
        if name is None or name not in graph.blocks:
            self.error_raised.emit("Only a block can be opened; select a block first")
            return False
        self._opened.append((name, node_id))
        self._switch_view()
        return True

    def close_blocks(self, depth: int = 0) -> None:
        """Go back out to ``depth`` opened blocks (0: the design itself)."""
        if depth < len(self._opened):
            del self._opened[depth:]
            self._switch_view()

    def _switch_view(self) -> None:
        self._selection = []
        self.view_analysis = self._view_analysis()
        self.view_changed.emit()
        self.selection_changed.emit([])
        self.analysis_changed.emit()  # the panels that show the view's problems follow

    def _view_analysis(self) -> Analysis:
        """The opened block's analysis (`analysis_inside`), with the linter's findings."""
        return review(self.view_graph, analysis_inside(self.graph, self.analysis, self._opened))

    def _check_opened(self) -> bool:
        """Drop opened blocks that are gone; True when the shown graph changed."""
        depth = valid_depth(self.graph, self._opened)
        if depth == len(self._opened):
            return False
        del self._opened[depth:]
        return True
