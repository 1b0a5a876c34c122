"""The layer catalogue: one declarative `LayerSpec` per layer type.

The compiler, the code generator, the inspector form and the palette all read the same
entry, so adding a layer type means adding one entry here and nothing in the UI.
Pure Python: importing this package imports neither Qt nor torch.
"""

from designer.catalog.description import (
    Binding,
    LayerSpec,
    ParamError,
    ParamSpec,
    PortSpec,
    Shape,
    ShapeError,
)
from designer.catalog.docs import LayerDocs
from designer.catalog.registry import Catalog, default_catalog

__all__ = [
    "Binding",
    "Catalog",
    "LayerDocs",
    "LayerSpec",
    "ParamError",
    "ParamSpec",
    "PortSpec",
    "Shape",
    "ShapeError",
    "default_catalog",
]
