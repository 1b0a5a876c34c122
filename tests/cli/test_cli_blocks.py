"""`nn-designer check` and `export` of designs with blocks: they just work, and a problem
inside a block names the block's instance and the inner layer."""

from __future__ import annotations

from block_designs import residual_design, stage_ids

from designer.cli import main
from designer.io import load_project, save_project
from designer.model import Project
from designer.model.block_edits import GroupIntoBlock, RepeatBlock
from designer.model.definition_edits import InBlock
from designer.model.edits import SetParam


def blocks_project(tmp_path, broken: bool = False):
    graph = residual_design()
    group = GroupIntoBlock(stage_ids(1), "BasicBlock")
    group.apply(graph)
    RepeatBlock(group.block_id, 2).apply(graph)
    if broken:
        InBlock("BasicBlock", SetParam("conv2_1", "out_channels", 4)).apply(graph)
    path = tmp_path / "blocks.nndesign"
    save_project(Project(graph), path)
    return path


def test_check_lists_block_instances_with_their_counts(tmp_path, capsys):
    assert main(["check", "--no-data", str(blocks_project(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert out.count("BasicBlock") == 2 and "1,168" in out
    assert "3,427 parameters" in out


def test_check_names_the_block_and_the_inner_layer(tmp_path, capsys):
    assert main(["check", "--no-data", str(blocks_project(tmp_path, broken=True))]) == 1
    out = capsys.readouterr().out
    assert "error: BasicBlock 'basicblock1': inside it, Add 'add_1'" in out


def test_export_writes_a_script_with_the_block_class(tmp_path):
    path = blocks_project(tmp_path)
    script = tmp_path / "model.py"
    assert main(["export", str(path), "-o", str(script)]) == 0
    source = script.read_text(encoding="utf-8")
    assert source.count("class BasicBlock(nn.Module):") == 1
    assert source.count("= BasicBlock()") == 2
    compile(source, str(script), "exec")
    assert len(load_project(path).graph.blocks) == 1
