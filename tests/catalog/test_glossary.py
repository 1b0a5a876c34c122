"""The glossary: every tutorial term explained, and found in text where it appears."""

from __future__ import annotations

import pytest

from designer.catalog import default_catalog
from designer.catalog.glossary import GLOSSARY, explain, split_terms, terms_in

TUTORIAL_TERMS = (
    "neuron",
    "weight",
    "bias",
    "activation",
    "loss",
    "gradient descent",
    "backpropagation",
    "epoch",
    "batch",
    "learning rate",
    "overfitting",
)


@pytest.mark.parametrize("name", TUTORIAL_TERMS)
def test_every_tutorial_term_is_explained_briefly(name: str) -> None:
    text = explain(name)
    assert 40 <= len(text) <= 300, name
    assert text.endswith("."), name


def test_an_unknown_term_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        explain("dropout rate")


def test_split_terms_keeps_the_text_and_marks_each_term_once() -> None:
    text = "Weights and biases change by gradient descent; the weights again, per batch."
    pieces = list(split_terms(text))
    assert "".join(piece for piece, _ in pieces) == text
    marked = [(piece, term.name) for piece, term in pieces if term is not None]
    assert marked == [
        ("Weights", "weight"),
        ("biases", "bias"),
        ("gradient descent", "gradient descent"),
        ("batch", "batch"),
    ]


def test_words_inside_other_words_are_not_terms() -> None:
    assert terms_in("BatchNorm2d with batch_first and a lossless overfitter") == []


def test_terms_already_seen_on_a_page_are_not_marked_again() -> None:
    seen = {"loss"}
    assert [t.name for t in terms_in("the loss and the epoch")] == ["loss", "epoch"]
    marked = [term.name for _, term in split_terms("the loss and the epoch", seen) if term]
    assert marked == ["epoch"]
    assert seen == {"loss", "epoch"}


def test_the_help_pages_use_the_tutorial_terms() -> None:
    """The pages a beginner reads first explain the words through the glossary."""
    catalog = default_catalog()
    linear = {t.name for t in terms_in(catalog.get("Linear").docs.about)}
    assert {"neuron", "weight", "bias", "gradient descent", "activation"} <= linear
    output = {t.name for t in terms_in(catalog.get("Output").docs.about)}
    assert {"loss", "gradient descent", "backpropagation"} <= output
    assert "overfitting" in {t.name for t in terms_in(catalog.get("Dropout").docs.about)}
    assert set(GLOSSARY) >= set(TUTORIAL_TERMS)
