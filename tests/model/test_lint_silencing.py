"""Silencing a rule on a node (an undoable edit with a reason), how a review sets silenced
findings aside, and where the linter's inserted layers go."""

from __future__ import annotations

import pytest
from test_lint_rules import chain, features, image, layer, linear, output, snapshot

from designer.model import Graph, InvalidSilenceError, infer_shapes
from designer.model.edits import RemoveNodes, Silence, bypass, splice
from designer.model.lint import can_silence, quick_fix, review
from designer.model.lint.fixes import CARD_ROOM, spot_between


def stacked() -> Graph:
    """Input -> fc1 -> fc2 -> Output: NN301 on fc1."""
    return chain(features(), linear(8), linear(2), output())


def test_a_silenced_finding_is_set_aside_with_its_reason_and_undo_brings_it_back():
    graph = stacked()
    (finding,) = review(graph, infer_shapes(graph)).problems
    assert finding.rule == "NN301" and can_silence(finding)
    edit = Silence("n2", "NN301", "  a linear bottleneck, on purpose  ")
    edit.apply(graph)
    assert graph.node("n2").silenced == {"NN301": "a linear bottleneck, on purpose"}
    reviewed = review(graph, infer_shapes(graph))
    assert reviewed.problems == () and reviewed.silenced == (finding,)
    edit.revert(graph)
    assert graph.node("n2").silenced == {}
    assert review(graph, infer_shapes(graph)).problems == (finding,)


def test_hearing_a_rule_again_is_undoable_too():
    graph = stacked()
    graph.set_silenced("n2", "NN301", "why not")
    edit = Silence("n2", "NN301", None)
    edit.apply(graph)
    assert graph.node("n2").silenced == {}
    edit.revert(graph)
    assert graph.node("n2").silenced == {"NN301": "why not"}


def test_silencing_emits_once_per_change():
    graph = stacked()
    seen = []
    graph.events.node_silenced.connect(lambda *args: seen.append(args))
    graph.set_silenced("n2", "NN301", "reason")
    graph.set_silenced("n2", "NN301", "reason")  # the same: no event
    graph.set_silenced("n2", "NN301", None)
    assert seen == [("n2", "NN301", "reason"), ("n2", "NN301", None)]


@pytest.mark.parametrize(
    ("rule", "reason", "says"),
    [
        ("nn301", "x", "is not a rule id"),
        ("NN301", "   ", "needs a reason"),
        ("NN301", 3, "needs a reason"),
        ("NN301", "x" * 501, "longer than 500 characters"),
    ],
)
def test_a_bad_rule_or_reason_is_refused_and_changes_nothing(rule, reason, says):
    graph = stacked()
    with pytest.raises(InvalidSilenceError, match=says):
        graph.set_silenced("n2", rule, reason)
    assert graph.node("n2").silenced == {}


def test_a_layer_silences_a_bounded_number_of_rules():
    graph = stacked()
    for number in range(64):
        graph.set_silenced("n2", f"NN{number:03d}", "quiet")
    with pytest.raises(InvalidSilenceError, match="at most 64"):
        graph.set_silenced("n2", "NN999", "one more")


def test_deleting_a_layer_and_undoing_keeps_what_it_silenced():
    graph = stacked()
    graph.set_silenced("n2", "NN301", "on purpose")
    before = snapshot(graph)
    edit = RemoveNodes(["n2"])
    edit.apply(graph)
    edit.revert(graph)
    assert snapshot(graph) == before


def test_errors_and_findings_of_the_whole_design_cannot_be_silenced():
    graph = chain(features(), linear(1), output("bce"))  # NN206 is an error
    graph.set_silenced("n3", "NN206", "it will not crash, promise")
    (finding,) = review(graph, infer_shapes(graph)).problems
    assert finding.rule == "NN206" and finding.is_error and not can_silence(finding)


def test_the_memory_warning_of_inference_is_a_rule_that_can_be_silenced():
    big = {"kind": "image", "channels": 3, "height": 2048, "width": 2048}
    graph = chain(
        ("Input", big), layer("Conv2d", out_channels=32, padding=1), layer("GlobalAvgPool2d"),
        linear(2), output(),
    )  # fmt: skip
    inferred = infer_shapes(graph)
    (memory,) = inferred.problems
    assert memory.rule == "NN306" and memory.node_id == "n2"
    graph.set_silenced("n2", "NN306", "we train on a large GPU")
    reviewed = review(graph, inferred)
    assert reviewed.problems == () and reviewed.info("n2").problems == ()
    assert reviewed.silenced == (memory,)


def test_a_review_with_nothing_to_add_is_the_analysis_itself():
    graph = chain(features(), linear(8, "relu"), linear(2), output())
    inferred = infer_shapes(graph)
    assert review(graph, inferred) is inferred


def test_a_finding_with_its_node_gone_has_no_fix():
    graph = stacked()
    (finding,) = review(graph, infer_shapes(graph)).problems
    graph.remove_node("n2")
    assert quick_fix(finding, graph, infer_shapes(graph)) is None


# ----------------------------------------------------------------- placement
def test_an_inserted_layer_goes_between_its_neighbours_in_free_space():
    graph = chain(image(), layer("Conv2d", out_channels=4), linear(10), output())
    (finding,) = review(graph, infer_shapes(graph)).problems
    quick_fix(finding, graph, infer_shapes(graph)).apply(graph)
    flatten = next(n for n in graph if n.type == "Flatten")
    x, y = flatten.position
    assert 220.0 < x < 440.0
    width, height = CARD_ROOM
    for other in graph:
        if other is not flatten:
            ox, oy = other.position
            assert abs(ox - x) >= width or abs(oy - y) >= height


def test_far_apart_neighbours_take_the_new_layer_on_their_row():
    graph = Graph()
    a = graph.add_node("Input", position=(0.0, 40.0))
    b = graph.add_node("Output", position=(880.0, 40.0))
    assert spot_between(graph, a.id, b.id) == (440.0, 40.0)


def test_splicing_into_a_merge_keeps_the_order_of_its_inputs():
    graph = Graph()
    source = graph.add_node("Input", {"features": 2})
    join = graph.add_node("Concatenate")
    for _ in range(3):
        branch = graph.add_node("Linear", {"units": 2})
        graph.connect(source.id, "out", branch.id, "in")
        graph.connect(branch.id, "out", join.id, "in")
    first = graph.in_edges(join.id)[0]
    edit, new = splice(graph, first, "ReLU", (0.0, 0.0))
    edit.apply(graph)
    assert [e.src for e in graph.in_edges(join.id)] == [new, "n4", "n5"]  # n3 went first


def test_taking_a_layer_out_wires_each_consumer_in_its_place():
    graph = Graph()
    source = graph.add_node("Input", {"features": 2})
    drop = graph.add_node("Dropout")
    other = graph.add_node("Linear", {"units": 2})
    join = graph.add_node("Concatenate")
    graph.connect(source.id, "out", drop.id, "in")
    graph.connect(source.id, "out", other.id, "in")
    graph.connect(drop.id, "out", join.id, "in")
    graph.connect(other.id, "out", join.id, "in")
    before = snapshot(graph)
    edit = bypass(graph, drop.id)
    edit.apply(graph)
    assert [e.src for e in graph.in_edges(join.id)] == [source.id, other.id]
    edit.revert(graph)
    assert snapshot(graph) == before
