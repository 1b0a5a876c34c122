"""Importing a PyTorch model written in Python as a design (``nn-designer import``).

`import_file` loads the user's file (which runs its code), instantiates one of its
``nn.Module`` classes, traces it with torch.fx, maps each module to the catalogue layer its
binding derives and each function through a small table (`ops`), lays the graph out, and
checks that the design computes exactly what the model does. `write_import` saves the
project and, when weights were given, ``OUT.safetensors`` beside it under the design's own
parameter names. A user class used at two module paths or more becomes a block, each use
an instance (`grouping`), unless the import is flat (one node per layer);
``ImportResult.scopes`` records the submodule each traced node came from.
"""

from __future__ import annotations

from designer.compiler.fx_import.api import import_file, weights_path, write_import
from designer.compiler.fx_import.errors import ModelImportError
from designer.compiler.fx_import.importer import ImportResult, import_model, parse_input_shape
from designer.compiler.fx_import.loading import load_file, model_classes

__all__ = [
    "ImportResult",
    "ModelImportError",
    "import_file",
    "import_model",
    "load_file",
    "model_classes",
    "parse_input_shape",
    "weights_path",
    "write_import",
]
