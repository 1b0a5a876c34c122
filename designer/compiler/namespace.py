"""The one sanitizer for every identifier the compiler writes, and safe literals.

User text (node labels, project names, file paths) must never become code. Labels only
*suggest* identifiers: `sanitize` reduces them to short lowercase ASCII names, and a
`Namespace` makes each one unique and keeps it away from keywords, builtins and the names
the templates themselves use (as torch.fx does for its generated code). Strings that must
keep the user's text reach the source only through `literal`, an escaped string literal.
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata

from designer.data.portable import literal

__all__ = ["BLOCK_RESERVED", "RESERVED", "Namespace", "class_name", "literal", "sanitize"]

MAX_LENGTH = 40

# Names the generated module, forward and training script use for themselves.
TEMPLATE_NAMES = frozenset(
    {
        "torch", "nn", "F", "np", "self", "x", "y", "math", "os", "sys", "argparse", "dist",
        "time", "json", "random", "warnings", "super", "args", "main", "train", "evaluate",
        "model", "net", "load_data", "load_file", "save_file", "PROJECT_NAME",
        "DistributedDataParallel", "parse_args", "setup", "device", "optimizer", "loss",
    }
)  # fmt: skip

# Public attributes of `torch.nn.Module`: a submodule of the same name would shadow them
# (a layer labelled "forward" or "training" must not break the module). Leading
# underscores are stripped by `sanitize`, so private names cannot occur.
MODULE_ATTRIBUTES = frozenset(
    {
        "T_destination", "add_module", "apply", "bfloat16", "buffers", "call_super_init",
        "children", "compile", "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr",
        "float", "forward", "get_buffer", "get_extra_state", "get_parameter", "get_submodule",
        "half", "ipu", "load_state_dict", "modules", "mtia", "named_buffers", "named_children",
        "named_modules", "named_parameters", "parameters", "register_backward_hook",
        "register_buffer", "register_forward_hook", "register_forward_pre_hook",
        "register_full_backward_hook", "register_full_backward_pre_hook",
        "register_load_state_dict_post_hook", "register_load_state_dict_pre_hook",
        "register_module", "register_parameter", "register_state_dict_post_hook",
        "register_state_dict_pre_hook", "requires_grad_", "set_extra_state", "set_submodule",
        "share_memory", "smart_apply", "state_dict", "to", "to_empty", "train", "training",
        "type", "xpu", "zero_grad",
    }
)  # fmt: skip

RESERVED = frozenset(
    {*keyword.kwlist, *keyword.softkwlist, *dir(builtins), *TEMPLATE_NAMES, *MODULE_ATTRIBUTES}
)

#: Inside a block class's ``forward`` only the module's own names matter: ``x`` and
#: ``y`` (the training script's batch) are free there, so a port named ``x`` stays ``x``.
BLOCK_RESERVED = RESERVED - {"x", "y"}

_ILLEGAL = re.compile(r"[^0-9a-zA-Z_]+")
_UNDERSCORES = re.compile(r"_+")


def sanitize(text: str, fallback: str = "v") -> str:
    """A lowercase ASCII identifier suggested by ``text`` (not yet unique or unreserved).

    Accents are dropped (``"café"`` -> ``cafe``), every run of other characters becomes one
    ``_``, leading and trailing underscores go (so no dunder or private name can appear), a
    leading digit gets ``fallback`` in front, and the result is at most `MAX_LENGTH` long.
    Text with nothing usable (``"层"``, ``"!!!"``) gives ``fallback``.
    """
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    name = _UNDERSCORES.sub("_", _ILLEGAL.sub("_", ascii_text[: 8 * MAX_LENGTH])).strip("_")
    name = name.lower()
    if not name:
        return fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    return name[:MAX_LENGTH].rstrip("_")


class Namespace:
    """Hands out unique, safe identifiers; collisions get ``_1``, ``_2``, ...

    Deterministic: the same sequence of requests gives the same names.
    """

    def __init__(self, reserved: frozenset[str] = RESERVED) -> None:
        self._reserved = reserved
        self._used: set[str] = set()

    def create(self, hint: str, fallback: str = "v") -> str:
        """A fresh name derived from ``hint`` (any user text)."""
        fallback = sanitize(fallback, "v")
        base = sanitize(hint, fallback)
        if base in self._reserved:
            base = f"{base[: MAX_LENGTH - 1]}_"
        name, index = base, 0
        while name in self._used or name in self._reserved:
            index += 1
            suffix = f"_{index}"
            name = base[: MAX_LENGTH - len(suffix)].rstrip("_") + suffix
        self._used.add(name)
        return name

    def __contains__(self, name: object) -> bool:
        return name in self._used


def class_name(text: str, fallback: str = "Net") -> str:
    """A CapWords class name from ``text`` (``"my net"`` -> ``MyNet``), never reserved."""
    words = sanitize(text, "").split("_")
    name = "".join(word[:1].upper() + word[1:] for word in words if word)
    if not name or not name[0].isalpha():
        name = fallback + name
    name = name[:MAX_LENGTH]
    return f"{name}Net" if name in RESERVED else name
