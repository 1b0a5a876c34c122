"""The identifier sanitizer and the literal writer: the only doors from user text to code."""

from __future__ import annotations

import ast
import keyword

from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from designer.compiler.namespace import (
    MAX_LENGTH,
    MODULE_ATTRIBUTES,
    RESERVED,
    Namespace,
    class_name,
    literal,
    sanitize,
)


def test_sanitize_examples():
    assert sanitize("conv 3!") == "conv_3"
    assert sanitize("Café Ñandú") == "cafe_nandu"
    assert sanitize("__import__('os').system('x')") == "import_os_system_x"
    assert sanitize("3rd layer", "fc") == "fc_3rd_layer"
    assert sanitize("层", "fc") == "fc"
    assert sanitize("!!!", "conv") == "conv"
    assert sanitize("a\x00b\nc") == "a_b_c"
    assert len(sanitize("x" * 10_000)) == MAX_LENGTH


def test_namespace_avoids_reserved_names_and_collisions():
    names = Namespace()
    created = [names.create(text) for text in ["fc1", "FC1", "fc1", "class", "self", "torch"]]
    assert created == ["fc1", "fc1_1", "fc1_2", "class_", "self_", "torch_"]
    assert names.create("print") == "print_"
    assert names.create("match") == "match_"  # a soft keyword
    assert names.create("forward") == "forward_"  # would shadow nn.Module.forward


def test_long_collisions_stay_short():
    names = Namespace()
    created = [names.create("y" * 500) for _ in range(12)]
    assert len(set(created)) == 12
    assert all(len(name) <= MAX_LENGTH for name in created)


def test_module_attributes_cover_nn_module():
    public = {name for name in dir(nn.Module) if not name.startswith("_")}
    assert public <= MODULE_ATTRIBUTES


@given(st.lists(st.text(max_size=60), min_size=1, max_size=8), st.text(max_size=10))
def test_every_created_name_is_a_fresh_safe_identifier(texts, fallback):
    names = Namespace()
    created = [names.create(text, fallback or "v") for text in texts]
    assert len(set(created)) == len(created)
    for name in created:
        assert name.isascii() and name.isidentifier()
        assert not keyword.iskeyword(name) and not keyword.issoftkeyword(name)
        assert name not in RESERVED and not name.startswith("_")
        assert len(name) <= MAX_LENGTH


@given(st.text())
def test_literal_round_trips_and_is_plain_ascii(text):
    source = literal(text)
    assert ast.literal_eval(source) == text
    assert source.isascii() and "\n" not in source and "\r" not in source
    assert source.startswith(("'", '"'))


def test_literal_prefers_double_quotes_like_ruff():
    assert literal("a") == '"a"'
    assert literal("it's") == '"it\'s"'
    assert literal('say "hi"') == "'say \"hi\"'"
    assert literal("a'b\"c") == '"a\'b\\"c"'
    assert literal(1e-05) == "1e-05" and literal(2e20) == "2e20"
    assert literal((3,)) == "(3,)" and literal((1, 2)) == "(1, 2)"
    assert literal(True) == "True" and literal(None) == "None"


def test_class_names():
    assert class_name("Net") == "Net"
    assert class_name("my net") == "MyNet"
    assert class_name("3d model") == "Net3dModel"
    assert class_name("") == "Net"
    assert class_name("type") == "TypeNet" or class_name("type") == "Type"
