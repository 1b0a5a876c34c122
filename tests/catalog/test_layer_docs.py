"""Every layer type's help page: a formula, a paragraph, and a link to torch's manual
whose target exists (checked against the installed torch; no network is touched)."""

from __future__ import annotations

import importlib
import re
import unicodedata

import pytest
import torch

from designer.catalog import Binding, LayerDocs, LayerSpec, default_catalog
from designer.catalog.builtin.rules import single
from designer.catalog.docs import torch_docs_url

SPECS = list(default_catalog())
URL = re.compile(r"https://pytorch\.org/docs/stable/generated/(torch(?:\.[A-Za-z_]\w*)+)\.html")
# Layers torch has no page for: the design's ends, a fixed affine map, Python slicing.
WITHOUT_LINK = {"Input", "Output", "ScaleBias", "Slice"}


def _torch_object(dotted: str):
    """The object a dotted torch name names, importing its module as needed."""
    module_name, _, attribute = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type_id)
def test_every_layer_type_has_a_formula_and_a_paragraph(spec: LayerSpec) -> None:
    assert spec.docs.formula.strip(), f"{spec.type_id} has no formula"
    assert len(spec.docs.about) >= 60, f"{spec.type_id}'s help paragraph is too short"
    assert spec.docs.about.rstrip().endswith("."), spec.type_id
    assert "\\" not in spec.docs.formula, "formulas are plain text, not LaTeX"
    # Math letters and operators every common font has; no symbols needing a special font.
    symbols = [
        c
        for c in spec.docs.formula
        if unicodedata.category(c) in ("So", "Co") or 0x2300 <= ord(c) <= 0x23FF
    ]
    assert not symbols, f"{spec.type_id}: {symbols}"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type_id)
def test_the_docs_link_names_an_existing_torch_object(spec: LayerSpec) -> None:
    url = spec.docs_url
    if spec.type_id in WITHOUT_LINK:
        assert url is None
        return
    assert url is not None, f"{spec.type_id} has no documentation link"
    match = URL.fullmatch(url)
    assert match, url
    documented = _torch_object(match.group(1))
    assert callable(documented)
    if spec.binding is not None and spec.binding.module and spec.docs.reference is None:
        # The page of the very class the layer compiles to.
        assert documented is _torch_object(spec.binding.module)
        assert isinstance(documented, type) and issubclass(documented, torch.nn.Module)


def test_a_layer_compiled_to_a_torch_class_links_that_class() -> None:
    conv = default_catalog().get("Conv2d")
    assert conv.docs_url == "https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html"
    reshape = default_catalog().get("Reshape")
    assert reshape.docs_url == "https://pytorch.org/docs/stable/generated/torch.reshape.html"


def test_links_are_made_only_for_torch_names() -> None:
    assert torch_docs_url("torch.nn.Linear").endswith("/torch.nn.Linear.html")
    assert torch_docs_url("numpy.mean") is None
    assert torch_docs_url(None) is None
    assert torch_docs_url("") is None


def test_only_element_wise_activations_have_a_curve() -> None:
    """An activation without a plot is one over an axis (it has an axis parameter), and
    no layer outside the activations claims to be a function of one number."""
    for spec in SPECS:
        if spec.docs.curve is None:
            if spec.category == "Activation":
                assert any(p.name == "axis" for p in spec.params), spec.type_id
            continue
        assert spec.category == "Activation", spec.type_id
        low, high = spec.docs.curve
        assert low < 0 < high, spec.type_id


def test_a_new_layer_type_needs_only_its_catalogue_entry_for_a_page() -> None:
    spec = LayerSpec(
        type_id="Square",
        display_name="Square",
        category="Activation",
        help="x²",
        params=(),
        shape_rule=lambda p, s: single(s),
        binding=Binding("torch.nn.Tanhshrink"),
        docs=LayerDocs("y = x − tanh(x)", "Shrinks.", curve=(-2.0, 2.0)),
    )
    assert spec.docs_url == "https://pytorch.org/docs/stable/generated/torch.nn.Tanhshrink.html"
    bare = LayerSpec("Bare", "Bare", "Core", "A layer.", (), lambda p, s: s[0], None)
    assert bare.docs == LayerDocs() and bare.docs_url is None
