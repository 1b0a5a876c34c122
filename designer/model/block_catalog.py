"""The layer types of blocks: the two port types found inside a block's graph (Block
input, Block output), how an instance's type names its block (``block:<name>``), and
`BlockCatalog`, the catalogue a project's graphs read: the built-in layer types beside
the project's blocks. The built-in catalogue keeps one entry per plain layer type and
never learns of blocks (see `designer.model.block_table`).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from designer.catalog import Catalog, LayerSpec, ParamSpec, Shape, ShapeError

if TYPE_CHECKING:
    from designer.model.block_table import BlockTable

BLOCK_PREFIX = "block:"
BLOCK_INPUT = "BlockInput"
BLOCK_OUTPUT = "BlockOutput"
BLOCK_ROLE = "block"
INPUT_ROLE = "block_input"
OUTPUT_ROLE = "block_output"
#: How deep blocks may be nested (a block holding a block holding ...), so that a
#: definition can never make inference or code generation recurse without bound.
MAX_BLOCK_DEPTH = 8
MAX_BLOCKS = 500
MAX_NAME_LENGTH = 64
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_MAX_DIM = 1_000_000


def block_type(name: str) -> str:
    """The node type of an instance of block ``name``."""
    return BLOCK_PREFIX + name


def block_name(type_id: str) -> str | None:
    """The block a node type refers to, or None for a plain layer type."""
    return type_id[len(BLOCK_PREFIX) :] if type_id.startswith(BLOCK_PREFIX) else None


def name_problem(name: Any) -> str | None:
    """Why ``name`` cannot name a block (None when it can): it becomes a class name in the
    generated code, so it must look like one."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return (
            f"a block name must start with a letter and hold only letters, digits and _; "
            f"got {name!r:.60}"
        )
    if len(name) > MAX_NAME_LENGTH:
        return f"a block name may be at most {MAX_NAME_LENGTH} characters long"
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword"
    return None


def _sample_shape(params, inputs) -> Shape:
    dims = tuple(params["shape"])
    if -1 in dims:
        raise ShapeError("a block input's shape cannot hold -1")
    return Shape(dims)


def _pass_through(params, inputs) -> Shape:
    (shape,) = inputs
    return shape


BLOCK_INPUT_SPEC = LayerSpec(
    type_id=BLOCK_INPUT,
    display_name="Block input",
    category="Block",
    help="An input port of the block; its name is the port's name.",
    params=(
        ParamSpec(
            "shape",
            "ints",
            (16,),
            label="Sample shape",
            help="The shape shown while editing the block; each use of the block infers "
            "its own shapes from what feeds it",
            minimum=1,
            maximum=_MAX_DIM,
        ),
    ),
    shape_rule=_sample_shape,
    binding=None,
    inputs=(),
    role=INPUT_ROLE,
    label_prefix="x",
)

BLOCK_OUTPUT_SPEC = LayerSpec(
    type_id=BLOCK_OUTPUT,
    display_name="Block output",
    category="Block",
    help="An output port of the block; its name is the port's name.",
    params=(),
    shape_rule=_pass_through,
    binding=None,
    outputs=(),
    role=OUTPUT_ROLE,
    label_prefix="out",
)

BOUNDARY_SPECS = {BLOCK_INPUT: BLOCK_INPUT_SPEC, BLOCK_OUTPUT: BLOCK_OUTPUT_SPEC}


class BlockCatalog(Catalog):
    """The catalogue a project's graphs read: the built-in layer types, the two boundary
    types, and one entry per block of the project's `BlockTable` (``block:<name>``)."""

    def __init__(self, base: Catalog, blocks: BlockTable) -> None:
        self.base = base
        self.blocks = blocks

    def register(self, spec: LayerSpec) -> None:
        raise TypeError("register layer types in the base catalogue")

    def resolve(self, type_id: str) -> str:
        if type_id in BOUNDARY_SPECS:
            return type_id
        name = block_name(type_id)
        if name is not None and name in self.blocks:
            return type_id
        return self.base.resolve(type_id)

    def get(self, type_id: str) -> LayerSpec:
        if type_id.startswith(BLOCK_PREFIX):
            name = type_id[len(BLOCK_PREFIX) :]
            if name in self.blocks:
                return self.blocks.spec(name)
        boundary = BOUNDARY_SPECS.get(type_id)
        return boundary if boundary is not None else self.base.get(type_id)

    def __contains__(self, type_id: object) -> bool:
        if not isinstance(type_id, str):
            return False
        if type_id in BOUNDARY_SPECS:
            return True
        name = block_name(type_id)
        return name in self.blocks if name is not None else type_id in self.base

    def __iter__(self) -> Iterator[LayerSpec]:
        return iter(self.base)

    def __len__(self) -> int:
        return len(self.base)

    def categories(self) -> list[tuple[str, list[LayerSpec]]]:
        return self.base.categories()
