"""Random edit sequences with blocks among them: grouping random selections (garbage
names included), ungrouping, detaching, repeating, and edits inside a block, with undo.

The invariants of `test_fuzz_edits` hold throughout (an edit applies or is refused having
changed nothing, inference never raises and its caches never serve a stale result, now
also across changes inside blocks), and undoing everything empties the block table.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule
from test_fuzz_edits import EditMachine

from designer.model import Graph, GraphError
from designer.model.block_edits import DetachBlock, GroupIntoBlock, RepeatBlock, Ungroup
from designer.model.definition_edits import InBlock
from designer.model.edits import RemoveNodes, Rename, SetParam

valid_names = st.sampled_from(["Block", "Stage", "Res", "Pair"])
names = st.one_of(valid_names, valid_names, valid_names, st.text(max_size=4))


def full_snapshot(graph: Graph) -> tuple:
    """The design and every block definition, in order."""
    nodes = [(n.id, n.type, n.label, dict(n.params), n.position) for n in graph]
    blocks = [
        (d.name, [(n.id, n.type, n.label, dict(n.params)) for n in d.graph], d.graph.edges)
        for d in graph.blocks
    ]
    return nodes, list(graph.edges), blocks


class BlockEditMachine(EditMachine):
    def attempt(self, edit) -> None:
        before = full_snapshot(self.graph)
        try:
            edit.apply(self.graph)
        except Exception as error:
            assert isinstance(error, GraphErrorTypes), repr(error)
            assert full_snapshot(self.graph) == before, "a refused edit changed something"
            return
        self.done.append((edit, before))

    def blocks_of(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from(self.graph.blocks.names()))

    def pick_block(self, data: st.DataObject) -> str:
        """A block instance mostly, any node (or none) at times."""
        graph = self.graph
        instances = [n for n in graph.nodes if graph.spec(n).role == "block"]
        if not instances or data.draw(st.integers(0, 4)) == 0:
            return self.pick_node(data)
        return data.draw(st.sampled_from(instances))

    @rule(data=st.data(), name=names)
    def group(self, data: st.DataObject, name: str) -> None:
        graph = self.graph
        layers = [n for n in graph.nodes if graph.spec(n).role in ("layer", "block")]
        pool = layers if layers and data.draw(st.integers(0, 4)) else list(graph.nodes)
        chosen = data.draw(st.lists(st.sampled_from(pool), max_size=4)) if pool else []
        self.attempt(GroupIntoBlock(chosen, name))

    @rule(data=st.data())
    def ungroup(self, data: st.DataObject) -> None:
        self.attempt(Ungroup(self.pick_block(data)))

    @rule(data=st.data())
    def detach(self, data: st.DataObject) -> None:
        self.attempt(DetachBlock(self.pick_block(data)))

    @rule(data=st.data(), count=st.one_of(st.integers(-1, 4), st.just("3")))
    def repeat(self, data: st.DataObject, count) -> None:
        self.attempt(RepeatBlock(self.pick_block(data), count))

    @precondition(lambda self: len(self.graph.blocks) > 0)
    @rule(data=st.data())
    def edit_inside(self, data: st.DataObject) -> None:
        name = self.blocks_of(data)
        inner = self.graph.blocks.get(name).graph
        node_id = data.draw(st.sampled_from([*inner.nodes, "ghost"]))
        kind = data.draw(st.integers(0, 2))
        if kind == 0 and node_id in inner.nodes and inner.spec(node_id).params:
            param = data.draw(st.sampled_from(inner.spec(node_id).params))
            edit = SetParam(node_id, param.name, data.draw(st.integers(-1, 12)))
        elif kind == 1:
            edit = Rename(node_id, data.draw(st.sampled_from(["x", "y", "out", "z"])))
        else:
            edit = RemoveNodes([node_id])
        self.attempt(InBlock(name, edit))

    @precondition(lambda self: len(self.done) > 0)
    @rule()
    def undo(self) -> None:
        edit, before = self.done.pop()
        edit.revert(self.graph)
        assert full_snapshot(self.graph) == before

    def teardown(self) -> None:
        while self.done:
            self.undo()
        nodes, edges, blocks = full_snapshot(self.graph)
        assert (nodes, edges) == self.start and blocks == []


GraphErrorTypes = GraphError

TestBlockEdits = BlockEditMachine.TestCase
