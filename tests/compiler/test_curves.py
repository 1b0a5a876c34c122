"""An activation's plotted curve is torch's function, and its slope is autograd's."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from designer.catalog import default_catalog
from designer.compiler import activation_curve

CATALOG = default_catalog()
# Each element-wise activation as torch's functional API computes it with the catalogue's
# default parameters: written here independently of the layers' bindings.
FUNCTIONS = {
    "ReLU": F.relu,
    "ReLU6": F.relu6,
    "LeakyReLU": lambda x: F.leaky_relu(x, 0.01),
    "PReLU": lambda x: F.prelu(x, torch.tensor([0.25])),
    "ELU": lambda x: F.elu(x, 1.0),
    "SELU": F.selu,
    "GELU": F.gelu,
    "SiLU": F.silu,
    "Mish": F.mish,
    "Hardswish": F.hardswish,
    "Softplus": lambda x: F.softplus(x, beta=1.0, threshold=20.0),
    "Sigmoid": torch.sigmoid,
    "Hardsigmoid": F.hardsigmoid,
    "Tanh": torch.tanh,
}


def test_every_plotted_activation_is_checked_here() -> None:
    assert {s.type_id for s in CATALOG if s.docs.curve is not None} == set(FUNCTIONS)


@pytest.mark.parametrize("type_id", sorted(FUNCTIONS))
def test_the_curve_is_torchs_function_and_the_slope_autograds(type_id: str) -> None:
    spec = CATALOG.get(type_id)
    curve = activation_curve(spec)
    assert curve is not None
    low, high = spec.docs.curve
    assert curve.x[0] == pytest.approx(low) and curve.x[-1] == pytest.approx(high)
    x = torch.tensor(curve.x, dtype=torch.float32, requires_grad=True)
    y = FUNCTIONS[type_id](x)
    (slope,) = torch.autograd.grad(y.sum(), x)
    assert curve.y == pytest.approx(y.detach().numpy(), abs=1e-6)
    assert curve.slope == pytest.approx(slope.numpy(), abs=1e-6)


def test_known_derivatives() -> None:
    """Against the calculus, not only against torch: σ' = σ(1 − σ), tanh' = 1 − tanh²."""
    sigmoid = activation_curve(CATALOG.get("Sigmoid"))
    assert sigmoid.slope == pytest.approx(sigmoid.y * (1 - sigmoid.y), abs=1e-6)
    tanh = activation_curve(CATALOG.get("Tanh"))
    assert tanh.slope == pytest.approx(1 - tanh.y**2, abs=1e-5)
    relu = activation_curve(CATALOG.get("ReLU"))
    assert list(relu.slope) == [1.0 if x > 0 else 0.0 for x in relu.x]


def test_the_curve_follows_the_nodes_parameters() -> None:
    leaky = activation_curve(CATALOG.get("LeakyReLU"), {"negative_slope": 0.2})
    negative = leaky.x < 0
    assert leaky.slope[negative] == pytest.approx(0.2)
    assert leaky.y[negative] == pytest.approx(0.2 * leaky.x[negative], abs=1e-6)
    elu = activation_curve(CATALOG.get("ELU"), {"alpha": 2.0})
    assert elu.y[0] == pytest.approx(2.0 * (torch.exp(torch.tensor(elu.x[0])) - 1).item())


def test_layers_that_are_not_functions_of_one_number_have_no_curve() -> None:
    for type_id in ("Softmax", "Linear", "Conv2d", "Add"):
        assert activation_curve(CATALOG.get(type_id)) is None


def test_plotting_leaves_torchs_random_generator_alone() -> None:
    """A run training in another thread keeps its random sequence when a page plots."""
    torch.manual_seed(1234)
    state = torch.get_rng_state()
    activation_curve(CATALOG.get("PReLU"), {"per_channel": True})
    assert torch.equal(state, torch.get_rng_state())
