"""The diff of every pair of shipped examples, each with itself included: every node is
paired or reported, the two directions mirror each other, the words count every
difference, and the result does not depend on how the projects were loaded."""

from __future__ import annotations

import itertools

import pytest

from designer.io import example_paths, load_project, project_from_json, project_to_json
from designer.model.diff import diff_projects
from designer.model.diff_text import diff_entries, diff_to_dict

PATHS = example_paths()
NAMES = [path.stem for path in PATHS]


def test_the_examples_are_there():
    assert len(PATHS) >= 4


@pytest.mark.parametrize("name", NAMES)
def test_an_example_equals_itself_and_its_saved_copy(name):
    project = load_project(PATHS[NAMES.index(name)])
    copy = project_from_json(project_to_json(project))
    for other in (project, copy):
        diff = diff_projects(project, other)
        assert diff.equal and not diff.moved and diff_entries(diff) == ()
        assert len(diff.pairs) == len(project.graph)


@pytest.mark.parametrize(("a", "b"), list(itertools.permutations(NAMES, 2)))
def test_the_diff_of_two_examples(a, b):
    old, new = load_project(PATHS[NAMES.index(a)]), load_project(PATHS[NAMES.index(b)])
    diff = diff_projects(old, new)
    assert not diff.equal  # the examples are different designs
    paired_old = {o for o, _ in diff.pairs}
    paired_new = {n for _, n in diff.pairs}
    assert paired_old | {n.id for n in diff.removed} == set(old.graph.nodes)
    assert paired_new | {n.id for n in diff.added} == set(new.graph.nodes)
    assert not paired_old & {n.id for n in diff.removed}
    assert not paired_new & {n.id for n in diff.added}
    kept = len(old.graph.edges) - len(diff.removed_wires)
    assert kept == len(new.graph.edges) - len(diff.added_wires) >= 0
    assert len(diff_entries(diff)) == diff.count

    mirror = diff_projects(new, old)
    assert sorted(mirror.pairs) == sorted((n, o) for o, n in diff.pairs)
    assert mirror.count == diff.count
    assert [n.id for n in mirror.added] == [n.id for n in diff.removed]
    assert mirror.removed_wires == diff.added_wires and mirror.added_wires == diff.removed_wires
    forward = {(c.old.id, c.new.id): len(c.params) for c in diff.changed}
    assert forward == {(c.new.id, c.old.id): len(c.params) for c in mirror.changed}

    again = diff_projects(load_project(PATHS[NAMES.index(a)]), load_project(PATHS[NAMES.index(b)]))
    assert again == diff  # a fixed order and the same values, however often it runs
    assert diff_to_dict(again) == diff_to_dict(diff)
