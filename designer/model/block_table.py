"""Reusable blocks: named sub-graphs with named ports, kept in one table per project.

A block *definition* is an ordinary `Graph` whose boundary is drawn with two node types
found only inside definitions: a ``BlockInput`` per input port and a ``BlockOutput`` per
output port. Each boundary node's label is its port's name, and the ports keep the order
of their nodes in the graph. Boundary nodes (rather than a separate port map) were chosen
because they let a definition be drawn, wired, shape-checked and edited on the canvas
exactly like a design, with every existing edit, and because a port is then just a node
that can be renamed, moved and undone.

A block *instance* is a node whose type is ``block:<name>``. The table turns each
definition into a `LayerSpec` (role ``"block"``) that the graph's catalogue hands out
beside the built-in layers, so ports, wiring checks, inference and the canvas treat an
instance like any layer; its shape rule infers the definition's sub-graph on the actual
input shapes (`designer.model.block_shapes`). The built-in catalogue keeps one entry per
plain layer type and never learns of blocks: `BlockCatalog` is a view over both.

Every change inside a definition bumps the table's revision and fires ``changed``, so each
instance (and every cached analysis) sees the new definition at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from psygnal import Signal, SignalGroup

from designer.catalog import Catalog, LayerDocs, LayerSpec, PortSpec, Shape, ShapeError
from designer.model.block_catalog import (
    BLOCK_INPUT,
    BLOCK_OUTPUT,
    BLOCK_PREFIX,
    BLOCK_ROLE,
    BOUNDARY_SPECS,
    INPUT_ROLE,
    MAX_BLOCK_DEPTH,
    MAX_BLOCKS,
    OUTPUT_ROLE,
    BlockCatalog,
    block_name,
    block_type,
    name_problem,
)

if TYPE_CHECKING:
    from designer.model.analysis import Analysis
    from designer.model.graph import Graph

__all__ = [
    "BLOCK_INPUT",
    "BLOCK_OUTPUT",
    "BLOCK_PREFIX",
    "BLOCK_ROLE",
    "BOUNDARY_SPECS",
    "INPUT_ROLE",
    "MAX_BLOCKS",
    "MAX_BLOCK_DEPTH",
    "OUTPUT_ROLE",
    "BlockCatalog",
    "BlockDefinition",
    "BlockEvents",
    "BlockTable",
    "block_name",
    "block_type",
    "name_problem",
]

_RESULTS_KEPT = 2_000


class BlockEvents(SignalGroup):
    """``changed(name)`` after a definition is added, removed or edited inside."""

    changed = Signal(str)


@dataclass(eq=False)
class BlockDefinition:
    """One block type: its name and the graph drawn inside it (see the module docstring)."""

    name: str
    graph: Graph

    def boundary(self, role: str) -> list[str]:
        """The ids of the boundary nodes of ``role``, in port order."""
        catalog = self.graph.catalog
        return [n.id for n in self.graph if catalog.get(n.type).role == role]

    @property
    def input_nodes(self) -> list[str]:
        return self.boundary(INPUT_ROLE)

    @property
    def output_nodes(self) -> list[str]:
        return self.boundary(OUTPUT_ROLE)

    def port_names(self, role: str) -> list[str]:
        return [self.graph.node(n).label for n in self.boundary(role)]

    def used_blocks(self) -> set[str]:
        """The names of the blocks this definition uses directly."""
        return {name for n in self.graph if (name := block_name(n.type)) is not None}


class BlockTable:
    """The block definitions of one project, by name, in the order they were added.

    Shared by the project's graph and by every definition's graph (blocks may hold
    blocks), and the one place that knows which definitions exist: `spec` gives the
    `LayerSpec` of an instance, `result` the analysis of a definition on given inputs.
    """

    def __init__(self, base: Catalog) -> None:
        self.base = base
        self.catalog = BlockCatalog(base, self)
        self.events = BlockEvents()
        self.revision = 0
        self._definitions: dict[str, BlockDefinition] = {}
        self._specs: dict[str, LayerSpec] = {}
        self._results: dict[tuple, Analysis] = {}
        self._active: list[str] = []
        #: The design this table belongs to (set by its graph), for `port_user`.
        self.owner: Callable[[], Graph | None] = lambda: None

    # ----------------------------------------------------------------- queries
    def __contains__(self, name: object) -> bool:
        return name in self._definitions

    def __iter__(self) -> Iterator[BlockDefinition]:
        return iter(list(self._definitions.values()))

    def __len__(self) -> int:
        return len(self._definitions)

    def names(self) -> list[str]:
        return list(self._definitions)

    def get(self, name: str) -> BlockDefinition:
        try:
            return self._definitions[name]
        except (KeyError, TypeError):
            raise KeyError(f"no block named {name!r:.60}") from None

    def reaches(self, start: str, goal: str) -> bool:
        """Whether block ``start`` holds an instance of ``goal``, at any depth."""
        seen: set[str] = set()
        stack = [start]
        while stack:
            name = stack.pop()
            if name == goal:
                return True
            if name in seen or name not in self._definitions:
                continue
            seen.add(name)
            stack.extend(self._definitions[name].used_blocks())
        return False

    def depth(self, name: str, _seen: frozenset[str] = frozenset()) -> int:
        """1 for a block of plain layers, one more for each level of blocks inside."""
        inner = self._definitions[name].used_blocks() & set(self._definitions)
        inner -= _seen | {name}
        if not inner:
            return 1
        return 1 + max(self.depth(n, _seen | {name}) for n in inner)

    def port_user(self, name: str, port: str, output: bool) -> str | None:
        """How messages name the first instance of block ``name`` (in the design or in
        a block) with a wire on its port ``port``, or None when no instance has one.
        A port that another port node of the same name still provides is not in use."""
        definition = self.get(name)
        role = OUTPUT_ROLE if output else INPUT_ROLE
        if definition.port_names(role).count(port) > 1:
            return None
        design = self.owner()
        graphs = [d.graph for d in self] + ([design] if design is not None else [])
        kind = block_type(name)
        for graph in graphs:
            for node in graph:
                if node.type != kind:
                    continue
                wires = graph.out_edges(node.id) if output else graph.in_edges(node.id)
                if any((e.src_port if output else e.dst_port) == port for e in wires):
                    return graph.describe(node.id)
        return None

    def refusal(self, container: str | None, used: str) -> str | None:
        """Why an instance of block ``used`` may not go inside block ``container`` (None
        for the design itself, where any block may go), or None if it may."""
        if container is None:
            return None
        if self.reaches(used, container):
            return f"block {used!r} cannot go inside {container!r}: a block cannot hold itself"
        if used in self._definitions and self.depth(used) >= MAX_BLOCK_DEPTH:
            return f"blocks may be nested at most {MAX_BLOCK_DEPTH} levels deep"
        return None

    # ---------------------------------------------------------------- mutators
    def add(self, definition: BlockDefinition, index: int | None = None) -> None:
        """Add a definition (its graph must use this table's catalogue)."""
        problem = name_problem(definition.name)
        if problem is not None:
            raise ValueError(problem)
        if definition.name in self._definitions:
            raise ValueError(f"a block named {definition.name!r} already exists")
        if len(self._definitions) >= MAX_BLOCKS:
            raise ValueError(f"a project may hold at most {MAX_BLOCKS} blocks")
        if definition.graph.catalog is not self.catalog:
            raise ValueError("the block's graph belongs to another project")
        if definition.graph.block_name != definition.name:
            raise ValueError(f"the graph is not the definition of {definition.name!r}")
        items = list(self._definitions.items())
        items.insert(len(items) if index is None else index, (definition.name, definition))
        self._definitions = dict(items)
        self._follow(definition.graph, True)
        self._changed(definition.name)

    def remove(self, name: str) -> tuple[int, BlockDefinition]:
        """Remove a definition; returns its index and itself so an undo can put it back."""
        definition = self.get(name)
        index = list(self._definitions).index(name)
        del self._definitions[name]
        self._follow(definition.graph, False)
        self._changed(name)
        return index, definition

    def replace(self, definition: BlockDefinition) -> BlockDefinition:
        """Put ``definition`` in the place of the one of its name, in one change (an
        instance never finds its block missing); returns the one replaced."""
        old = self.get(definition.name)
        if definition.graph.catalog is not self.catalog:
            raise ValueError("the block's graph belongs to another project")
        if definition.graph.block_name != definition.name:
            raise ValueError(f"the graph is not the definition of {definition.name!r}")
        self._follow(old.graph, False)
        self._definitions[definition.name] = definition
        self._follow(definition.graph, True)
        self._changed(definition.name)
        return old

    def reorder(self, names: list[str]) -> None:
        """Put the definitions in the order of ``names`` (all of them, once each)."""
        if sorted(names) != sorted(self._definitions):
            raise ValueError("reorder needs every block name once")
        self._definitions = {name: self._definitions[name] for name in names}

    def new_graph(self, name: str) -> Graph:
        """An empty graph for the definition of block ``name``, sharing this table."""
        from designer.model.graph import Graph

        graph = Graph(self.catalog)
        graph.block_name = name
        return graph

    def free_name(self, stem: str, taken: Collection[str] = ()) -> str:
        """``stem``, or ``stem2``, ``stem3``...: the first name no block has yet (nor
        any of ``taken``, names about to be added)."""
        name, index = stem, 1
        while name in self._definitions or name in taken:
            index += 1
            name = f"{stem}{index}"
        return name

    def _follow(self, graph: Graph, on: bool) -> None:
        events = graph.events
        for signal in (
            events.node_added,
            events.node_removed,
            events.edge_added,
            events.edge_removed,
            events.param_changed,
            events.node_renamed,
            events.node_silenced,  # the linter reads it inside blocks too
        ):
            if on:
                signal.connect(self._on_definition_changed)
            else:
                signal.disconnect(self._on_definition_changed, missing_ok=True)

    def _on_definition_changed(self, *_args: object) -> None:
        self._changed("")

    def _changed(self, name: str) -> None:
        self.revision += 1
        self._specs.clear()
        self._results.clear()
        self.events.changed.emit(name)

    # ---------------------------------------------------------------- readers
    def spec(self, name: str) -> LayerSpec:
        """The `LayerSpec` of an instance of block ``name`` (made anew after each change,
        so caches that compare specs by identity see the change)."""
        spec = self._specs.get(name)
        if spec is None:
            spec = self._specs[name] = _instance_spec(self, self.get(name))
        return spec

    def result(self, name: str, inputs: tuple[Shape, ...]) -> Analysis:
        """The analysis of block ``name`` on ``inputs`` (one shape per input port),
        remembered until the table changes."""
        key = (name, inputs)
        hit = self._results.get(key)
        if hit is not None:
            return hit
        if name in self._active or len(self._active) >= MAX_BLOCK_DEPTH:
            raise ShapeError(f"blocks are nested too deeply here (at {name!r})")
        from designer.model.block_shapes import infer_definition

        self._active.append(name)
        try:
            analysis = infer_definition(self.get(name), inputs)
        finally:
            self._active.pop()
        if len(self._results) >= _RESULTS_KEPT:
            self._results.clear()
        self._results[key] = analysis
        return analysis


def _instance_spec(table: BlockTable, definition: BlockDefinition) -> LayerSpec:
    """The catalogue entry of an instance: ports from the boundary nodes, shapes and
    counts from inferring the definition on the instance's inputs."""
    name = definition.name
    inputs = tuple(PortSpec(port) for port in dict.fromkeys(definition.port_names(INPUT_ROLE)))
    outputs = tuple(PortSpec(port) for port in dict.fromkeys(definition.port_names(OUTPUT_ROLE)))

    def analysis(shapes) -> Analysis:
        result = table.result(name, tuple(shapes))
        if result.errors:
            raise ShapeError(f"inside it, {result.errors[0].message}")
        return result

    def shape_rule(params, shapes):
        result = analysis(shapes)
        found = tuple(result.info(n).output for n in definition.output_nodes)
        if not found or any(shape is None for shape in found):
            raise ShapeError("the block has no output whose shape is known")
        return found[0] if len(found) == 1 else found

    prefix = re.sub(r"[^a-z0-9]", "", name.lower()) or "block"
    return LayerSpec(
        docs=_docs(definition),
        type_id=block_type(name),
        display_name=name,
        category="Blocks",
        help=f"An instance of the block {name!r}; open it to edit every instance at once.",
        params=(),
        shape_rule=shape_rule,
        binding=None,
        inputs=inputs,
        outputs=outputs,
        param_count=lambda params, shapes, result: analysis(shapes).total_params,
        macs=lambda params, shapes, result: analysis(shapes).total_macs,
        label_prefix=prefix,
        role=BLOCK_ROLE,
    )


def _docs(definition: BlockDefinition) -> LayerDocs:
    """What an instance's help page says: the ports, and the layers inside in order."""
    graph = definition.graph
    inputs, outputs = definition.port_names(INPUT_ROLE), definition.port_names(OUTPUT_ROLE)
    boundary = set(definition.input_nodes) | set(definition.output_nodes)
    layers = [graph.describe(n.id) for n in graph if n.id not in boundary]
    ports = f"({', '.join(inputs)}) → ({', '.join(outputs)})"
    about = (
        f"A block of {len(layers)} layer{'s' * (len(layers) != 1)}: {', '.join(layers)}. "
        "Every instance runs the same layers with weights of its own; open it "
        "(double-click) to change them all at once."
    )
    return LayerDocs(formula=f"{definition.name}{ports}", about=about)
