"""Importing PyTorch models: round trips of every design, a hand-written ResNet-18,
weights carried over, and one clear error for what has no layer type."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import torch
from block_designs import residual_design, stage_ids
from safetensors.torch import save_file
from test_compiler_equivalence import example_files
from test_compiler_graphs import WIDE_SEEDS, random_graph, wide_graph

from designer.compiler import compile_design, generate_module_code, lower
from designer.compiler.export import example_inputs
from designer.compiler.fx_import import (
    ModelImportError,
    import_file,
    parse_input_shape,
    weights_path,
    write_import,
)
from designer.compiler.fx_import.loading import load_file, model_classes
from designer.io import load_project
from designer.model.block_edits import GroupIntoBlock, RepeatBlock


def assert_round_trip(graph, folder: Path, tag: str = "net", source: str | None = None) -> None:
    """The generated class (or ``source``, a script holding it) imports back to a design
    with the same parameter count and, on the same weights, equal outputs."""
    ir = lower(graph)
    path = folder / f"{tag}.py"
    path.write_text(source or generate_module_code(ir).source)
    original = compile_design(ir, seed=1).module.eval()
    weights = folder / f"{tag}.safetensors"
    save_file({k: v.contiguous() for k, v in original.state_dict().items()}, weights)
    result = import_file(path, "Net", [item.shape.dims for item in ir.inputs], weights)
    imported = result.compiled.module.eval()
    assert result.parameter_count == ir.total_params
    inputs = example_inputs(ir, batch=3)
    with torch.no_grad():
        mine, theirs = original(*inputs), imported(*inputs)
    mine = mine if isinstance(mine, tuple) else (mine,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(mine) == len(theirs)
    assert all(torch.equal(a, b) for a, b in zip(mine, theirs, strict=True))


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
def test_every_example_round_trips(path, tmp_path):
    from designer.training.script import generate_script

    project = load_project(path)
    assert_round_trip(project.graph, tmp_path)
    script = generate_script(project, project_folder=path.parent).source
    assert_round_trip(project.graph, tmp_path, "script", script)


@pytest.mark.parametrize("block", range(WIDE_SEEDS // 50))
def test_designs_over_the_whole_catalogue_round_trip(block, tmp_path):
    for seed in range(block * 50, block * 50 + 50):
        assert_round_trip(wide_graph(seed), tmp_path, f"wide{seed}")


@pytest.mark.parametrize("block", range(2))
def test_random_designs_round_trip(block, tmp_path):
    for seed in range(block * 50, block * 50 + 50):
        assert_round_trip(random_graph(seed), tmp_path, f"random{seed}")


def test_designs_of_every_kind_round_trip(tmp_path):
    from designs import KINDS

    for kind, build in KINDS.items():
        folder = tmp_path / kind
        folder.mkdir()
        assert_round_trip(load_project(build(folder)).graph, folder, kind)


RESNET = """
import torch
from torch import nn


