"""Writing a model out: weights as safetensors, the network as ONNX.

Files are written atomically (a temporary file in the same folder, then a rename), so an
interrupted export never leaves half a file under the user's chosen name. Every failure is
an `ExportError` whose message names the layer at fault where one can be found.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence

import torch
from torch import nn

from designer.compiler.errors import CompileError, ExportError
from designer.compiler.lower import IR, UNUSED, IRBlock, IRInput, IROutput, IRStep
from designer.io.atomic import write_atomic

PathLike = str | os.PathLike[str]
ONNX_OPSET = 17
_DEFAULT_MODE = 0o644  # what a new file gets, rather than the private mode of a temp file


def write_text_atomic(path: PathLike, text: str) -> None:
    """Write a text file (generated source) atomically, as UTF-8 with Unix newlines."""
    write_atomic(path, text)


def example_inputs(ir: IR, batch: int = 2) -> tuple[torch.Tensor, ...]:
    """Inputs of the right shapes and dtypes (zeros are valid token ids, too)."""
    return tuple(_example(item.shape, batch) for item in ir.inputs)


def export_onnx(
    model: nn.Module,
    example_inputs: torch.Tensor | Sequence[torch.Tensor],
    path: PathLike,
    opset_version: int = ONNX_OPSET,
    ir: IR | None = None,
) -> None:
    """Export to ONNX with a dynamic batch axis and check the file with the ONNX checker.

    With the design's ``ir``, layers ONNX cannot express are refused up front (naming the
    layer), and the graph's inputs and outputs carry the Input and Output labels. The
    TorchScript exporter is tried first because it needs nothing beyond torch; the
    torch.export-based one is the fallback where that is unavailable.
    """
    inner = _unwrap(model)
    if ir is not None:
        _refuse_unsupported(ir)
    args = (example_inputs,) if isinstance(example_inputs, torch.Tensor) else tuple(example_inputs)
    names = _io_names(ir, len(args))
    was_training = inner.training
    inner.eval()
    try:
        _atomic_write(path, lambda tmp: _export_checked(inner, args, tmp, names, opset_version))
    except ExportError:
        raise
    except OSError as error:
        raise ExportError(f"cannot write {os.fspath(path)!r}: {_reason(error)}") from None
    except Exception as error:
        raise _explain(ir, error) from None
    finally:
        inner.train(was_training)


def _refuse_unsupported(ir: IR) -> None:
    for step in ir.steps:
        if not step.onnx:
            why = f": {step.onnx_note}" if step.onnx_note else ""
            raise ExportError(f"{step.description} cannot be exported to ONNX{why}", step.node_id)


def _io_names(ir: IR | None, count: int) -> tuple[list[str], list[str]]:
    """ONNX input and output names: the Input and Output nodes' labels (what the user
    named them, and what their data arrays are called), made unique when two are the same."""
    if ir is None:
        return [f"input_{i}" for i in range(count)], []
    names: list[str] = []
    for item in (*ir.inputs, *ir.outputs):
        label = " ".join(item.label.split()) or item.name
        name, index = label, 0
        while name in names:
            index += 1
            name = f"{label}_{index}"
        names.append(name)
    return names[: len(ir.inputs)], names[len(ir.inputs) :]


def _export_checked(
    model: nn.Module, args: tuple, target: str, names: tuple[list[str], list[str]], opset: int
) -> None:
    _export(model, args, target, names, opset)
    try:
        import onnx
    except ImportError:  # the checker is optional; the exporter itself succeeded
        return
    try:
        onnx.checker.check_model(target)
    except Exception as error:
        raise ExportError(f"the exported ONNX model is invalid: {_first_line(error)}") from None


def _export(
    model: nn.Module, args: tuple, target: str, names: tuple[list[str], list[str]], opset: int
) -> None:
    inputs, outputs = names
    options: dict = {
        "input_names": inputs,
        "dynamic_axes": {name: {0: "batch"} for name in [*inputs, *outputs]},
    }
    if outputs:
        options["output_names"] = outputs
    with _quiet():
        try:
            torch.onnx.export(model, args, target, dynamo=False, opset_version=opset, **options)
            return
        except Exception as first:
            error = first
        try:
            torch.onnx.export(model, args, target, dynamo=True, external_data=False, **options)
        except Exception:
            raise error from None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the exporters' progress output and deprecation chatter."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def _explain(ir: IR | None, error: Exception) -> ExportError:
    """An `ExportError` naming the first layer that cannot be exported on its own."""
    reason = _first_line(error)
    if ir is not None:
        for step in ir.steps:
            if not _step_exports(step, ir.blocks):
                return ExportError(
                    f"{step.description} cannot be exported to ONNX: {reason}", step.node_id
                )
    return ExportError(f"the model cannot be exported to ONNX: {reason}")


def _step_exports(step: IRStep, blocks: tuple[IRBlock, ...] = ()) -> bool:
    """Whether a network of just this one layer exports (used to find a culprit);
    ``blocks`` are the block classes the design's steps may call."""
    from designer.compiler.build import build_model

    inputs = tuple(
        IRInput(step.node_id, name, shape, step.description)
        for name, shape in zip(step.inputs, step.input_shapes, strict=True)
    )
    outputs = tuple(
        IROutput(step.node_id, name, "", shape, step.description)
        for name, shape in zip(step.outputs, step.shapes, strict=True)
        if name != UNUSED
    )
    probe_ir = IR(inputs=inputs, steps=(step,), outputs=outputs, blocks=blocks)
    try:
        probe = build_model(probe_ir).eval()
        args = tuple(_example(item.shape, 2) for item in inputs)
        with tempfile.TemporaryDirectory() as folder, _quiet():
            target = os.path.join(folder, "probe.onnx")
            torch.onnx.export(probe, args, target, dynamo=False, opset_version=ONNX_OPSET)
    except CompileError:
        return True
    except Exception:
        return False
    return True


def _example(shape, batch: int) -> torch.Tensor:
    if shape.dtype == "int64":
        return torch.zeros((batch, *shape.dims), dtype=torch.long)
    return torch.randn((batch, *shape.dims), generator=torch.Generator().manual_seed(0))


def _reason(error: BaseException) -> str:
    """Why an operation failed, without the temporary file's name."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return _first_line(error)


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 300 else text[:299] + "…"


def _unwrap(model: nn.Module) -> nn.Module:
    """The module inside a DistributedDataParallel/DataParallel wrapper."""
    wrappers = (nn.parallel.DistributedDataParallel, nn.DataParallel)
    return model.module if isinstance(model, wrappers) else model


def _atomic_write(path: PathLike, write: Callable[[str], None]) -> None:
    """Write through the one atomic writer (`designer.io.atomic`)."""
    write_atomic(path, write)
