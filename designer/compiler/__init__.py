"""From a design to torch: lowering, the in-app model, generated source and exports.

`lower` checks a graph and produces a small IR; `build_model` turns the IR into a module
whose forward is the generated source; `generate_module_code` writes that source out (the
training script around it is `designer.training.script`); `save_weights` and
`export_onnx` write files. Never imports Qt.

The names that need torch load on first use, so that checking a design (`lower`,
`CompileError`) does not pay for importing torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from designer.compiler.errors import CompileError, ExportError
from designer.compiler.lower import IR, IRInput, IROutput, IRStep, lower

if TYPE_CHECKING:
    from designer.compiler.build import CompiledModel, build_model, compile_design
    from designer.compiler.codegen import PythonCode, generate_module_code
    from designer.compiler.curves import Curve, activation_curve
    from designer.compiler.export import export_onnx
    from designer.compiler.weights import WeightsError, load_weights, read_weights, save_weights

_HOMES = {
    "build_model": "build",
    "compile_design": "build",
    "CompiledModel": "build",
    "Curve": "curves",
    "activation_curve": "curves",
    "PythonCode": "codegen",
    "generate_module_code": "codegen",
    "export_onnx": "export",
    "load_weights": "weights",
    "read_weights": "weights",
    "save_weights": "weights",
    "WeightsError": "weights",
}

__all__ = [
    "IR",
    "CompileError",
    "CompiledModel",
    "Curve",
    "ExportError",
    "IRInput",
    "IROutput",
    "IRStep",
    "PythonCode",
    "WeightsError",
    "activation_curve",
    "build_model",
    "compile_design",
    "export_onnx",
    "generate_module_code",
    "load_weights",
    "lower",
    "read_weights",
    "save_weights",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