def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    def __init__(self, layers=(2, 2, 2, 2), num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)

    def _make_layer(self, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes),
            )
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)
"""


def test_a_hand_written_resnet18_imports_exactly(tmp_path):
    path = tmp_path / "resnet.py"
    path.write_text(RESNET)
    torch.manual_seed(0)
    model = load_file(path).ResNet().eval()
    for module in model.modules():  # running statistics other than the initial ones
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 1.5)
    weights = tmp_path / "resnet.pt"
    torch.save(model.state_dict(), weights)
    result = import_file(path, "ResNet", parse_input_shape("3x64x64"), weights)
    assert result.parameter_count == 11_689_512
    graph = result.project.graph
    paths = [f"layer{i}.{j}" for i in range(1, 5) for j in (0, 1)]
    instances = [node for node in graph if node.type.startswith("block:")]
    assert [node.label for node in instances] == paths
    # One block per distinct set of layers: the two 64-channel uses share the first,
    # then each stage has its downsampling block (a 1x1 convolution on the shortcut)
    # and its plain one, with the stage's channel counts.
    names = ["BasicBlock", *(f"BasicBlock{n}" for n in range(2, 8))]
    assert graph.blocks.names() == names
    assert [node.type for node in instances] == [f"block:{n}" for n in names[:1] + names]
    downsampling = [n.label for n in graph.blocks.get("BasicBlock2").graph]
    assert downsampling == ["x", "conv1", "bn1", "relu", "conv2", "bn2", "downsample.0",
                            "downsample.1", "add", "relu_2", "out"]  # fmt: skip
    assert not any(node.type == "Add" for node in graph)
    code = generate_module_code(lower(graph), "ResNet").source
    assert "class BasicBlock(nn.Module):" in code and "self.layer1_1 = BasicBlock()" in code
    imported = result.compiled.module.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(imported(x), model(x))
    written = write_import(result, tmp_path / "resnet.nndesign", with_weights=True)
    assert written == [tmp_path / "resnet.nndesign", weights_path(tmp_path / "resnet.nndesign")]
    reopened = compile_design(load_project(written[0]).graph).module.eval()
    from designer.compiler import load_weights

    load_weights(reopened, written[1])
    with torch.no_grad():
        assert torch.equal(reopened(x), model(x))


def test_a_flat_import_keeps_one_node_per_layer_and_records_the_trace(tmp_path):
    path = tmp_path / "resnet.py"
    path.write_text(RESNET)
    result = import_file(path, "ResNet", parse_input_shape("3x64x64"), flat=True)
    assert result.parameter_count == 11_689_512
    graph = result.project.graph
    assert len(graph.blocks) == 0 and sum(node.type == "Add" for node in graph) == 8
    conv = next(n.id for n in graph if n.label == "layer2.1.conv1")
    assert result.scopes[conv] == (("layer2", ""), ("layer2.1", "BasicBlock"))
    blocks = result.repeated_submodules()
    assert list(blocks) == ["BasicBlock"]
    assert blocks["BasicBlock"] == [f"layer{i}.{j}" for i in range(1, 5) for j in (0, 1)]
    block = [graph.node(n).type for n in result.nodes_of("layer2.0")]
    assert block == ["Conv2d", "BatchNorm2d", "ReLU", "Conv2d", "BatchNorm2d", "Conv2d",
                     "BatchNorm2d", "Add", "ReLU"]  # fmt: skip


def test_a_design_with_blocks_imports_back_as_blocks(tmp_path):
    graph = residual_design()
    group = GroupIntoBlock(stage_ids(1), "ResBlock")
    group.apply(graph)
    RepeatBlock(group.block_id, 3).apply(graph)
    assert_round_trip(graph, tmp_path)  # exact: same parameters, equal outputs
    result = import_file(tmp_path / "net.py", "Net", [(3, 6, 6)])
    imported = result.project.graph
    assert imported.blocks.names() == ["ResBlock"]
    assert sum(node.type == "block:ResBlock" for node in imported) == 3
    inner = [node.label for node in imported.blocks.get("ResBlock").graph]
    assert inner == ["x", "conv1_1", "relu1_1", "conv2_1", "add", "relu2_1", "out"]


NESTED = """
import torch
from torch import nn


class Unit(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, width)

    def forward(self, x):
        return torch.relu(self.fc(x)) + x


