"""The layer types that ship with NN Designer, one module per category."""

from designer.catalog.builtin import activation, conv, core, io, merge, norm, sequence

MODULES = (io, core, activation, conv, norm, sequence, merge)

__all__ = ["MODULES"]
