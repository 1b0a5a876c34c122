"""A layer type's help page: its formula, what it computes and a link to torch's manual.

The page is data of the catalogue entry (`LayerSpec.docs`), so adding a layer type is
still one entry, and the inspector's help page, a test of every type and anything else
that explains a layer read the same text. Formulas are plain text with Unicode math
(``y = max(0, x)``, ``σ``, ``∑``): every widget shows them, and no typesetting engine
is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Where torch documents a public class or function, by its dotted name.
TORCH_DOCS_URL = "https://pytorch.org/docs/stable/generated/{name}.html"


@dataclass(frozen=True)
class LayerDocs:
    """What a help page says about a layer type beside its one-line ``help``.

    ``formula`` is what the layer computes, in plain text with Unicode math; ``about`` a
    paragraph on what that means and when to use the layer. ``reference`` is the dotted
    torch name the page links to when the layer is not a torch class of its own (a
    Reshape is ``torch.reshape``); by default the page links to the binding's class.
    ``curve`` marks an element-wise function of one number (an activation) with the
    range of x over which the page plots it and its derivative.
    """

    formula: str = ""
    about: str = ""
    reference: str | None = None
    curve: tuple[float, float] | None = None


def torch_docs_url(name: str | None) -> str | None:
    """The page of torch's manual for a dotted torch name (``torch.nn.Conv2d``)."""
    if not name or not name.startswith("torch."):
        return None
    return TORCH_DOCS_URL.format(name=name)


#: The page of a layer type that has none (a type defined outside the built-in catalogue).
NO_DOCS = LayerDocs()
