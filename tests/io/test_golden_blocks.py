"""A project with blocks, as this version writes it, must keep loading with the same
meaning: ``golden/blocks_v2.nndesign`` holds BasicBlock (a residual stage) used twice
inside Outer, itself used once in the design. Never regenerate it: if a change to the
format breaks this test, add a migration instead."""

from __future__ import annotations

import json
from pathlib import Path

from designer.io import load_project, project_to_json
from designer.model import ShapeCache, infer_shapes

GOLDEN = Path(__file__).resolve().parent / "golden" / "blocks_v2.nndesign"


def test_the_blocks_golden_file_loads_with_its_meaning():
    project = load_project(GOLDEN)
    graph = project.graph
    assert graph.blocks.names() == ["BasicBlock", "Outer"]
    assert [n.type for n in graph].count("block:Outer") == 1
    outer = graph.blocks.get("Outer").graph
    assert [n.type for n in outer].count("block:BasicBlock") == 2
    inner = graph.blocks.get("BasicBlock").graph
    assert [inner.node(n).label for n in graph.blocks.get("BasicBlock").input_nodes] == ["x"]
    analysis = infer_shapes(graph, ShapeCache())
    assert analysis.valid and analysis.total_params == 3427


def test_saving_it_again_changes_nothing_but_the_app_version():
    old = json.loads(GOLDEN.read_text(encoding="utf-8"))
    saved = json.loads(project_to_json(load_project(GOLDEN)))
    old["app_version"] = saved["app_version"]
    assert saved == old