class Stage(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.first, self.second = Unit(width), Unit(width)

    def forward(self, x):
        return self.second(self.first(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = Stage(6), Stage(6)
        self.head = nn.Linear(6, 2)

    def forward(self, x):
        return self.head(self.b(self.a(x)))
"""


def test_repeated_classes_inside_repeated_classes_become_nested_blocks(tmp_path):
    path = write(tmp_path, NESTED)
    torch.manual_seed(3)
    model = load_file(path).Net().eval()
    torch.save(model.state_dict(), tmp_path / "net.pt")
    result = import_file(path, "Net", [(6,)], tmp_path / "net.pt")
    graph = result.project.graph
    assert graph.blocks.names() == ["Unit", "Stage"]
    assert [n.label for n in graph if n.type == "block:Stage"] == ["a", "b"]
    stage = graph.blocks.get("Stage").graph
    assert [(n.label, n.type) for n in stage if n.type == "block:Unit"] == [
        ("first", "block:Unit"), ("second", "block:Unit")
    ]  # fmt: skip
    assert result.names["a.second.fc.weight"] == "a.second.fc.weight"
    x = torch.randn(4, 6)
    with torch.no_grad():
        assert torch.equal(result.compiled.module.eval()(x), model(x))


def write(tmp_path: Path, source: str, name: str = "model.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


HEADER = "import torch\nfrom torch import nn\nimport torch.nn.functional as F\n"


def test_what_has_no_layer_type_is_named_in_one_error(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + textwrap.dedent("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")
                self.fc = nn.Linear(4 * 8 * 8, 2)

            def forward(self, x):
                x = torch.sin(self.conv(x))
                return self.fc(x.flatten(1))
        """),
    )
    with pytest.raises(ModelImportError) as caught:
        import_file(path, input_shapes=[(3, 8, 8)])
    message = str(caught.value)
    assert "2 parts have no layer type" in message
    assert "conv (Conv2d): Conv2d(" in message and "padding_mode=reflect" in message
    assert "model.py, line 12 (torch.sin)" in message


def test_inputs_are_inferred_from_a_first_linear_layer_and_functions_map(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + textwrap.dedent("""
        class Mlp(nn.Module):
            def __init__(self):
                super().__init__()
                self.hidden = nn.Linear(5, 8)
                self.out = nn.Linear(8, 3)

            def forward(self, x):
                h = F.leaky_relu(self.hidden(x), 0.2)
                return F.softmax(self.out(h) * 2.0 - 1.0, dim=1)
        """),
    )
    result = import_file(path)
    types = [node.type for node in result.project.graph]
    assert types == ["Input", "Linear", "LeakyReLU", "Linear", "ScaleBias", "ScaleBias",
                     "Softmax", "Output"]  # fmt: skip
    assert (
        result.project.graph.node(result.project.graph.nodes_of_role("input")[0]).params["features"]
        == 5
    )


def test_an_input_that_cannot_be_inferred_asks_for_its_shape(tmp_path):
    path = write(tmp_path, HEADER + "class Net(nn.Module):\n    def __init__(self):\n"
                 "        super().__init__()\n        self.conv = nn.Conv2d(1, 2, 3)\n"
                 "    def forward(self, x):\n        return self.conv(x)\n")  # fmt: skip
    with pytest.raises(ModelImportError, match="--input-shape"):
        import_file(path)


def test_errors_in_the_users_file_name_the_line(tmp_path):
    broken = write(tmp_path, "import torch\n\nraise ValueError('nope')\n")
    with pytest.raises(ModelImportError, match=r"model.py, line 3: running the file failed"):
        import_file(broken)
    data_dependent = write(
        tmp_path,
        HEADER
        + textwrap.dedent("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2, 2)

            def forward(self, x):
                if x.sum() > 0:
                    return self.fc(x)
                return x
        """),
        "flow.py",
    )
    with pytest.raises(ModelImportError, match=r"flow.py, line 11: torch.fx cannot trace"):
        import_file(data_dependent)


def test_model_classes_are_listed_in_file_order_and_a_wrong_name_is_refused(tmp_path):
    path = write(tmp_path, HEADER + "class B(nn.Module):\n    pass\n\n\nclass A(nn.Module):\n"
                 "    pass\n")  # fmt: skip
    assert model_classes(load_file(path)) == ["B", "A"]
    with pytest.raises(ModelImportError, match=r"no nn.Module class 'C' \(its model classes"):
        import_file(path, "C")


def test_weights_that_do_not_fit_are_one_message(tmp_path):
    path = write(tmp_path, HEADER + "class Net(nn.Module):\n    def __init__(self):\n"
                 "        super().__init__()\n        self.fc = nn.Linear(2, 2)\n"
                 "    def forward(self, x):\n        return self.fc(x)\n")  # fmt: skip
    torch.save({"fc.weight": torch.zeros(3, 2)}, tmp_path / "bad.pt")
    with pytest.raises(ModelImportError, match=r"bad\.pt does not fit the model"):
        import_file(path, weights=tmp_path / "bad.pt")


def test_input_shapes_parse_and_bad_ones_are_refused():
    assert parse_input_shape("3x224x224") == [(3, 224, 224)]
    assert parse_input_shape("3x32x32, 10") == [(3, 32, 32), (10,)]
    with pytest.raises(ModelImportError, match="sizes joined by x"):
        parse_input_shape("3 by 4")


def test_a_reshape_that_bakes_in_the_batch_size_is_refused_not_approximated(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + textwrap.dedent("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(6, 6)

            def forward(self, x):
                return self.fc(x).view(-1, 2, 3).reshape(-1, 6)
        """),
    )
    assert import_file(path).parameter_count == 42  # view(-1, 2, 3) keeps the batch
    path.write_text(path.read_text().replace("view(-1, 2, 3)", "view(2, -1)"))
    with pytest.raises(ModelImportError, match="reshape must keep the batch size first"):
        import_file(path)


def test_a_layer_called_twice_with_its_weights_is_named(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + textwrap.dedent("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)
                self.act = nn.ReLU()

            def forward(self, x):
                return self.act(self.fc(self.act(self.fc(x))))
        """),
    )
    with pytest.raises(ModelImportError, match=r"fc \(Linear\): called more than once"):
        import_file(path)


def test_hand_written_recurrent_and_token_models_import(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + textwrap.dedent("""
        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(50, 8)
                self.lstm = nn.LSTM(8, 6, batch_first=True, bidirectional=True)
                self.gru = nn.GRU(12, 5, num_layers=2, batch_first=True)
                self.head = nn.Linear(5, 2)

            def forward(self, tokens):
                steps, _ = self.lstm(self.embed(tokens))
                _, hidden = self.gru(steps)
                return self.head(hidden[-1])
        """),
    )
    result = import_file(path, input_shapes=[(7,)])
    graph = result.project.graph
    tokens = graph.node(graph.nodes_of_role("input")[0]).params
    assert (tokens["kind"], tokens["length"], tokens["vocab_size"]) == ("tokens", 7, 50)
    types = {node.type: node.params for node in graph}
    assert types["LSTM"]["return_sequences"] and types["LSTM"]["bidirectional"]
    assert not types["GRU"]["return_sequences"] and types["GRU"]["num_layers"] == 2


def test_functional_pooling_and_dropout_map_through_their_module_classes(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + textwrap.dedent("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 4, 3, padding=1)
                self.fc = nn.Linear(4, 2)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.conv(x)), 2)
                x = F.adaptive_avg_pool2d(x, 1).view(x.size(0), -1)
                return self.fc(F.dropout(x, 0.3, self.training))
        """),
    )
    graph = import_file(path, input_shapes=[(3, 8, 8)]).project.graph
    layers = [(node.type, node.params) for node in graph][1:-1]
    assert [t for t, _ in layers] == ["Conv2d", "ReLU", "MaxPool2d", "AdaptiveAvgPool2d",
                                       "Flatten", "Dropout", "Linear"]  # fmt: skip
    assert layers[2][1]["kernel_size"] == 2 and layers[5][1]["p"] == 0.3


def test_a_value_beyond_a_layers_range_is_named_not_clipped(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + textwrap.dedent("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(3, 3)

            def forward(self, x):
                return self.fc(x) * 1e9
        """),
    )
    with pytest.raises(
        ModelImportError, match=r"line 11 \(operator.mul\): Scale and bias .*at most 1e\+06"
    ):
        import_file(path)
