"""The layer types that ship with NN Designer, one module per category (or part of one)."""

from designer.catalog.builtin import activation, conv, core, io, merge, norm, pool, sequence, shape

MODULES = (io, core, shape, activation, conv, pool, norm, sequence, merge)

__all__ = ["MODULES"]
