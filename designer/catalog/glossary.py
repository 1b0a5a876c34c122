"""The words of deep learning a newcomer meets in the app, each explained once.

Help pages, the training panel's labels and the inspector's tooltips all take their
explanations from here, so a term means the same everywhere. `split_terms` finds the
terms in a text (``"weights"`` is the term *weight*) so that a view can mark them where
they appear; it never edits the text. Pure Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """A glossary entry: its name, a short explanation, and the words that say it."""

    name: str
    text: str
    pattern: str


_TERMS = (
    Term(
        "neuron",
        "A unit that multiplies each of its inputs by a weight, adds them up with a bias, "
        "and usually passes the sum through an activation. A Linear layer with 10 units "
        "is 10 neurons reading the same inputs.",
        r"neurons?",
    ),
    Term(
        "weight",
        "A number the network learns: how strongly one input counts for one neuron. "
        "Training adjusts every weight a little at each step to lower the loss.",
        r"weights?",
    ),
    Term(
        "bias",
        "A learned number added to a neuron's weighted sum, so that the neuron can be "
        "active even when all its inputs are 0 (the intercept b of y = w·x + b).",
        r"bias(?:es)?",
    ),
    Term(
        "activation",
        "A fixed non-linear function (ReLU, Sigmoid, Tanh…) applied to a neuron's sum. "
        "Without activations, any stack of layers would compute a mere linear function.",
        r"activations?",
    ),
    Term(
        "loss",
        "One number that says how wrong the network's predictions are on a batch, e.g. "
        "cross-entropy for classes or mean squared error for numbers. Training lowers it.",
        r"loss(?:es)?",
    ),
    Term(
        "gradient descent",
        "How the network learns: compute how the loss changes with each weight (the "
        "gradient), then move every weight a small step downhill. The optimizer (SGD, "
        "Adam…) takes these steps.",
        r"gradient descent",
    ),
    Term(
        "backpropagation",
        "The way the gradients are computed: from the loss back through the layers, each "
        "layer passing on how its input affected the loss (the chain rule of calculus).",
        r"backpropagation|backprop",
    ),
    Term(
        "gradient",
        "For each weight, how much the loss would change if that weight grew a little. "
        "Its sign tells which way to move the weight, its size how steep the loss is.",
        r"gradients?",
    ),
    Term(
        "epoch",
        "One pass of training over the whole training set. Training usually takes many "
        "epochs; each sample is seen once per epoch.",
        r"epochs?",
    ),
    Term(
        "batch",
        "The samples processed together in one training step. The loss and its gradient "
        "are averaged over the batch, then the weights take one step.",
        r"batch(?:es)?",
    ),
    Term(
        "learning rate",
        "The size of each gradient descent step. Too large and the loss jumps about or "
        "grows; too small and training crawls. Around 0.001 suits Adam.",
        r"learning rates?",
    ),
    Term(
        "overfitting",
        "Learning the training samples by heart instead of the pattern behind them: the "
        "training loss keeps falling while the validation loss rises. Dropout, weight "
        "decay, early stopping and more data help.",
        r"overfit(?:ting|s)?",
    ),
)

#: The glossary, by term name, in the order a course would introduce the terms.
GLOSSARY: dict[str, Term] = {term.name: term for term in _TERMS}

# Longer names first, so that "gradient descent" is one term, not "gradient" + "descent".
_PATTERN = re.compile(
    "|".join(
        f"(?P<t{index}>\\b(?:{term.pattern})\\b)"
        for index, term in sorted(enumerate(_TERMS), key=lambda item: -len(item[1].name))
    ),
    re.IGNORECASE,
)


def explain(name: str) -> str:
    """The explanation of a term (``"learning rate"``); a `KeyError` for an unknown one."""
    return GLOSSARY[name].text


def split_terms(text: str, seen: set[str] | None = None) -> Iterator[tuple[str, Term | None]]:
    """The text in pieces, each with the term it says or None, joined giving the text.

    Only the first mention of each term is marked: later ones, and those already in
    ``seen`` (which grows), come as plain text, as a glossary link is made only once a
    page.
    """
    seen = set() if seen is None else seen
    start = 0
    for match in _PATTERN.finditer(text):
        term = _TERMS[int(match.lastgroup[1:])]
        if term.name in seen:
            continue
        seen.add(term.name)
        if match.start() > start:
            yield text[start : match.start()], None
        yield match.group(), term
        start = match.end()
    if start < len(text):
        yield text[start:], None


def terms_in(text: str) -> list[Term]:
    """The glossary terms a text mentions, in the order they first appear."""
    return [term for _, term in split_terms(text) if term is not None]
